"""`manage.py referential import|export`."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from competences.models import Referential, VersionStatus
from competences.services import version_clone

from .conftest import counts, make_csv, row


def _call(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("referential", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_creates_a_draft_and_prints_its_number(db, tmp_path):
    path = tmp_path / "ref.csv"
    path.write_bytes(make_csv([row(), row(criterion="B1.C1.2")], encoding="cp1252"))
    out, err = _call("import", str(path), "--code", "aidants", "--title", "Aidants numériques")
    assert out.strip() == "1"
    assert "créée en brouillon" in err
    version = Referential.objects.get(code="aidants").versions.get()
    assert version.status == VersionStatus.DRAFT and version.criteria.count() == 2
    out, _err = _call("import", str(path), "--code", "aidants")
    assert out.strip() == "2"


def test_import_refusal_lists_every_issue_and_fails(db, tmp_path):
    path = tmp_path / "ref.csv"
    path.write_bytes(make_csv([row(), row(criterion="B1.C1.1"), row(bloc_title="")]))
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("referential", "import", str(path), "--code", "x", "--title", "X", stderr=err)
    assert "rien n'a été enregistré" in str(error.value)
    assert "Ligne 3 : code de critère « B1.C1.1 » en double (voir ligne 2)." in err.getvalue()
    assert "Ligne 4 : l'intitulé du bloc est vide." in err.getvalue()
    assert counts() == before


def test_import_format_from_the_option_or_the_extension(db, tmp_path):
    path = tmp_path / "ref.data"
    path.write_bytes(make_csv([row()]))
    with pytest.raises(CommandError, match="Format non reconnu"):
        _call("import", str(path), "--code", "x", "--title", "X")
    out, _err = _call("import", str(path), "--code", "x", "--title", "X", "--format", "csv")
    assert out.strip() == "1"
    with pytest.raises(CommandError, match="introuvable"):
        _call("import", str(tmp_path / "absent.csv"), "--code", "x")


def test_export_defaults_to_the_latest_published_version(hub, published, tmp_path):
    version_clone(actor=hub, version=published)  # a newer draft: not the default
    out, _err = _call("export", published.referential.code, "--format", "json")
    records = json.loads(out)
    assert len(records) == 12
    target = tmp_path / "export.xlsx"
    number = str(published.number + 1)
    _call("export", published.referential.code, "--version", number, "-o", str(target))
    assert target.read_bytes()[:2] == b"PK"  # an XLSX (zip) file, format from the extension


def test_export_then_import_on_the_command_line(hub, published, tmp_path):
    target = tmp_path / "ref.csv"
    _call("export", published.referential.code, "-o", str(target))
    out, _err = _call("import", str(target), "--code", published.referential.code)
    new = published.referential.versions.get(number=int(out))
    assert new.criteria.count() == published.criteria.count()


def test_export_errors(published):
    with pytest.raises(CommandError, match="Référentiel inconnu"):
        _call("export", "inconnu")
    with pytest.raises(CommandError, match="Version inconnue"):
        _call("export", published.referential.code, "--version", "99")
    with pytest.raises(CommandError, match="binaire"):
        _call("export", published.referential.code, "--format", "xlsx")


def test_refusal_exits_non_zero_in_a_real_process(tmp_path):
    path = tmp_path / "ref.csv"
    path.write_bytes(b"bloc_code;foo\r\nB1;x\r\n")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "referential",
            "import",
            str(path),
            "--code",
            "x",
            "--title",
            "X",
        ],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1
    assert "colonnes obligatoires manquantes" in result.stderr
