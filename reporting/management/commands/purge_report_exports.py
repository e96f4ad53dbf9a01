"""Delete the hub's export files past their week, with their jobs (and jobs that never became
ready). Only counts them unless --wet-run is given.

Run it once a day from cron:

    50 0 * * * cd /srv/socle && .venv/bin/python manage.py purge_report_exports --wet-run
"""

from django.core.management.base import BaseCommand

from reporting.services import report_exports_purge


class Command(BaseCommand):
    help = "Supprime les exports du pilotage expirés (fichiers et demandes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wet-run",
            action="store_true",
            help="Supprimer vraiment ; sans cette option, la commande compte seulement.",
        )

    def handle(self, *args, wet_run=False, **options):
        count = report_exports_purge(wet_run=wet_run)
        if wet_run:
            self.stdout.write(self.style.SUCCESS(f"{count} export(s) supprimé(s)."))
        else:
            self.stdout.write(
                f"{count} export(s) à supprimer. Relancez avec --wet-run pour les supprimer."
            )
