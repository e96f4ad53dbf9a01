"""Editing a draft version: blocs, competences, criteria and the proficiency scale.

Every function re-reads the version under a lock and refuses when it is published or retired.
"""

from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError

from ..models import Bloc, Competence, Criterion, ProficiencyLevel
from ..models.reference import new_lineage
from ._common import apply_fields, check_code, lock_editable_version
from .lineage import LineageAllocator, lineage_source

BLOC_FIELDS = ("code", "title", "description", "evaluation_modalities", "order", "national_code")
COMPETENCE_FIELDS = ("code", "title", "description", "order", "bloc")
CRITERION_FIELDS = ("code", "text", "order", "competence")
LEVEL_FIELDS = ("rank", "label", "description", "counts_as_acquired")


def _next_order(queryset):
    return (queryset.aggregate(top=Max("order"))["top"] or 0) + 1


def _in_use_error():
    return DomainError(
        _(
            "Cet élément est utilisé ailleurs (sessions, habilitations…) : "
            "il ne peut être supprimé."
        ),
        "in_use",
    )


def _delete(obj):
    try:
        obj.delete()
    except ProtectedError as error:
        raise _in_use_error() from error


def _inherited_lineage(model, version, code):
    """A new row continues the lineage of its code in the version's lineage source, unless a
    row of the version (renamed meanwhile) already carries it."""
    return LineageAllocator(model, version, lineage_source(version)).for_code(code)


@transaction.atomic
def bloc_create(
    *,
    actor,
    version,
    code,
    title,
    description="",
    evaluation_modalities="",
    order=None,
    national_code="",
):
    version = lock_editable_version(version)
    check_code(version.pk, code)
    if order is None:
        order = _next_order(version.blocs.all())
    bloc = Bloc(
        version=version,
        code=code,
        title=title,
        description=description,
        evaluation_modalities=evaluation_modalities,
        order=order,
        national_code=national_code,
        lineage=_inherited_lineage(Bloc, version, code),
    )
    bloc.full_clean()
    bloc.save()
    log_action(actor=actor, action="bloc.create", target=bloc, version=version.pk)
    return bloc


@transaction.atomic
def bloc_update(*, actor, bloc, **fields):
    lock_editable_version(bloc.version_id)
    apply_fields(bloc, fields, BLOC_FIELDS)
    if "code" in fields:
        check_code(bloc.version_id, bloc.code, exclude=bloc)
    bloc.full_clean()
    bloc.save()
    log_action(actor=actor, action="bloc.update", target=bloc, fields=sorted(fields))
    return bloc


@transaction.atomic
def bloc_delete(*, actor, bloc):
    lock_editable_version(bloc.version_id)
    log_action(actor=actor, action="bloc.delete", target=bloc)
    _delete(bloc)


def _check_bloc_in_version(bloc, version_id):
    if bloc.version_id != version_id:
        raise DomainError(
            _("Le bloc choisi appartient à une autre version du référentiel."),
            "bloc_other_version",
            field="bloc",
        )


@transaction.atomic
def competence_create(*, actor, bloc, code, title, description="", order=None):
    version = lock_editable_version(bloc.version_id)
    check_code(version.pk, code)
    if order is None:
        order = _next_order(bloc.competences.all())
    competence = Competence(
        version=version,
        bloc=bloc,
        code=code,
        title=title,
        description=description,
        order=order,
        lineage=_inherited_lineage(Competence, version, code),
    )
    competence.full_clean()
    competence.save()
    log_action(actor=actor, action="competence.create", target=competence)
    return competence


def _substantially_changed_lineage(competence, version, stored):
    """The lineage that goes with the competence's flag: marked, a lineage of its own, so that
    earlier evidence stops counting for it; unmarked, the lineage of its code in the lineage
    source again (when no other row of the version took it meanwhile), else the one it has."""
    if competence.substantially_changed == stored.substantially_changed:
        return stored.lineage
    if competence.substantially_changed:
        return new_lineage()
    allocator = LineageAllocator(Competence, version, lineage_source(version))
    allocator.used.discard(stored.lineage)  # the competence's own lineage is not taken
    return allocator.inherited_for(competence.code) or stored.lineage


@transaction.atomic
def competence_update(*, actor, competence, substantially_changed=None, **fields):
    """Change a draft's competence. `substantially_changed` (True or False) marks or unmarks it
    as substantially changed, which changes the lineage its evidence is kept by."""
    version = lock_editable_version(competence.version_id)
    # The lineage and the flag are read from the database, never from the caller's object (an
    # admin form has already set the flag; a stale object would bring an old lineage back).
    stored = Competence.objects.get(pk=competence.pk)
    apply_fields(competence, fields, COMPETENCE_FIELDS)
    _check_bloc_in_version(competence.bloc, competence.version_id)
    if "code" in fields:
        check_code(competence.version_id, competence.code, exclude=competence)
    data = {"fields": sorted(fields)}
    if substantially_changed is None:
        competence.substantially_changed = stored.substantially_changed
    else:
        if substantially_changed and lineage_source(version) is None:
            raise DomainError(
                _(
                    "Cette version n'a pas de version précédente : aucune évaluation antérieure "
                    "ne compte pour ses compétences, rien ne peut donc être marqué comme "
                    "modifié en profondeur."
                ),
                "no_lineage_source",
                field="substantially_changed",
            )
        competence.substantially_changed = bool(substantially_changed)
        data["fields"] = sorted([*fields, "substantially_changed"])
    competence.lineage = _substantially_changed_lineage(competence, version, stored)
    if competence.lineage != stored.lineage:
        data.update(lineage=str(competence.lineage), previous_lineage=str(stored.lineage))
    competence.full_clean()
    competence.save()
    log_action(actor=actor, action="competence.update", target=competence, **data)
    return competence


@transaction.atomic
def competence_delete(*, actor, competence):
    lock_editable_version(competence.version_id)
    log_action(actor=actor, action="competence.delete", target=competence)
    _delete(competence)


def _check_competence_in_version(competence, version_id):
    if competence.version_id != version_id:
        raise DomainError(
            _("La compétence choisie appartient à une autre version du référentiel."),
            "competence_other_version",
            field="competence",
        )


@transaction.atomic
def criterion_create(*, actor, competence, code, text, order=None):
    version = lock_editable_version(competence.version_id)
    check_code(version.pk, code)
    if order is None:
        order = _next_order(competence.criteria.all())
    criterion = Criterion(version=version, competence=competence, code=code, text=text, order=order)
    criterion.full_clean()
    criterion.save()
    log_action(actor=actor, action="criterion.create", target=criterion)
    return criterion


@transaction.atomic
def criterion_update(*, actor, criterion, **fields):
    lock_editable_version(criterion.version_id)
    apply_fields(criterion, fields, CRITERION_FIELDS)
    _check_competence_in_version(criterion.competence, criterion.version_id)
    if "code" in fields:
        check_code(criterion.version_id, criterion.code, exclude=criterion)
    criterion.full_clean()
    criterion.save()
    log_action(actor=actor, action="criterion.update", target=criterion, fields=sorted(fields))
    return criterion


@transaction.atomic
def criterion_delete(*, actor, criterion):
    lock_editable_version(criterion.version_id)
    log_action(actor=actor, action="criterion.delete", target=criterion)
    _delete(criterion)


def _demote_other_thresholds(level):
    # One acquired threshold per scale (a DB constraint): moving it demotes the previous one.
    ProficiencyLevel.objects.filter(version_id=level.version_id, counts_as_acquired=True).exclude(
        pk=level.pk
    ).update(counts_as_acquired=False)


@transaction.atomic
def level_create(*, actor, version, rank, label, description="", counts_as_acquired=False):
    version = lock_editable_version(version)
    level = ProficiencyLevel(
        version=version,
        rank=rank,
        label=label,
        description=description,
        counts_as_acquired=counts_as_acquired,
    )
    level.full_clean(validate_constraints=False)
    if counts_as_acquired:
        _demote_other_thresholds(level)
    level.full_clean()
    level.save()
    log_action(actor=actor, action="level.create", target=level, version=version.pk)
    return level


@transaction.atomic
def level_update(*, actor, level, **fields):
    lock_editable_version(level.version_id)
    apply_fields(level, fields, LEVEL_FIELDS)
    level.full_clean(validate_constraints=False)
    if level.counts_as_acquired:
        _demote_other_thresholds(level)
    level.full_clean()
    level.save()
    log_action(actor=actor, action="level.update", target=level, fields=sorted(fields))
    return level


@transaction.atomic
def level_delete(*, actor, level):
    lock_editable_version(level.version_id)
    log_action(actor=actor, action="level.delete", target=level)
    _delete(level)
