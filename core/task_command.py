"""A management command that enqueues one background task (the daily jobs cron starts), or runs
it in the process with --now."""

from django.core.management.base import BaseCommand


class TaskCommand(BaseCommand):
    """Subclasses set `task` (a django.tasks task without arguments) and `summary(result)`, the
    line printed after a run with --now."""

    task = None
    now_help = "Traiter tout de suite dans ce processus au lieu de passer par le worker."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help=self.now_help)

    def summary(self, result):
        return str(result)

    def handle(self, *args, now=False, **options):
        if now:
            self.stdout.write(self.style.SUCCESS(self.summary(self.task.call())))
        else:
            result = self.task.enqueue()
            self.stdout.write(self.style.SUCCESS(f"Tâche mise en file ({result.id})."))
