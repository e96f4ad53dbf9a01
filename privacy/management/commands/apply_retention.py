"""Apply the retention periods (privacy.services.retention): erase inactive accounts, remove old
free texts from training evidence, trim the audit log, delete expired exports and web sessions,
and finish erasure requests a lost task left behind. Only counts unless --wet-run is given.

Run it every night from cron:

    30 1 * * * cd /srv/socle && .venv/bin/python manage.py apply_retention --wet-run
"""

from django.core.management.base import BaseCommand

from privacy.services.retention import retention_apply

LINES = [
    ("erasures_resumed", "demande(s) d'effacement terminée(s)"),
    ("inactive_accounts_erased", "compte(s) inactif(s) anonymisé(s)"),
    ("inactive_accounts_skipped", "compte(s) inactif(s) laissé(s) (sessions encore ouvertes)"),
    ("assessments_anonymised", "évaluation(s) ancienne(s) sans commentaire désormais"),
    ("reviews_anonymised", "confirmation(s) ancienne(s) sans commentaire désormais"),
    ("audit_entries_deleted", "entrée(s) du journal supprimée(s)"),
    ("personal_exports_deleted", "archive(s) de données personnelles supprimée(s)"),
    ("report_exports_deleted", "export(s) du pilotage supprimé(s)"),
    ("web_sessions_deleted", "session(s) de connexion expirée(s) supprimée(s)"),
]


class Command(BaseCommand):
    help = "Applique les durées de conservation des données personnelles."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wet-run",
            action="store_true",
            help="Appliquer vraiment ; sans cette option, la commande compte seulement.",
        )

    def handle(self, *args, wet_run=False, **options):
        report = retention_apply(wet_run=wet_run)
        values = report.as_dict()
        for key, label in LINES:
            self.stdout.write(f"{values[key]} {label}")
        if wet_run:
            self.stdout.write(self.style.SUCCESS("Durées de conservation appliquées."))
        else:
            self.stdout.write("Rien n'a été modifié. Relancez avec --wet-run pour appliquer.")
