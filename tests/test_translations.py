import subprocess
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale/en/LC_MESSAGES/django.po"


def _entries(*flags):
    result = subprocess.run(
        ["msgattrib", *flags, str(PO)], capture_output=True, text=True, check=True
    )
    # Entries are separated by blank lines; the header entry (Project-Id-Version) is not one.
    blocks = [block for block in result.stdout.split("\n\n") if "msgid" in block]
    return [block for block in blocks if "Project-Id-Version" not in block]


def test_every_interface_string_has_an_english_translation():
    assert _entries("--untranslated") == []
    assert _entries("--only-fuzzy") == []


def test_english_catalogue_compiles_cleanly():
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
