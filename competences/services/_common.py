"""Helpers shared by the competences services: the freeze rule and code checks."""

import re

from django.utils.translation import gettext as _

from core.exceptions import DomainError

from ..models import Bloc, Competence, Criterion, ReferentialVersion

# Codes are used as HTML anchors (id="B2.C3") and in file names: no spaces, no punctuation
# beyond dots, dashes and underscores.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def frozen_error():
    return DomainError(
        _(
            "Cette version du référentiel est publiée ou retirée : elle ne peut plus être "
            "modifiée. Créez une nouvelle version (« Nouvelle version ») pour faire évoluer "
            "le référentiel."
        ),
        "version_frozen",
    )


def lock_editable_version(version_or_id):
    """Re-read the version under a row lock and refuse when it is not a draft.

    The status is read from the database, not from the caller's possibly stale instance, so a
    version published a moment ago cannot be edited through an old object.
    """
    pk = getattr(version_or_id, "pk", version_or_id)
    version = ReferentialVersion.objects.select_for_update().get(pk=pk)
    if version.is_frozen:
        raise frozen_error()
    return version


def code_owner(version_id, code, *, exclude=None):
    """The kind of item ('bloc', 'competence', 'criterion') holding `code` in the version."""
    for kind, model in (("bloc", Bloc), ("competence", Competence), ("criterion", Criterion)):
        queryset = model.objects.filter(version_id=version_id, code=code)
        if exclude is not None and isinstance(exclude, model):
            queryset = queryset.exclude(pk=exclude.pk)
        if queryset.exists():
            return kind
    return None


KIND_LABELS = {
    "bloc": lambda: _("un bloc"),
    "competence": lambda: _("une compétence"),
    "criterion": lambda: _("un critère"),
}


def check_code(version_id, code, *, exclude=None):
    """Codes are unique within a version across blocs, competences and criteria, because they
    are the anchors of the browse page."""
    if not code or not CODE_RE.match(code):
        raise DomainError(
            _(
                "Le code « %(code)s » n'est pas valide : lettres, chiffres, points, tirets ou "
                "soulignés, sans espace."
            )
            % {"code": code},
            "code_invalid",
            field="code",
        )
    owner = code_owner(version_id, code, exclude=exclude)
    if owner:
        raise DomainError(
            _("Le code « %(code)s » est déjà utilisé par %(kind)s de cette version.")
            % {"code": code, "kind": KIND_LABELS[owner]()},
            "code_taken",
            field="code",
        )


def apply_fields(obj, fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unexpected fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(obj, name, value)
