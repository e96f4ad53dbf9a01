"""Rebuild the current-status table (person × competence lineage → the assessment that counts)
from the append-only assessment history.

The services keep the table up to date in the same transaction as every assessment and review;
this command recomputes it, for example after restoring a backup or to check it. It writes only
the rows that differ and says how many.
"""

from django.core.management.base import BaseCommand

from trainings.services.status import competence_status_rebuild


class Command(BaseCommand):
    help = "Recalcule les niveaux actuels des personnes à partir de l'historique des évaluations."

    def add_arguments(self, parser):
        parser.add_argument(
            "--user", type=int, action="append", dest="user_ids", help="Seulement cette personne."
        )

    def handle(self, *args, user_ids=None, **options):
        written, deleted = competence_status_rebuild(user_ids=user_ids)
        self.stdout.write(
            self.style.SUCCESS(
                f"Niveaux actuels recalculés : {written} ligne(s) écrite(s), "
                f"{deleted} supprimée(s)."
            )
        )
