"""`manage.py backup_manifest --output FILE [--dump FILE]`: what a backup must give back.

The manifest (JSON) describes one consistent, read-only view of the database: the row count of
every concrete model of Socle's apps, every attestation's serial with the SHA-256 recorded when it
was issued and the file it points to, the files of other records (proofs, logos, exports) that were
already missing, and the latest migration applied per app. `check_restore` compares a restored copy
with it.

With --dump (PostgreSQL only), pg_dump --format=custom writes the database from that same snapshot
(pg_export_snapshot), so the dump and the manifest describe exactly the same rows even while Socle
keeps running. scripts/backup.sh calls it so; docs/operations.md tells the whole procedure.

The helpers below are shared with check_restore.
"""

import hashlib
import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
PROJECT_APPS = (
    "core",
    "accounts",
    "competences",
    "trainings",
    "certificates",
    "privacy",
    "reporting",
)
ATTESTATION_MODEL = "certificates.Attestation"
ATTESTATION_FILE_FIELD = "pdf"


@contextmanager
def read_only_snapshot(connection):
    """A transaction that cannot write and is rolled back at the end. On PostgreSQL, when it is
    the outermost one, every query inside sees the same snapshot (REPEATABLE READ)."""
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # The isolation level can only be set before the transaction's first query,
                    # hence outermost only; READ ONLY may come later (inside a savepoint, rolling
                    # it back undoes it).
                    cursor.execute(
                        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                        if outermost
                        else "SET TRANSACTION READ ONLY"
                    )
                elif connection.vendor == "sqlite":
                    cursor.execute("PRAGMA query_only = ON")
            yield
            transaction.set_rollback(True, using=connection.alias)
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA query_only = OFF")


def project_models():
    """Every model of Socle's apps that owns a table (many-to-many tables included)."""
    found = []
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.proxy or not model._meta.managed:
                continue
            found.append(model)
    return found


def file_fields(model):
    return [
        field
        for field in model._meta.local_concrete_fields
        if isinstance(field, models.FileField)
        and not (model._meta.label == ATTESTATION_MODEL and field.name == ATTESTATION_FILE_FIELD)
    ]


def count_rows(model, connection):
    return model._base_manager.using(connection.alias).count()


def recorded_attestations(connection):
    """{serial: {"sha256": recorded at issue, "pdf": stored file name}}, sorted by serial."""
    attestation = apps.get_model(ATTESTATION_MODEL)
    rows = (
        attestation._base_manager.using(connection.alias)
        .order_by("serial")
        .values_list("serial", "sha256", ATTESTATION_FILE_FIELD)
    )
    return {serial: {"sha256": sha256, "pdf": name} for serial, sha256, name in rows}


def referenced_files(model, field, connection):
    """(pk, name) of every row of `model` whose `field` names a file."""
    return (
        model._base_manager.using(connection.alias)
        .exclude(**{f"{field.name}__isnull": True})
        .exclude(**{field.name: ""})
        .order_by("pk")
        .values_list("pk", field.name)
    )


def file_sha256(storage, name):
    """The SHA-256 of a stored file, or None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with storage.open(name, "rb") as handle:
            for chunk in handle.chunks():
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def latest_migrations(connection):
    """{app label: name of the latest applied migration} over every app of the database."""
    latest = {}
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app_label, ""):
            latest[app_label] = name
    return dict(sorted(latest.items()))


def build_manifest(connection):
    counts = {model._meta.label: count_rows(model, connection) for model in project_models()}
    files = {}
    for model in project_models():
        for field in file_fields(model):
            referenced = list(referenced_files(model, field, connection))
            missing = sorted(name for _pk, name in referenced if not field.storage.exists(name))
            files[f"{model._meta.label}.{field.name}"] = {
                "referenced": len(referenced),
                "missing": missing,
            }
    return {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "database": {"vendor": connection.vendor, "name": connection.settings_dict["NAME"]},
        "counts": counts,
        "attestations": recorded_attestations(connection),
        "files": files,
        "migrations": latest_migrations(connection),
    }


def write_json(path, data):
    """Write through a temporary file, so a failure never leaves half a manifest."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, path)


def pg_dump(connection, snapshot, path):
    """pg_dump --format=custom of the database, as of the exported `snapshot`."""
    binary = shutil.which(os.environ.get("PG_DUMP", "pg_dump"))
    if binary is None:
        raise CommandError(
            "pg_dump introuvable : installez le client PostgreSQL (paquet postgresql-client) de "
            "la version du serveur ou plus récent, ou indiquez-le avec PG_DUMP=/chemin/pg_dump."
        )
    args, env = connection.client.settings_to_cmd_args_env(
        connection.settings_dict,
        ["--format=custom", f"--snapshot={snapshot}", f"--file={path}", "--no-password"],
    )
    args[0] = binary
    result = subprocess.run(
        args, env={**os.environ, **(env or {})}, stderr=subprocess.PIPE, text=True, check=False
    )
    if result.returncode != 0:
        Path(path).unlink(missing_ok=True)
        raise CommandError(f"pg_dump a échoué (code {result.returncode}) : {result.stderr.strip()}")


class Command(BaseCommand):
    help = (
        "Écrit le manifeste d'une sauvegarde (lignes par modèle, empreintes des attestations, "
        "migrations) et, avec --dump, le pg_dump du même instantané."
    )
    # No system checks: a backup or a restore drill must run even where Socle would refuse to
    # start (no production seal on a test machine, say).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="Fichier JSON à écrire.")
        parser.add_argument(
            "--dump",
            help=(
                "Écrire aussi dans ce fichier un pg_dump --format=custom pris sur le même "
                "instantané que le manifeste (PostgreSQL seulement)."
            ),
        )

    def handle(self, *args, output, dump=None, **options):
        connection = connections[DEFAULT_DB_ALIAS]
        if dump:
            if connection.vendor != "postgresql":
                raise CommandError(
                    f"La sauvegarde de la base demande PostgreSQL ; DATABASE_URL désigne une "
                    f"base {connection.vendor}."
                )
            if connection.in_atomic_block:
                raise CommandError("--dump ne peut pas s'exécuter dans une transaction ouverte.")
        try:
            with read_only_snapshot(connection):
                if dump:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_export_snapshot()")
                        snapshot = cursor.fetchone()[0]
                manifest = build_manifest(connection)
                if dump:
                    # The exported snapshot lives as long as this transaction: dump before leaving.
                    pg_dump(connection, snapshot, dump)
        except DatabaseError as error:
            raise CommandError(f"Lecture de la base impossible : {error}") from error
        try:
            write_json(output, manifest)
        except OSError as error:
            raise CommandError(f"Impossible d'écrire le manifeste {output} : {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Manifeste écrit : {output} ({len(manifest['counts'])} modèles, "
                f"{sum(manifest['counts'].values())} lignes, "
                f"{len(manifest['attestations'])} attestation(s)"
                + (f" ; base sauvegardée dans {dump}" if dump else "")
                + ")."
            )
        )
