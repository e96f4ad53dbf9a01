"""Remind participants of tomorrow's sessions by e-mail (with the .ics file).

Run it once a day from cron, for example at 17:00:

    0 17 * * * cd /srv/socle && .venv/bin/python manage.py send_session_reminders

By default the work is enqueued for the task worker; --now runs it in this process. Each
registration is reminded at most once, so running it twice a day is harmless.
"""

from django.core.management.base import BaseCommand

from trainings.tasks import send_session_reminders


class Command(BaseCommand):
    help = "Envoie le rappel de la veille aux personnes inscrites aux sessions de demain."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            action="store_true",
            help="Envoyer tout de suite dans ce processus au lieu de passer par le worker.",
        )

    def handle(self, *args, now=False, **options):
        if now:
            sent = send_session_reminders.call()
            self.stdout.write(self.style.SUCCESS(f"{sent} rappel(s) envoyé(s)."))
        else:
            result = send_session_reminders.enqueue()
            self.stdout.write(self.style.SUCCESS(f"Tâche des rappels mise en file ({result.id})."))
