"""Apply the certification rules to every active enrolment, expire what is past its validity and
send the expiry reminders (60 and 15 days before).

Run it once a night from cron:

    30 0 * * * cd /srv/socle && .venv/bin/python manage.py certifications_sweep

By default the work is enqueued for the task worker; --now runs it in this process.
"""

from certificates.tasks import certifications_sweep
from core.task_command import TaskCommand


class Command(TaskCommand):
    help = "Applique les règles de certification à toutes les inscriptions et envoie les rappels."
    task = certifications_sweep

    def summary(self, result):
        return f"{result['decisions']} décision(s), {result['reminders']} rappel(s)."
