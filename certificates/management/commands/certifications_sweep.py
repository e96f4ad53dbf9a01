"""Apply the certification rules to every active enrolment, expire what is past its validity and
send the expiry reminders (60 and 15 days before).

Run it once a night from cron:

    30 0 * * * cd /srv/socle && .venv/bin/python manage.py certifications_sweep

By default the work is enqueued for the task worker; --now runs it in this process.
"""

from django.core.management.base import BaseCommand

from certificates.tasks import certifications_sweep


class Command(BaseCommand):
    help = "Applique les règles de certification à toutes les inscriptions et envoie les rappels."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            action="store_true",
            help="Traiter tout de suite dans ce processus au lieu de passer par le worker.",
        )

    def handle(self, *args, now=False, **options):
        if now:
            result = certifications_sweep.call()
            self.stdout.write(
                self.style.SUCCESS(
                    f"{result['decisions']} décision(s), {result['reminders']} rappel(s)."
                )
            )
        else:
            result = certifications_sweep.enqueue()
            self.stdout.write(self.style.SUCCESS(f"Tâche mise en file ({result.id})."))
