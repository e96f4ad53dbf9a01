"""`manage.py bench_data --scale national|region|demo [--seed N] [--yes]`: fill the database with
a seeded, deterministic network for benchmarks (bench/generate.py; bench/README.md says what each
scale holds and how long it takes).

Meant for an empty, migrated database: it refuses one that already has users unless --yes (the
bench network is then added beside them). It ends with the row count of each table and the time
each step took.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.generate import PASSWORD, SCALES, BenchError, generate

COUNTED = (
    "accounts.User",
    "accounts.Structure",
    "accounts.Membership",
    "trainings.TrainerAccreditation",
    "trainings.Session",
    "trainings.Slot",
    "trainings.Registration",
    "trainings.Attendance",
    "trainings.Assessment",
    "trainings.AssessmentReview",
    "trainings.CompetenceStatus",
    "certificates.Enrollment",
    "certificates.BlocValidation",
    "certificates.PathwayCertification",
    "certificates.Attestation",
)


class Command(BaseCommand):
    help = "Remplit la base d'un réseau de banc d'essai (national, région ou démo), reproductible."

    def add_arguments(self, parser):
        parser.add_argument("--scale", required=True, choices=sorted(SCALES))
        parser.add_argument("--seed", type=int, default=1, help="Graine (1 par défaut).")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Accepter une base qui contient déjà des utilisateurs.",
        )

    def handle(self, *args, scale, seed, yes, **options):
        if get_user_model().objects.exists() and not yes:
            raise CommandError(
                "La base contient déjà des utilisateurs : bench_data est fait pour une base vide "
                "et migrée. Relancez avec --yes pour ajouter le réseau de banc d'essai malgré tout."
            )
        self.stdout.write(f"Réseau « {scale} », graine {seed} :")
        try:
            result = generate(scale=scale, seed=seed, log=self.stdout.write)
        except BenchError as error:
            raise CommandError(str(error)) from error
        self.stdout.write("")
        self.stdout.write("Lignes par table :")
        for label in COUNTED:
            model = apps.get_model(label)
            self.stdout.write(f"  {model._meta.db_table:<40} {model.objects.count():>12,}")
        self.stdout.write("")
        self.stdout.write("Durées :")
        for name, seconds in result.timer.steps:
            self.stdout.write(f"  {name:<55} {seconds:>8.1f} s")
        self.stdout.write(f"  {'total':<55} {result.timer.total:>8.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
                self.stdout.write(f"Taille de la base : {cursor.fetchone()[0]}")
        self.stdout.write("")
        self.stdout.write(f"Comptes à essayer (mot de passe : {PASSWORD}) :")
        for role, email in result.samples.items():
            self.stdout.write(f"  {role:<14} {email}")
        self.stdout.write(self.style.SUCCESS("Réseau de banc d'essai prêt."))
