"""Referentials and the life of their versions: draft → published → retired.

A published (or retired) version is frozen. "New version" clones any version into a draft; the
clone gets new rows, so what was assessed or certified against the old rows never changes, with
the same lineages, so that evidence on the old rows still counts on the new ones.
"""

from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError

from ..models import (
    Referential,
    ReferentialVersion,
    VersionStatus,
)
from ._common import apply_fields, frozen_error, lock_editable_version
from .copying import bulk_content, content_as_dicts, copy_scale


@transaction.atomic
def referential_create(*, actor, code, title, description=""):
    referential = Referential(code=code, title=title, description=description)
    referential.full_clean()
    referential.save()
    log_action(actor=actor, action="referential.create", target=referential)
    return referential


@transaction.atomic
def referential_update(*, actor, referential, title, description=""):
    referential.title = title
    referential.description = description
    referential.full_clean()
    referential.save()
    log_action(actor=actor, action="referential.update", target=referential)
    return referential


@transaction.atomic
def referential_delete(*, actor, referential):
    """Only a referential without any version can be deleted."""
    if referential.versions.exists():
        raise DomainError(
            _("Ce référentiel a des versions : il ne peut pas être supprimé."), "in_use"
        )
    log_action(actor=actor, action="referential.delete", target=referential)
    referential.delete()


def _lock_referential(referential_id):
    """Changes to a referential's set of versions (a new number, which versions are in force)
    happen one at a time: the lock is always taken before any version's."""
    Referential.objects.select_for_update().filter(pk=referential_id).first()


def _next_number(referential):
    # Two drafts created at once must not get the same number.
    _lock_referential(referential.pk)
    top = referential.versions.aggregate(top=Max("number"))["top"] or 0
    return top + 1


VERSION_FIELDS = ("notes", "peer_assessment_needs_confirmation")


@transaction.atomic
def version_create(
    *, actor, referential, notes="", scale_from=None, peer_assessment_needs_confirmation=None
):
    """An empty draft. Its scale is copied from `scale_from`, else from the referential's latest
    version, else the default four levels; so is the peer-confirmation rule unless given (a new
    version continues the reference's rules until the hub changes them)."""
    number = _next_number(referential)
    latest = referential.versions.order_by("-number").first()
    if scale_from is None:
        scale_from = latest
    if peer_assessment_needs_confirmation is None:
        peer_assessment_needs_confirmation = (
            latest.peer_assessment_needs_confirmation if latest is not None else True
        )
    version = ReferentialVersion(
        referential=referential,
        number=number,
        notes=notes,
        peer_assessment_needs_confirmation=peer_assessment_needs_confirmation,
    )
    version.full_clean()
    version.save()
    copy_scale(scale_from, version)
    log_action(
        actor=actor,
        action="version.create",
        target=version,
        peer_assessment_needs_confirmation=peer_assessment_needs_confirmation,
    )
    return version


@transaction.atomic
def version_update(*, actor, version, **fields):
    """Change a draft's notes or its peer-confirmation rule (frozen with it once published)."""
    version = lock_editable_version(version)
    apply_fields(version, fields, VERSION_FIELDS)
    version.full_clean()
    version.save(update_fields=sorted(fields))
    log_action(
        actor=actor,
        action="version.update",
        target=version,
        fields=sorted(fields),
        peer_assessment_needs_confirmation=version.peer_assessment_needs_confirmation,
    )
    return version


@transaction.atomic
def version_clone(*, actor, version, notes="", peer_assessment_needs_confirmation=None):
    """A new draft holding a copy of `version`'s scale and content (new rows, same codes, same
    lineages) and, unless given, its peer-confirmation rule."""
    referential = version.referential
    number = _next_number(referential)
    if peer_assessment_needs_confirmation is None:
        peer_assessment_needs_confirmation = version.peer_assessment_needs_confirmation
    draft = ReferentialVersion(
        referential=referential,
        number=number,
        cloned_from=version,
        notes=notes or _("Créée à partir de la version %(number)s.") % {"number": version.number},
        peer_assessment_needs_confirmation=peer_assessment_needs_confirmation,
    )
    draft.full_clean()
    draft.save()
    copy_scale(version, draft)
    counts = bulk_content(draft, content_as_dicts(version, lineages=True))
    log_action(
        actor=actor,
        action="version.clone",
        target=draft,
        source=version.pk,
        counts=counts,
        peer_assessment_needs_confirmation=peer_assessment_needs_confirmation,
    )
    return draft


@transaction.atomic
def version_import(
    *, actor, code, title="", blocs, notes="", peer_assessment_needs_confirmation=None
):
    """A new draft of referential `code` (created, titled `title`, when new) holding `blocs`
    (validated plain dicts, see competences.importing). Blocs and competences continue the
    lineages of those with the same codes in the previous version."""
    referential = Referential.objects.filter(code=code).first()
    if referential is None:
        if not title:
            raise DomainError(
                _("Le référentiel « %(code)s » n'existe pas encore : indiquez son intitulé.")
                % {"code": code},
                "title_required",
                field="title",
            )
        referential = referential_create(actor=actor, code=code, title=title)
    version = version_create(
        actor=actor,
        referential=referential,
        notes=notes,
        peer_assessment_needs_confirmation=peer_assessment_needs_confirmation,
    )
    counts = bulk_content(version, blocs)
    log_action(actor=actor, action="version.import", target=version, counts=counts)
    return version


def publication_problems(version):
    """Why a draft cannot be published yet (an empty list when it can)."""
    problems = []
    blocs = list(version.blocs.prefetch_related("competences__criteria"))
    if not blocs:
        problems.append(_("la version ne contient aucun bloc"))
    for bloc in blocs:
        competences = list(bloc.competences.all())
        if not competences:
            problems.append(_("le bloc %(code)s n'a aucune compétence") % {"code": bloc.code})
        for competence in competences:
            if not competence.criteria.all():
                problems.append(
                    _("la compétence %(code)s n'a aucun critère d'évaluation")
                    % {"code": competence.code}
                )
    levels = list(version.levels.all())
    if not levels:
        problems.append(_("l'échelle de maîtrise est vide"))
    elif sum(1 for level in levels if level.counts_as_acquired) != 1:
        problems.append(_("l'échelle doit avoir exactement un niveau « acquis »"))
    return problems


@transaction.atomic
def version_publish(*, actor, version, retire_previous=False):
    """Publish a complete draft. Earlier published versions stay published (sessions and
    pathways may still use them) unless `retire_previous` is set."""
    # Serialized per referential: a publication made (or a version retired) by someone else at
    # the same instant is seen, once committed, by the "retire the previous ones" below.
    _lock_referential(version.referential_id)
    version = lock_editable_version(version)
    problems = publication_problems(version)
    if problems:
        raise DomainError(
            _("Cette version ne peut pas être publiée : %(problems)s.")
            % {"problems": " ; ".join(str(p) for p in problems)},
            "version_incomplete",
            params={"problems": problems},
        )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.full_clean()
    version.save(update_fields=["status", "published_at"])
    log_action(actor=actor, action="version.publish", target=version)
    if retire_previous:
        others = ReferentialVersion.objects.filter(
            referential_id=version.referential_id, status=VersionStatus.PUBLISHED
        ).exclude(pk=version.pk)
        for other in others:
            version_retire(actor=actor, version=other)
    return version


@transaction.atomic
def version_retire(*, actor, version):
    """A retired version stays readable (and frozen); its pathways close to new enrollments."""
    _lock_referential(version.referential_id)
    version = ReferentialVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.PUBLISHED:
        raise DomainError(
            _("Seule une version publiée peut être retirée."), "version_not_published"
        )
    version.status = VersionStatus.RETIRED
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_at"])
    version.pathways.filter(is_active=True).update(is_active=False)
    log_action(actor=actor, action="version.retire", target=version)
    return version


@transaction.atomic
def version_delete(*, actor, version):
    """Only a draft can be deleted: published content is evidence for assessments."""
    version = ReferentialVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_frozen:
        raise frozen_error()
    log_action(actor=actor, action="version.delete", target=version)
    try:
        version.delete()
    except ProtectedError as error:
        raise DomainError(
            _("Cette version est utilisée (sessions, parcours…) : elle ne peut être supprimée."),
            "in_use",
        ) from error
