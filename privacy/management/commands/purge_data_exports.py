"""Delete the personal-data archives older than a week (they hold everything about a person).

Run it once a day from cron:

    45 0 * * * cd /srv/socle && .venv/bin/python manage.py purge_data_exports
"""

from django.core.management.base import BaseCommand

from privacy.services import personal_data_exports_purge


class Command(BaseCommand):
    help = "Supprime les archives de données personnelles de plus de 7 jours."

    def handle(self, *args, **options):
        count = personal_data_exports_purge()
        self.stdout.write(self.style.SUCCESS(f"{count} archive(s) supprimée(s)."))
