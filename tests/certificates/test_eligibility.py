"""Eligibility is a pure function: table-driven, no database."""

from decimal import Decimal

import pytest

from certificates.eligibility import evaluate
from trainings.formatting import format_hours

RULES = {
    "min_attended_hours": "21.00",
    "validity_months": 36,
    "blocs": [
        {
            "lineage": "b1",
            "code": "B1",
            "title": "Accueillir",
            "competences": [
                {
                    "lineage": "c11",
                    "code": "B1.C1",
                    "title": "Accueil",
                    "required_rank": 3,
                    "required_label": "Acquis",
                },
                {
                    "lineage": "c12",
                    "code": "B1.C2",
                    "title": "Diagnostic",
                    "required_rank": 3,
                    "required_label": "Acquis",
                },
            ],
        },
        {
            "lineage": "b2",
            "code": "B2",
            "title": "Accompagner",
            "competences": [
                {
                    "lineage": "c23",
                    "code": "B2.C3",
                    "title": "Sécurité",
                    "required_rank": 4,
                    "required_label": "Maîtrisé",
                },
            ],
        },
    ],
}
ACQUIS = (3, "Acquis")
EN_COURS = (2, "En cours d'acquisition")
MAITRISE = (4, "Maîtrisé")
ALL_MET = {"c11": ACQUIS, "c12": MAITRISE, "c23": MAITRISE}


@pytest.mark.parametrize(
    ("levels", "hours", "eligible", "validated", "reasons"),
    [
        (ALL_MET, "21", True, ["B1", "B2"], []),
        (ALL_MET, "30.5", True, ["B1", "B2"], []),
        (ALL_MET, "12", False, ["B1", "B2"], ["12 h suivies sur 21 h requises"]),
        (
            {**ALL_MET, "c12": EN_COURS},
            "21",
            False,
            ["B2"],
            ["B1.C2 : niveau actuel « en cours d'acquisition », niveau requis « acquis »"],
        ),
        (
            {"c11": ACQUIS, "c12": ACQUIS},
            "3.6667",
            False,
            ["B1"],
            [
                "B2.C3 : pas encore évaluée, niveau requis « maîtrisé »",
                "3 h 40 suivies sur 21 h requises",
            ],
        ),
        # A level above the requirement meets it; one below does not, even "acquis" for
        # a competence that must be mastered.
        (
            {**ALL_MET, "c23": ACQUIS},
            "21",
            False,
            ["B1"],
            ["B2.C3 : niveau actuel « acquis », niveau requis « maîtrisé »"],
        ),
        (
            {},
            "0",
            False,
            [],
            [
                "B1.C1 : pas encore évaluée, niveau requis « acquis »",
                "B1.C2 : pas encore évaluée, niveau requis « acquis »",
                "B2.C3 : pas encore évaluée, niveau requis « maîtrisé »",
                "0 h suivies sur 21 h requises",
            ],
        ),
    ],
)
def test_verdicts_and_their_reasons(levels, hours, eligible, validated, reasons):
    verdict = evaluate(RULES, levels, Decimal(hours))
    assert verdict.eligible is eligible
    assert [bloc.code for bloc in verdict.validated_blocs] == validated
    assert verdict.reasons == reasons


def test_no_hours_required_means_hours_are_met():
    rules = {**RULES, "min_attended_hours": "0"}
    verdict = evaluate(rules, ALL_MET, Decimal(0))
    assert verdict.hours_met and verdict.eligible


def test_bloc_progress_counts_competences_met():
    verdict = evaluate(RULES, {"c11": ACQUIS, "c12": EN_COURS}, Decimal(0))
    b1, b2 = verdict.blocs
    assert (b1.met_count, b1.percent, [c.code for c in b1.missing]) == (1, 50, ["B1.C2"])
    assert (b2.met_count, b2.percent) == (0, 0)


def test_simulation_assumes_levels_without_changing_the_facts():
    levels = {"c11": ACQUIS, "c12": ACQUIS, "c23": ACQUIS}
    verdict = evaluate(RULES, levels, Decimal(14), assume={"c23": MAITRISE})
    assert [bloc.code for bloc in verdict.validated_blocs] == ["B1", "B2"]
    assert verdict.reasons == ["14 h suivies sur 21 h requises"]
    assert verdict.blocs[1].competences[0].assumed
    assert levels["c23"] == ACQUIS


@pytest.mark.parametrize(
    ("hours", "text"),
    [("0", "0 h"), ("3.5", "3 h 30"), ("3.6667", "3 h 40"), ("21", "21 h"), ("0.25", "0 h 15")],
)
def test_hours_read_as_hours_and_minutes(hours, text):
    assert format_hours(Decimal(hours)) == text
