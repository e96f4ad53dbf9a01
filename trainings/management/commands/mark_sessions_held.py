"""Mark published sessions whose last slot has ended as held ("réalisée").

Run it once a day from cron, for example just after midnight:

    5 0 * * * cd /srv/socle && .venv/bin/python manage.py mark_sessions_held

By default the work is enqueued for the task worker; --now runs it in this process.
"""

from django.core.management.base import BaseCommand

from trainings.tasks import mark_sessions_held


class Command(BaseCommand):
    help = "Passe au statut « réalisée » les sessions publiées dont le dernier créneau est passé."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            action="store_true",
            help="Traiter tout de suite dans ce processus au lieu de passer par le worker.",
        )

    def handle(self, *args, now=False, **options):
        if now:
            count = mark_sessions_held.call()
            self.stdout.write(self.style.SUCCESS(f"{count} session(s) marquée(s) réalisée(s)."))
        else:
            result = mark_sessions_held.enqueue()
            self.stdout.write(self.style.SUCCESS(f"Tâche mise en file ({result.id})."))
