"""Recompute the dashboard's aggregates (reporting/aggregates.py).

Run it from cron: the whole rebuild every night, the recent days every few minutes (today's marks,
registrations to coming sessions):

    30 1 * * *   cd /srv/socle && .venv/bin/python manage.py refresh_reporting_aggregates
    */10 * * * * cd /srv/socle && .venv/bin/python manage.py \
                 refresh_reporting_aggregates --since-days 1
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting.aggregates import aggregates_rebuild, aggregates_refresh_days


class Command(BaseCommand):
    help = "Recalcule les agrégats du tableau de bord du pilotage."

    def add_arguments(self, parser):
        parser.add_argument(
            "--since-days",
            type=int,
            metavar="N",
            help="Recalculer seulement les jours à partir d'il y a N jours (et les jours à venir).",
        )
        parser.add_argument(
            "--day",
            action="append",
            default=[],
            metavar="AAAA-MM-JJ",
            help="Recalculer seulement ce jour (option répétable).",
        )

    def handle(self, *args, since_days=None, day=(), **options):
        try:
            days = [datetime.date.fromisoformat(value) for value in day]
        except ValueError as error:
            raise CommandError(f"--day : date invalide ({error}), attendue AAAA-MM-JJ.") from None
        if since_days is not None and since_days < 0:
            raise CommandError("--since-days : un nombre de jours positif ou nul est attendu.")
        if since_days is None and not days:
            state = aggregates_rebuild()
            self.stdout.write(
                self.style.SUCCESS(f"Agrégats recalculés en {state.rebuild_seconds:.1f} s.")
            )
            return
        since = None
        if since_days is not None:
            since = timezone.localdate() - datetime.timedelta(days=since_days)
        if aggregates_refresh_days(days, since=since) is None:
            raise CommandError(
                "Les agrégats n'ont jamais été calculés : lancez d'abord la commande sans option."
            )
        self.stdout.write(self.style.SUCCESS("Agrégats mis à jour."))
