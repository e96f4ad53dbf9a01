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


def _plural_msgids(po_path, tmp_path):
    """The (singular, plural) msgid pairs of a catalogue, and its compiled translations."""
    import gettext

    mo = tmp_path / (po_path.parent.parent.name + ".mo")
    subprocess.run(["msgfmt", "-o", str(mo), str(po_path)], check=True)
    with open(mo, "rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    return catalogue


def test_the_french_catalogue_gives_french_plurals(tmp_path):
    """Socle's strings are French in the code; for « 0 session trouvée » (French puts 0 in the
    singular), each plural string must be in the French catalogue, or gettext falls back to the
    English rule. `make messages` writes it."""
    english = _plural_msgids(ROOT / PO, tmp_path)
    french = _plural_msgids(ROOT / "locale/fr/LC_MESSAGES/django.po", tmp_path)
    plurals = {key[0] for key in english._catalog if isinstance(key, tuple)}
    missing = [msgid for msgid in plurals if (msgid, 0) not in french._catalog]
    assert not missing, "Plural strings missing from the French catalogue:\n" + "\n".join(
        sorted(missing)[:20]
    )
    for msgid in plurals:
        # Identity: the French catalogue only carries the plural rule.
        assert french._catalog[(msgid, 0)] == msgid


def test_zero_is_singular_in_french_and_plural_in_english():
    from django.template import Context, Template
    from django.utils import translation

    template = Template(
        "{% load i18n %}{% blocktranslate count n=n %}{{ n }} session trouvée{% plural %}"
        "{{ n }} sessions trouvées{% endblocktranslate %}"
    )
    with translation.override("fr"):
        assert template.render(Context({"n": 0})) == "0 session trouvée"
        assert template.render(Context({"n": 2})) == "2 sessions trouvées"
    with translation.override("en"):
        assert template.render(Context({"n": 0})) == "0 sessions found"


def test_buttons_of_the_account_pages_say_what_they_do():
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("fr"):
        assert gettext("Sign Up") == "Créer mon compte"
        assert gettext("Sign In") == "Me connecter"
