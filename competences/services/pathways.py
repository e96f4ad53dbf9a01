"""Certifying pathways on a published version: their blocs and per-competence requirements."""

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError

from ..models import (
    Pathway,
    PathwayBloc,
    PathwayRequirement,
    ReferentialVersion,
    VersionStatus,
)
from ._common import apply_fields
from .rule_sets import pathway_rule_set

PATHWAY_FIELDS = (
    "code",
    "title",
    "description",
    "audience",
    "min_attended_hours",
    "validity_months",
    "national_code",
    "is_active",
)


def _lock_published_version(version_id):
    version = ReferentialVersion.objects.select_for_update().get(pk=version_id)
    if version.status != VersionStatus.PUBLISHED:
        raise DomainError(
            _("Un parcours certifiant ne peut être défini que sur une version publiée."),
            "version_not_published",
            field="version",
        )
    return version


def _check_blocs(version, blocs):
    foreign = [bloc.code for bloc in blocs if bloc.version_id != version.pk]
    if foreign:
        raise DomainError(
            _("Ces blocs n'appartiennent pas à la version du parcours : %(codes)s.")
            % {"codes": ", ".join(foreign)},
            "bloc_other_version",
            field="blocs",
        )
    if len({bloc.pk for bloc in blocs}) != len(blocs):
        raise DomainError(_("Un bloc est cité deux fois."), "bloc_duplicate", field="blocs")


def _set_blocs(pathway, blocs):
    PathwayBloc.objects.filter(pathway=pathway).delete()
    PathwayBloc.objects.bulk_create(
        [PathwayBloc(pathway=pathway, bloc=bloc, order=i) for i, bloc in enumerate(blocs, 1)]
    )
    # A requirement on a competence whose bloc left the pathway no longer means anything.
    PathwayRequirement.objects.filter(pathway=pathway).exclude(
        competence__bloc__in=[bloc.pk for bloc in blocs]
    ).delete()


@transaction.atomic
def pathway_create(*, actor, version, code, title, audience, blocs=(), **fields):
    version = _lock_published_version(version.pk)
    blocs = list(blocs)
    _check_blocs(version, blocs)
    pathway = Pathway(version=version, code=code, title=title, audience=audience)
    apply_fields(pathway, fields, PATHWAY_FIELDS)
    pathway.full_clean()
    pathway.save()
    _set_blocs(pathway, blocs)
    pathway_rule_set(pathway)
    log_action(actor=actor, action="pathway.create", target=pathway, blocs=[b.code for b in blocs])
    return pathway


@transaction.atomic
def pathway_update(*, actor, pathway, blocs=None, **fields):
    version = _lock_published_version(pathway.version_id)
    apply_fields(pathway, fields, PATHWAY_FIELDS)
    pathway.full_clean()
    pathway.save()
    data = {"fields": sorted(fields)}
    if blocs is not None:
        blocs = list(blocs)
        _check_blocs(version, blocs)
        _set_blocs(pathway, blocs)
        data["blocs"] = [b.code for b in blocs]
    data["rule_set"] = pathway_rule_set(pathway).number
    log_action(actor=actor, action="pathway.update", target=pathway, **data)
    return pathway


@transaction.atomic
def pathway_delete(*, actor, pathway):
    _lock_published_version(pathway.version_id)
    log_action(actor=actor, action="pathway.delete", target=pathway)
    try:
        # Rule sets go with their pathway unless an enrolment or a decision applies one.
        pathway.rule_sets.all().delete()
        pathway.delete()
    except ProtectedError as error:
        raise DomainError(
            _("Ce parcours est utilisé (inscriptions, certifications) : fermez-le plutôt."),
            "in_use",
        ) from error


@transaction.atomic
def pathway_requirement_set(*, actor, pathway, competence, level):
    """Require `level` for `competence` in the pathway (instead of the "acquired" threshold)."""
    _lock_published_version(pathway.version_id)
    if not pathway.pathway_blocs.filter(bloc_id=competence.bloc_id).exists():
        raise DomainError(
            _("La compétence %(code)s ne fait pas partie des blocs du parcours.")
            % {"code": competence.code},
            "competence_not_in_pathway",
            field="competence",
        )
    if level.version_id != pathway.version_id:
        raise DomainError(
            _("Ce niveau n'appartient pas à l'échelle de la version du parcours."),
            "level_other_version",
            field="required_level",
        )
    requirement, created = PathwayRequirement.objects.update_or_create(
        pathway=pathway, competence=competence, defaults={"required_level": level}
    )
    log_action(
        actor=actor,
        action="pathway.requirement_set",
        target=pathway,
        competence=competence.code,
        rank=level.rank,
        rule_set=pathway_rule_set(pathway).number,
    )
    return requirement


@transaction.atomic
def pathway_requirement_delete(*, actor, requirement):
    _lock_published_version(requirement.pathway.version_id)
    log_action(
        actor=actor,
        action="pathway.requirement_delete",
        target=requirement.pathway,
        competence=requirement.competence.code,
    )
    requirement.delete()
    pathway_rule_set(requirement.pathway)
