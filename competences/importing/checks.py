"""File-level checks: the columns of the table and the referential it goes to."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .issues import ALL_COLUMNS, COLUMNS, ImportIssue


def column_label(column):
    return {
        "bloc_code": _("code du bloc"),
        "bloc_title": _("intitulé du bloc"),
        "bloc_description": _("description du bloc"),
        "bloc_evaluation_modalities": _("modalités d'évaluation du bloc"),
        "bloc_order": _("ordre du bloc"),
        "competence_code": _("code de la compétence"),
        "competence_title": _("intitulé de la compétence"),
        "competence_description": _("description de la compétence"),
        "competence_order": _("ordre de la compétence"),
        "criterion_code": _("code du critère"),
        "criterion_text": _("texte du critère"),
        "criterion_order": _("ordre du critère"),
    }[column]


def check_headers(table):
    header_line = table.header_line
    issues = []
    seen = set()
    duplicates = []
    for header in table.headers:
        if header in seen and header not in duplicates:
            duplicates.append(header)
        seen.add(header)
    missing = [column for column in COLUMNS if column not in seen]
    unknown = [header for header in table.headers if header and header not in ALL_COLUMNS]
    if missing:
        issues.append(
            ImportIssue(
                header_line,
                _("colonnes obligatoires manquantes : %(cols)s.") % {"cols": ", ".join(missing)},
                table.unit,
            )
        )
    if unknown:
        issues.append(
            ImportIssue(
                header_line,
                _("colonnes inconnues : %(cols)s (colonnes acceptées : %(known)s).")
                % {"cols": ", ".join(unknown), "known": ", ".join(ALL_COLUMNS)},
                table.unit,
            )
        )
    if duplicates:
        issues.append(
            ImportIssue(
                header_line,
                _("colonnes en double : %(cols)s.") % {"cols": ", ".join(duplicates)},
                table.unit,
            )
        )
    return issues


def check_target(code, title):
    """The referential the file goes to: an existing one, or a new one with a title."""
    from django.core.validators import validate_slug

    from ..models import Referential

    issues = []
    if not code:
        issues.append(ImportIssue(None, _("Indiquez le code du référentiel.")))
        return issues
    try:
        validate_slug(code)
    except ValidationError:
        issues.append(
            ImportIssue(
                None,
                _(
                    "Le code du référentiel « %(code)s » n'est pas valide : lettres minuscules, "
                    "chiffres et tirets, sans espace."
                )
                % {"code": code},
            )
        )
        return issues
    max_code = Referential._meta.get_field("code").max_length
    max_title = Referential._meta.get_field("title").max_length
    if len(code) > max_code:
        issues.append(
            ImportIssue(
                None, _("Le code du référentiel dépasse %(max)s caractères.") % {"max": max_code}
            )
        )
    if len(title) > max_title:
        issues.append(
            ImportIssue(
                None,
                _("L'intitulé du référentiel dépasse %(max)s caractères.") % {"max": max_title},
            )
        )
    if not title and not Referential.objects.filter(code=code).exists():
        issues.append(
            ImportIssue(
                None,
                _("Le référentiel « %(code)s » n'existe pas encore : indiquez son intitulé.")
                % {"code": code},
            )
        )
    return issues
