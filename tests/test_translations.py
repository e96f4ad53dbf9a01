"""The English catalogue is complete: for the committed file, and for the strings the code holds
today (makemessages run on a copy of the project, so a new French string without its English
translation fails here, not in front of an English-speaking user)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = Path("locale/en/LC_MESSAGES/django.po")
SKIP = shutil.ignore_patterns(
    ".venv", "var", ".git", "tests", "__pycache__", "*.mo", "node_modules"
)


def _missing(po_path):
    """Entries that are untranslated or fuzzy (the header entry excluded)."""
    missing = []
    for flag in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(
            ["msgattrib", flag, "--no-obsolete", str(po_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        blocks = [block for block in result.stdout.split("\n\n") if "msgid" in block]
        missing += [block for block in blocks if "Project-Id-Version" not in block]
    return missing


def test_committed_catalogue_is_complete_and_compiles():
    assert _missing(ROOT / PO) == []
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(ROOT / PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    copy = tmp_path / "socle"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
        cwd=copy,
        check=True,
        capture_output=True,
        text=True,
    )
    missing = _missing(copy / PO)
    assert not missing, "Strings without an English translation (run `make messages`):\n\n" + (
        "\n\n".join(missing[:20])
    )
