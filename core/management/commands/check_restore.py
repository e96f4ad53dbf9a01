"""`manage.py check_restore MANIFEST`: does this database and its media match a backup?

Compares the current database and stored files with the manifest that `backup_manifest` wrote
at backup time: the row count of every model, each attestation (present, the SHA-256 recomputed
from its PDF equal to the one recorded in the manifest and in the database), the files other
records point to, and the latest migration per app. Prints a short report in French and exits
with status 1 on any difference. It only reads: its queries run in a read-only transaction that
is rolled back, and files are opened for reading.

scripts/restore.sh runs it after a restore; it can be run on any copy at any time.
"""

import json

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from .backup_manifest import (
    ATTESTATION_FILE_FIELD,
    ATTESTATION_MODEL,
    FORMAT,
    count_rows,
    file_fields,
    file_sha256,
    latest_migrations,
    project_models,
    read_only_snapshot,
    recorded_attestations,
    referenced_files,
)

SHOWN_PROBLEMS = 50


def load_manifest(path):
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        raise CommandError(f"Manifeste introuvable : {path}") from None
    except (OSError, ValueError) as error:
        raise CommandError(f"Manifeste illisible ({path}) : {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CommandError(f"{path} n'est pas un manifeste de sauvegarde Socle (format {FORMAT}).")
    return manifest


def short(digest):
    return f"{digest[:12]}…" if digest else "aucune"


def _read(connection, query):
    """Run `query()` in a savepoint: on PostgreSQL a failed query (a table the restored copy
    lacks) would otherwise abort the whole transaction. None when it fails."""
    try:
        with transaction.atomic(using=connection.alias):
            return query()
    except DatabaseError:
        return None


class Check:
    def __init__(self, manifest, connection):
        self.manifest = manifest
        self.connection = connection
        self.problems = []
        self.summary = []

    def run(self):
        self.counts()
        self.attestations()
        self.other_files()
        self.migrations()
        return self

    def counts(self):
        expected = self.manifest.get("counts", {})
        current = {model._meta.label: model for model in project_models()}
        for label in sorted(expected.keys() | current.keys()):
            if label not in current:
                self.problems.append(f"{label} : modèle de la sauvegarde inconnu de ce code.")
                continue
            actual = _read(self.connection, lambda m=current[label]: count_rows(m, self.connection))
            if actual is None:
                self.problems.append(f"{label} : table absente ou illisible.")
            elif label not in expected:
                self.problems.append(f"{label} : absent de la sauvegarde ({actual} ligne(s) ici).")
            elif actual != expected[label]:
                self.problems.append(
                    f"{label} : {actual} ligne(s) au lieu de {expected[label]} dans la sauvegarde."
                )
        self.summary.append(f"Lignes : {len(expected)} modèles comparés.")

    def attestations(self):
        expected = self.manifest.get("attestations", {})
        recorded = _read(self.connection, lambda: recorded_attestations(self.connection))
        if recorded is None:
            self.problems.append("Attestations : table absente ou illisible.")
            return
        storage = apps.get_model(ATTESTATION_MODEL)._meta.get_field(ATTESTATION_FILE_FIELD).storage
        checked = 0
        for serial in sorted(expected.keys() | recorded.keys()):
            if serial not in recorded:
                self.problems.append(f"Attestation {serial} : absente de la base.")
                continue
            if serial not in expected:
                self.problems.append(
                    f"Attestation {serial} : dans la base mais pas dans la sauvegarde."
                )
                continue
            in_manifest, in_database = expected[serial]["sha256"], recorded[serial]["sha256"]
            if in_database != in_manifest:
                self.problems.append(
                    f"Attestation {serial} : empreinte en base {short(in_database)} différente "
                    f"de celle de la sauvegarde {short(in_manifest)}."
                )
            name = recorded[serial]["pdf"]
            from_file = file_sha256(storage, name) if name else None
            checked += 1
            if from_file is None:
                self.problems.append(f"Attestation {serial} : PDF absent ({name or 'aucun'}).")
            elif from_file != in_manifest or from_file != in_database:
                self.problems.append(
                    f"Attestation {serial} : le PDF ({name}) ne correspond pas à son empreinte "
                    f"(fichier {short(from_file)}, attendu {short(in_manifest)})."
                )
        self.summary.append(f"Attestations : {checked} PDF relu(s), empreintes recalculées.")

    def other_files(self):
        expected = self.manifest.get("files", {})
        checked = 0
        for model in project_models():
            for field in file_fields(model):
                key = f"{model._meta.label}.{field.name}"
                already_missing = set(expected.get(key, {}).get("missing", []))
                rows = _read(
                    self.connection,
                    lambda m=model, f=field: list(referenced_files(m, f, self.connection)),
                )
                for pk, name in rows or []:
                    checked += 1
                    if name not in already_missing and not field.storage.exists(name):
                        self.problems.append(
                            f"{model._meta.label} n° {pk} : fichier « {field.name} » absent "
                            f"({name})."
                        )
        self.summary.append(f"Autres fichiers : {checked} vérifiés.")

    def migrations(self):
        expected = self.manifest.get("migrations", {})
        actual = _read(self.connection, lambda: latest_migrations(self.connection)) or {}
        for app_label in sorted(expected.keys() | actual.keys()):
            if expected.get(app_label) != actual.get(app_label):
                self.problems.append(
                    f"Migrations de {app_label} : {actual.get(app_label) or 'aucune'} au lieu "
                    f"de {expected.get(app_label) or 'aucune'}."
                )
        self.summary.append(f"Migrations : {len(expected)} applications comparées.")


class Command(BaseCommand):
    help = (
        "Vérifie qu'une copie restaurée (base et fichiers) correspond au manifeste de sa "
        "sauvegarde. Lecture seule ; code de sortie 1 au moindre écart."
    )
    # No system checks: a backup or a restore drill must run even where Socle would refuse to
    # start (no production seal on a test machine, say).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("manifest", help="Le manifest.json de la sauvegarde.")

    def handle(self, *args, manifest, **options):
        expected = load_manifest(manifest)
        connection = connections[DEFAULT_DB_ALIAS]
        with read_only_snapshot(connection):
            check = Check(expected, connection).run()
        self.stdout.write(
            f"Vérification de la copie restaurée (sauvegarde du {expected.get('created_at', '?')})"
        )
        for line in check.summary:
            self.stdout.write(f"  {line}")
        if not check.problems:
            self.stdout.write(
                self.style.SUCCESS(
                    "Copie conforme : lignes, attestations, fichiers et migrations identiques à "
                    "la sauvegarde."
                )
            )
            return
        self.stdout.write(self.style.ERROR(f"{len(check.problems)} écart(s) :"))
        for problem in check.problems[:SHOWN_PROBLEMS]:
            self.stdout.write(f"  - {problem}")
        if len(check.problems) > SHOWN_PROBLEMS:
            self.stdout.write(f"  … et {len(check.problems) - SHOWN_PROBLEMS} autre(s).")
        raise CommandError(f"Copie non conforme à la sauvegarde : {len(check.problems)} écart(s).")
