"""Mark published sessions whose last slot has ended as held ("réalisée").

Run it once a day from cron, for example just after midnight:

    5 0 * * * cd /srv/socle && .venv/bin/python manage.py mark_sessions_held

By default the work is enqueued for the task worker; --now runs it in this process.
"""

from core.task_command import TaskCommand
from trainings.tasks import mark_sessions_held


class Command(TaskCommand):
    help = "Passe au statut « réalisée » les sessions publiées dont le dernier créneau est passé."
    task = mark_sessions_held

    def summary(self, result):
        return f"{result} session(s) marquée(s) réalisée(s)."
