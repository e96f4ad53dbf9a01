"""Numbered, immutable rule sets of a pathway.

`pathway_rule_set(pathway)` returns the rule set matching the pathway's rules now, writing a new
numbered one when they changed since the latest. The pathway services call it after every change
of a pathway on a published version, and enrolment calls it too, so an edit made while people are
enrolled gives a new rule set and leaves theirs as it was.
"""

import hashlib
import json

from django.db import transaction
from django.db.models import Max

from ..models import Competence, Pathway, PathwayRequirement, PathwayRuleSet, ProficiencyLevel


def rules_of(pathway):
    """The pathway's rules as plain data: blocs and competences by lineage (with their codes and
    titles, frozen with the version), the rank each competence must reach, hours and validity."""
    levels = {
        level.pk: level for level in ProficiencyLevel.objects.filter(version=pathway.version_id)
    }
    default = next((level for level in levels.values() if level.counts_as_acquired), None)
    overrides = dict(
        PathwayRequirement.objects.filter(pathway=pathway).values_list(
            "competence_id", "required_level_id"
        )
    )
    competences_by_bloc = {}
    for competence in Competence.objects.filter(bloc__pathway_blocs__pathway=pathway).order_by(
        "order", "code"
    ):
        competences_by_bloc.setdefault(competence.bloc_id, []).append(competence)
    blocs = []
    for pathway_bloc in pathway.pathway_blocs.select_related("bloc").order_by(
        "order", "bloc__order"
    ):
        bloc = pathway_bloc.bloc
        competences = []
        for competence in competences_by_bloc.get(bloc.pk, []):
            level = levels[overrides[competence.pk]] if competence.pk in overrides else default
            competences.append(
                {
                    "lineage": str(competence.lineage),
                    "code": competence.code,
                    "title": competence.title,
                    "required_rank": level.rank if level else None,
                    "required_label": level.label if level else "",
                }
            )
        blocs.append(
            {
                "lineage": str(bloc.lineage),
                "code": bloc.code,
                "title": bloc.title,
                "national_code": bloc.national_code,
                "competences": competences,
            }
        )
    return {
        "version": pathway.version_id,
        "blocs": blocs,
        "min_attended_hours": str(pathway.min_attended_hours),
        "validity_months": pathway.validity_months,
    }


def _digest(rules):
    return hashlib.sha256(
        json.dumps(rules, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


@transaction.atomic
def pathway_rule_set(pathway):
    """The current rule set of the pathway, created (numbered after the latest) when its rules
    changed. The pathway row is locked so two calls at once number one rule set."""
    pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
    rules = rules_of(pathway)
    digest = _digest(rules)
    latest = pathway.rule_sets.order_by("-number").first()
    if latest is not None and latest.digest == digest:
        return latest
    number = (pathway.rule_sets.aggregate(top=Max("number"))["top"] or 0) + 1
    return PathwayRuleSet.objects.create(
        pathway=pathway,
        number=number,
        rules=rules,
        digest=digest,
        min_attended_hours=pathway.min_attended_hours,
        validity_months=pathway.validity_months,
    )


def latest_rule_set(pathway):
    return pathway.rule_sets.order_by("-number").first()
