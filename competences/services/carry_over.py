"""Carrying the certifying pathways of a version over to the version that follows it.

A new version is published empty of pathways. The hub reviews what would be created (the plan)
and confirms: each pathway of the source version becomes a pathway of the same code on the new
version, its blocs and level requirements mapped like the comparison page maps them (lineage
first, then code). What cannot be mapped (a bloc or competence removed, a level rank gone) is
said in the plan and left out. A pathway whose code already exists on the new version is left
as it is, so confirming twice creates nothing twice.

Accreditations need no carrying: they match blocs by referential and code
(trainings.permissions), so one granted on bloc B2 of version 1 already covers bloc B2 of
version 2. Only a bloc whose code changed is not covered; the plan lists those so the hub can
grant them again.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError

from ..models import (
    Bloc,
    Competence,
    Pathway,
    PathwayBloc,
    PathwayRequirement,
    ProficiencyLevel,
    ReferentialVersion,
    VersionStatus,
)
from .lineage import lineage_source
from .rule_sets import pathway_rule_set


def match_rows(old_rows, new_rows):
    """{old pk: new row}: by lineage first (a renamed code is still the same row), then by code
    among the rows left (a competence marked substantially changed keeps its code only)."""
    by_lineage = {row.lineage: row for row in new_rows}
    matched, taken = {}, set()
    for row in old_rows:
        new = by_lineage.get(row.lineage)
        if new is not None:
            matched[row.pk] = new
            taken.add(new.pk)
    by_code = {row.code: row for row in new_rows if row.pk not in taken}
    for row in old_rows:
        if row.pk not in matched and row.code in by_code:
            matched[row.pk] = by_code.pop(row.code)
    return matched


@dataclass
class PathwayPlan:
    source: Pathway
    existing: Pathway = None  # the pathway of the same code already on the target
    blocs: list = field(default_factory=list)  # [(old bloc, new bloc)]
    lost_blocs: list = field(default_factory=list)  # [old bloc]
    requirements: list = field(default_factory=list)  # [(old competence, new competence, level)]
    lost_requirements: list = field(default_factory=list)  # [old competence code]

    @property
    def creatable(self):
        return self.existing is None and bool(self.blocs)

    @property
    def empty(self):
        """Not one of its blocs is left in the new version: nothing to create."""
        return self.existing is None and not self.blocs


@dataclass
class CarryOverPlan:
    source: ReferentialVersion
    target: ReferentialVersion
    pathways: list = field(default_factory=list)
    renamed_blocs: list = field(default_factory=list)  # [(old bloc, new bloc)]: code changed

    @property
    def to_create(self):
        return [plan for plan in self.pathways if plan.creatable]

    @property
    def already(self):
        return [plan for plan in self.pathways if plan.existing is not None]

    @property
    def impossible(self):
        return [plan for plan in self.pathways if plan.empty]

    @property
    def source_can_retire(self):
        return self.source.status == VersionStatus.PUBLISHED

    @property
    def needs_attention(self):
        """Something is left to do: pathways to take over, or the older version still published
        next to this one (once both are done, the version's page no longer asks)."""
        return bool(self.to_create or self.source_can_retire)


def carry_over_source(version):
    """The version whose pathways `version` may take over: its lineage source, when `version`
    is published and the source is not a draft. None otherwise."""
    if version.status != VersionStatus.PUBLISHED:
        return None
    source = lineage_source(version)
    if source is None or source.status == VersionStatus.DRAFT:
        return None
    return source


def carry_over_plan(target, source=None):
    """What confirming would do, read in a fixed number of queries whatever the number of
    pathways (ten)."""
    source = source or carry_over_source(target)
    if source is None:
        return None
    plan = CarryOverPlan(source=source, target=target)
    old_blocs = list(Bloc.objects.filter(version=source).order_by("order", "code"))
    new_blocs = list(Bloc.objects.filter(version=target).order_by("order", "code"))
    bloc_matches = match_rows(old_blocs, new_blocs)
    plan.renamed_blocs = [
        (old, bloc_matches[old.pk])
        for old in old_blocs
        if old.pk in bloc_matches and bloc_matches[old.pk].code != old.code
    ]
    competence_matches = match_rows(
        list(Competence.objects.filter(version=source)),
        list(Competence.objects.filter(version=target)),
    )
    levels = {level.rank: level for level in ProficiencyLevel.objects.filter(version=target)}
    existing = {pathway.code: pathway for pathway in Pathway.objects.filter(version=target)}
    pathways = Pathway.objects.filter(version=source).order_by("code")
    blocs_of, requirements_of = {}, {}
    for pathway_bloc in (
        PathwayBloc.objects.filter(pathway__version=source)
        .select_related("bloc")
        .order_by("order", "bloc__order")
    ):
        blocs_of.setdefault(pathway_bloc.pathway_id, []).append(pathway_bloc.bloc)
    for requirement in PathwayRequirement.objects.filter(pathway__version=source).select_related(
        "competence", "required_level"
    ):
        requirements_of.setdefault(requirement.pathway_id, []).append(requirement)
    for pathway in pathways:
        item = PathwayPlan(source=pathway, existing=existing.get(pathway.code))
        for bloc in blocs_of.get(pathway.pk, []):
            if bloc.pk in bloc_matches:
                item.blocs.append((bloc, bloc_matches[bloc.pk]))
            else:
                item.lost_blocs.append(bloc)
        kept_blocs = {new.pk for _old, new in item.blocs}
        for requirement in requirements_of.get(pathway.pk, []):
            competence = competence_matches.get(requirement.competence_id)
            level = levels.get(requirement.required_level.rank)
            if competence is None or level is None or competence.bloc_id not in kept_blocs:
                item.lost_requirements.append(requirement.competence.code)
            else:
                item.requirements.append((requirement.competence, competence, level))
        plan.pathways.append(item)
    return plan


@transaction.atomic
def pathways_carry_over(*, actor, version):
    """Create on `version` the pathways of its source version that it does not have yet (see
    carry_over_plan). Returns the pathways created, possibly none."""
    # The version's row lock serializes two confirmations: the second one sees the first's
    # pathways and skips them.
    version = ReferentialVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.PUBLISHED:
        raise DomainError(
            _("Les parcours ne peuvent être repris que sur une version publiée."),
            "version_not_published",
        )
    plan = carry_over_plan(version)
    if plan is None:
        raise DomainError(
            _("Cette version n'a pas de version précédente publiée dont reprendre les parcours."),
            "no_source",
        )
    created = []
    for item in plan.to_create:
        source = item.source
        pathway = Pathway(
            version=version,
            code=source.code,
            title=source.title,
            description=source.description,
            audience=source.audience,
            min_attended_hours=source.min_attended_hours,
            validity_months=source.validity_months,
            national_code=source.national_code,
            # Retiring a version closes its pathways: that says nothing of the new one's.
            is_active=source.is_active or plan.source.status == VersionStatus.RETIRED,
        )
        pathway.full_clean()
        pathway.save()
        PathwayBloc.objects.bulk_create(
            [
                PathwayBloc(pathway=pathway, bloc=new, order=order)
                for order, (_old, new) in enumerate(item.blocs, 1)
            ]
        )
        PathwayRequirement.objects.bulk_create(
            [
                PathwayRequirement(pathway=pathway, competence=new, required_level=level)
                for _old, new, level in item.requirements
            ]
        )
        rule_set = pathway_rule_set(pathway)
        log_action(
            actor=actor,
            action="pathway.create",
            target=pathway,
            carried_from=source.pk,
            blocs=[new.code for _old, new in item.blocs],
            lost_blocs=[bloc.code for bloc in item.lost_blocs],
            lost_requirements=item.lost_requirements,
            rule_set=rule_set.number,
        )
        created.append(pathway)
    log_action(
        actor=actor,
        action="version.carry_over",
        target=version,
        source=plan.source.pk,
        created=[pathway.pk for pathway in created],
        skipped=[item.source.pk for item in plan.already + plan.impossible],
    )
    return created
