"""Remind participants of tomorrow's sessions by e-mail (with the .ics file).

Run it once a day from cron, for example at 17:00:

    0 17 * * * cd /srv/socle && .venv/bin/python manage.py send_session_reminders

By default the work is enqueued for the task worker; --now runs it in this process. Each
registration is reminded at most once, so running it twice a day is harmless.
"""

from core.task_command import TaskCommand
from trainings.tasks import send_session_reminders


class Command(TaskCommand):
    help = "Envoie le rappel de la veille aux personnes inscrites aux sessions de demain."
    task = send_session_reminders
    now_help = "Envoyer tout de suite dans ce processus au lieu de passer par le worker."

    def summary(self, result):
        return f"{result} rappel(s) envoyé(s)."
