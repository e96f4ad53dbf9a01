"""Backups: the manifest (backup_manifest), the check of a restored copy (check_restore), and
scripts/backup.sh + scripts/restore.sh end to end on PostgreSQL."""

import contextlib
import datetime
import json
import os
import subprocess
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg import sql

from accounts.models import User
from certificates import services
from certificates.models import Attestation, BlocValidation, Issuer
from certificates.services import attestations as issuing
from competences import services as competence_services
from core.management.commands.backup_manifest import PROJECT_APPS, read_only_snapshot
from privacy.models import PersonalDataExport
from tests import factories
from tests.certificates.conftest import assess_all

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def make_issuer():
    return Issuer.objects.create(
        legal_name="Hub numérique Hauts-de-France",
        nda_number="32590000059",
        address="1 place du Théâtre\n59000 Lille",
        signatory_name="Claire Dumont",
        signatory_role="Directrice",
    )


def issue_one_attestation():
    """One real attestation, rendered, sealed and stored (a few seconds): bloc B1 validated on
    the pathway's rules after a trainer assessed its three competences."""
    hub = factories.HubCoordinatorFactory()
    start = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=7), datetime.time(9)
        )
    )
    session = factories.make_session(participants=1, slots=2, competences=3, start=start)
    bloc = session.version.blocs.get(code="B1")
    pathway = competence_services.pathway_create(
        actor=hub,
        version=session.version,
        code="socle",
        title="Socle",
        audience="novice",
        blocs=[bloc],
        min_attended_hours=7,
        validity_months=12,
    )
    make_issuer()
    person = session.registrations.get().user
    world = SimpleNamespace(
        session=session,
        version=session.version,
        person=person,
        trainer=session.trainers.get(),
        competences=list(session.competences.order_by("order")),
    )
    assess_all(world)
    enrollment = services.enrollment_create(actor=person, user=person, pathway=pathway)
    # Transactional tests run the decision task on commit already; this is then a no-op.
    services.enrollment_decide(enrollment_id=enrollment.pk)
    validation = BlocValidation.objects.get(enrollment=enrollment)
    return issuing.attestation_issue_for_bloc_validation(validation_id=validation.pk)


@pytest.fixture
def attestation(db):
    return issue_one_attestation()


def write_manifest(tmp_path):
    path = tmp_path / "manifest.json"
    call_command("backup_manifest", output=str(path), stdout=StringIO())
    return path


def check_passes(path):
    out = StringIO()
    call_command("check_restore", str(path), stdout=out)
    assert "Copie conforme" in out.getvalue()
    return out.getvalue()


def check_fails(path):
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("check_restore", str(path), stdout=out)
    assert "Copie non conforme" in str(error.value)
    return out.getvalue()


# The commands ---------------------------------------------------------------------------------


def test_manifest_then_check_passes(attestation, tmp_path):
    path = write_manifest(tmp_path)
    manifest = json.loads(path.read_text())
    counts = manifest["counts"]
    assert {label.split(".")[0] for label in counts} == set(PROJECT_APPS)
    assert counts["certificates.Attestation"] == 1
    assert counts["accounts.User"] == User.objects.count()
    assert counts["accounts.Commune"] > 30000  # reference data loaded by a migration
    assert "accounts.User_groups" in counts  # many-to-many tables are counted too
    assert manifest["attestations"] == {
        attestation.serial: {"sha256": attestation.sha256, "pdf": attestation.pdf.name}
    }
    leaves = dict(MigrationLoader(connection).graph.leaf_nodes())
    for app_label in PROJECT_APPS:
        assert manifest["migrations"][app_label] == leaves[app_label]
    output = check_passes(path)
    assert "Attestations : 1 PDF relu(s)" in output


def test_a_changed_missing_or_rerecorded_pdf_fails_naming_its_serial(attestation, tmp_path):
    path = write_manifest(tmp_path)
    pdf = Path(attestation.pdf.path)
    original = pdf.read_bytes()

    tampered = bytearray(original)
    tampered[2000] ^= 0x01
    pdf.write_bytes(bytes(tampered))
    output = check_fails(path)
    assert f"Attestation {attestation.serial} : le PDF" in output
    assert "ne correspond pas à son empreinte" in output

    pdf.unlink()
    assert f"Attestation {attestation.serial} : PDF absent" in check_fails(path)

    pdf.write_bytes(original)
    check_passes(path)
    Attestation.objects.filter(pk=attestation.pk).update(sha256="0" * 64)
    output = check_fails(path)
    assert f"Attestation {attestation.serial} : empreinte en base 000000000000…" in output


def test_a_deleted_or_added_row_fails_naming_its_model(db, tmp_path):
    membership = factories.MembershipFactory()
    path = write_manifest(tmp_path)
    check_passes(path)

    membership.delete()
    output = check_fails(path)
    assert "accounts.Membership : 0 ligne(s) au lieu de 1 dans la sauvegarde." in output

    factories.MembershipFactory()
    factories.UserFactory()
    output = check_fails(path)
    assert "accounts.Membership" not in output  # one deleted, one added: the count is back
    assert "accounts.User : " in output


def test_a_manifest_of_another_code_version_fails(db, tmp_path):
    path = write_manifest(tmp_path)
    manifest = json.loads(path.read_text())
    manifest["migrations"]["certificates"] = "9999_from_the_future"
    manifest["counts"]["certificates.Retired"] = 3
    path.write_text(json.dumps(manifest))
    output = check_fails(path)
    assert "Migrations de certificates : " in output and "au lieu de 9999_from_the_future" in output
    assert "certificates.Retired : modèle de la sauvegarde inconnu de ce code." in output


def test_other_files_must_be_there_unless_already_missing_at_backup(db, tmp_path):
    issuer = make_issuer()
    issuer.logo.save("logo.png", ContentFile(b"\x89PNG logo"))
    export = PersonalDataExport.objects.create(user=factories.UserFactory())
    export.archive.save("donnees.zip", ContentFile(b"PK archive"))
    Path(export.archive.path).unlink()  # purged by hand before the backup: not the restore's fault
    path = write_manifest(tmp_path)
    files = json.loads(path.read_text())["files"]
    assert files["privacy.PersonalDataExport.archive"] == {
        "referenced": 1,
        "missing": [export.archive.name],
    }
    assert files["certificates.Issuer.logo"] == {"referenced": 1, "missing": []}
    check_passes(path)

    Path(issuer.logo.path).unlink()
    output = check_fails(path)
    assert f"certificates.Issuer n° {issuer.pk} : fichier « logo » absent" in output


def test_check_restore_only_reads(attestation, tmp_path):
    path = write_manifest(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in Path(django_settings.MEDIA_ROOT).rglob("*")}
    with CaptureQueriesContext(connection) as queries:
        check_passes(path)
    writes = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "TRUNCATE", "REPLACE")
    statements = [query["sql"].lstrip().upper() for query in queries.captured_queries]
    assert not [sql_text for sql_text in statements if sql_text.startswith(writes)]
    assert {p: p.stat().st_mtime_ns for p in Path(django_settings.MEDIA_ROOT).rglob("*")} == before
    # The transaction it reads in refuses writes, and writing works again after it.
    with pytest.raises(DatabaseError), read_only_snapshot(connection):
        factories.UserFactory()
    factories.UserFactory()


def test_the_dump_needs_postgresql_outside_a_transaction(db, tmp_path):
    with pytest.raises(CommandError) as error:
        call_command(
            "backup_manifest",
            output=str(tmp_path / "manifest.json"),
            dump=str(tmp_path / "database.dump"),
            stdout=StringIO(),
        )
    expected = "transaction ouverte" if ON_POSTGRES else "demande PostgreSQL"
    assert expected in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_manifest_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("check_restore", str(tmp_path / "nope.json"), stdout=StringIO())
    (tmp_path / "other.json").write_text('{"format": 99}')
    with pytest.raises(CommandError, match="pas un manifeste"):
        call_command("check_restore", str(tmp_path / "other.json"), stdout=StringIO())


# The scripts ----------------------------------------------------------------------------------


def run_script(args, env):
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.parametrize("script", ["backup.sh", "restore.sh"])
@pytest.mark.parametrize("url", ["", "sqlite:///var/socle.sqlite3"])
def test_the_scripts_refuse_sqlite(script, url, tmp_path):
    env = {**os.environ, "DATABASE_URL": url}
    args = [str(ROOT / "scripts" / script), str(tmp_path)]
    result = run_script(args, env)
    assert result.returncode == 1
    assert "PostgreSQL seulement" in result.stderr or "que PostgreSQL" in result.stderr
    assert list(tmp_path.iterdir()) == []


def postgres_url(name):
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{name}"


@contextlib.contextmanager
def scratch_database(name):
    """An empty database of its own, dropped afterwards (never the test database)."""
    assert name != connection.settings_dict["NAME"]
    db = connection.settings_dict
    params = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    identifier = sql.Identifier(name)
    with psycopg.connect(**params) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
    try:
        yield
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))


@pytest.mark.skipif(
    not ON_POSTGRES, reason="pg_dump et pg_restore : seulement avec DATABASE_URL=postgres://…"
)
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_scratch_database(tmp_path):
    attestation = issue_one_attestation()
    pdf_bytes = attestation.pdf.read()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        # pg_dump reads the committed rows of the test database; nothing writes to it.
        "DATABASE_URL": postgres_url(connection.settings_dict["NAME"]),
    }
    backups = tmp_path / "backups"
    for older in ("socle-20000101T000000Z", "socle-20010101T000000Z"):
        (backups / older).mkdir(parents=True)

    result = run_script(["scripts/backup.sh", "--keep", "2", str(backups)], env)
    assert result.returncode == 0, result.stderr
    archive = Path(result.stdout.strip().splitlines()[-1])
    assert archive.parent == backups and archive.name.startswith("socle-")
    assert sorted(p.name for p in backups.iterdir()) == ["socle-20010101T000000Z", archive.name]
    assert {p.name for p in archive.iterdir()} == {
        "database.dump",
        "manifest.json",
        "media.tar.gz",
        "SHA256SUMS",
    }
    manifest = json.loads((archive / "manifest.json").read_text())
    assert manifest["attestations"][attestation.serial]["sha256"] == attestation.sha256
    assert manifest["counts"]["accounts.Commune"] > 30000

    scratch = f"socle_restore_test_{os.getpid()}"
    media = tmp_path / "restored-media"
    target = {**env, "DATABASE_URL": postgres_url(scratch), "MEDIA_ROOT": str(media)}
    with scratch_database(scratch):
        result = run_script(["scripts/restore.sh", str(archive)], target)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Copie conforme" in result.stdout
        assert (media / attestation.pdf.name).read_bytes() == pdf_bytes

        result = run_script(["scripts/restore.sh", str(archive)], target)
        assert result.returncode == 1
        assert "contient déjà" in result.stderr and "--force" in result.stderr

        (media / attestation.pdf.name).write_bytes(b"damaged")
        result = run_script(["scripts/restore.sh", "--force", str(archive)], target)
        assert result.returncode == 0, result.stdout + result.stderr
        assert (media / attestation.pdf.name).read_bytes() == pdf_bytes

        (archive / "media.tar.gz").write_bytes(b"damaged")
        result = run_script(["scripts/restore.sh", "--force", str(archive)], target)
        assert result.returncode == 1
        assert "SHA256SUMS ne correspondent pas" in result.stderr
