"""Eligibility: a pure function of a person's current levels, their counting hours and a rule set.

No database access here: the decision service and the progress pages read the facts (current
statuses, hours) and hand them over, and the same function says what is validated, what is
missing and why, in plain French. A simulation is the same call with some levels assumed.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from trainings.formatting import format_hours


def _label(text):
    return text[:1].lower() + text[1:] if text else text


@dataclass(frozen=True)
class CompetenceResult:
    lineage: str
    code: str
    title: str
    required_rank: int
    required_label: str
    current_rank: int | None
    current_label: str
    assumed: bool = False

    @property
    def met(self):
        return self.current_rank is not None and self.current_rank >= self.required_rank

    @property
    def reason(self):
        if self.met:
            return ""
        if self.current_rank is None:
            return _("%(code)s : pas encore évaluée, niveau requis « %(required)s »") % {
                "code": self.code,
                "required": _label(self.required_label),
            }
        return _("%(code)s : niveau actuel « %(current)s », niveau requis « %(required)s »") % {
            "code": self.code,
            "current": _label(self.current_label),
            "required": _label(self.required_label),
        }


@dataclass(frozen=True)
class BlocResult:
    lineage: str
    code: str
    title: str
    competences: tuple

    @property
    def met(self):
        return all(competence.met for competence in self.competences)

    @property
    def missing(self):
        return [competence for competence in self.competences if not competence.met]

    @property
    def met_count(self):
        return sum(1 for competence in self.competences if competence.met)

    @property
    def percent(self):
        return round(100 * self.met_count / len(self.competences)) if self.competences else 100


@dataclass(frozen=True)
class Verdict:
    blocs: tuple
    hours: Decimal
    min_hours: Decimal

    @property
    def hours_met(self):
        return self.hours >= self.min_hours

    @property
    def eligible(self):
        return self.hours_met and all(bloc.met for bloc in self.blocs)

    @property
    def validated_blocs(self):
        return [bloc for bloc in self.blocs if bloc.met]

    @property
    def hours_reason(self):
        if self.hours_met:
            return ""
        return _("%(done)s suivies sur %(required)s requises") % {
            "done": format_hours(self.hours),
            "required": format_hours(self.min_hours),
        }

    @property
    def reasons(self):
        """Every unmet condition, competences in rule-set order, then the hours."""
        found = [c.reason for bloc in self.blocs for c in bloc.competences if not c.met]
        if not self.hours_met:
            found.append(self.hours_reason)
        return found


def evaluate(rules, levels, hours, *, assume=None):
    """The verdict of a rule set (`PathwayRuleSet.rules`) on a person.

    levels: {competence lineage (str): (rank, label)} — the levels that count now;
    hours: the counting hours (Decimal);
    assume: {lineage: (rank, label)} levels to assume instead (simulation).
    """
    assume = assume or {}
    blocs = []
    for bloc in rules["blocs"]:
        results = []
        for competence in bloc["competences"]:
            lineage = competence["lineage"]
            current = assume.get(lineage) or levels.get(lineage)
            results.append(
                CompetenceResult(
                    lineage=lineage,
                    code=competence["code"],
                    title=competence["title"],
                    required_rank=competence["required_rank"],
                    required_label=competence["required_label"],
                    current_rank=current[0] if current else None,
                    current_label=current[1] if current else "",
                    assumed=lineage in assume,
                )
            )
        blocs.append(
            BlocResult(
                lineage=bloc["lineage"],
                code=bloc["code"],
                title=bloc["title"],
                competences=tuple(results),
            )
        )
    return Verdict(
        blocs=tuple(blocs),
        hours=Decimal(hours),
        min_hours=Decimal(rules["min_attended_hours"]),
    )
