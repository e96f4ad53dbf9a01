"""Every figure of the dashboard against the hand-computed expectations of network.py."""

import datetime
from decimal import Decimal

import pytest

from reporting.filters import StatisticsFilters, filters_from
from reporting.scope import ReportScope, scope_for
from reporting.selectors import statistics

from . import network

pytestmark = pytest.mark.django_db

HUB = ReportScope(is_hub=True)


@pytest.fixture
def net():
    return network.build()


def period(**extra):
    return StatisticsFilters(start=network.START, end=network.END, **extra)


def figures_of(scope, filters):
    figures, expiring = statistics.key_figures(scope, filters, today=network.TODAY)
    return {f.key: f.value for f in figures}, {f.key: f.previous for f in figures}, expiring


def test_key_figures_and_trend_for_the_whole_network(net):
    now, before, expiring = figures_of(HUB, period())
    assert now == {
        "active_mediators": 3,
        "sessions_held": 1,
        "trainee_hours": Decimal("14"),
        "participants": 3,
        "attendance_rate": Decimal("80.0"),
        "assessments": 2,
        "blocs_validated": 3,
        "pathways_certified": 1,
        "attestations_issued": 2,
        "attestations_revoked": 1,
    }
    assert before == {
        "active_mediators": 1,
        "sessions_held": 1,
        "trainee_hours": Decimal("3.5"),
        "participants": 1,
        "attendance_rate": Decimal("100.0"),
        "assessments": 0,
        "blocs_validated": 0,
        "pathways_certified": 1,
        "attestations_issued": 0,
        "attestations_revoked": 0,
    }
    assert expiring == 1


def test_filters_count_people_where_they_are_and_decisions_where_they_were(net):
    # Nord: Anna and Bruno today (Chloé is in Arras, Driss in Amiens); the Lille session; Anna's
    # decisions (Bruno's was withdrawn).
    now, _before, _expiring = figures_of(HUB, period(departement="59"))
    assert (now["active_mediators"], now["sessions_held"], now["trainee_hours"]) == (
        2,
        1,
        Decimal("10.5"),
    )
    assert (now["blocs_validated"], now["pathways_certified"]) == (1, 1)

    # Anna moves to Arras: the Nord keeps her past decisions, not her as a person.
    anna_arras = network.factories.MembershipFactory(user=net.anna, structure=net.arras)
    net.anna.main_membership = anna_arras
    net.anna.save(update_fields=["main_membership"])
    now, _before, _expiring = figures_of(HUB, period(departement="59"))
    assert (now["active_mediators"], now["blocs_validated"], now["pathways_certified"]) == (1, 1, 1)

    # Without a structure: Driss only, counted in the Somme through his own commune.
    now, _before, _expiring = figures_of(HUB, period(structure_kind="none"))
    assert (now["blocs_validated"], now["active_mediators"], now["sessions_held"]) == (1, 0, 0)
    now, _before, _expiring = figures_of(HUB, period(region="32", function="responsable"))
    assert now["blocs_validated"] == 1  # Chloé, in Arras (Hauts-de-France)


def test_bloc_pathway_and_trainer_filters(net):
    other_bloc = net.version.blocs.get(code="B2")
    now, _b, _e = figures_of(HUB, period(bloc_lineage=other_bloc.lineage))
    assert (now["sessions_held"], now["blocs_validated"], now["assessments"]) == (0, 0, 0)
    now, _b, _e = figures_of(HUB, period(bloc_lineage=net.bloc.lineage, pathway=net.pathway))
    assert (now["sessions_held"], now["blocs_validated"], now["pathways_certified"]) == (1, 3, 1)
    # Théo is accredited by the hub: no session or assessment by a peer.
    now, _b, _e = figures_of(HUB, period(trainer_kind="peer"))
    assert (now["sessions_held"], now["assessments"]) == (0, 0)
    now, _b, _e = figures_of(HUB, period(trainer_kind="trainer"))
    assert (now["sessions_held"], now["assessments"]) == (1, 2)


def test_head_of_place_sees_their_structure_only(net):
    scope = scope_for(net.chloe)
    assert scope == ReportScope(is_hub=False, structure_ids=frozenset({net.arras.pk}))
    now, _before, _expiring = figures_of(scope, period())
    # Chloé herself (attended in Lille); no session at Arras in the period; her bloc validation.
    assert (now["active_mediators"], now["sessions_held"], now["blocs_validated"]) == (1, 0, 1)
    assert (now["pathways_certified"], now["attestations_issued"]) == (0, 1)
    assert scope_for(net.anna) is None  # an aidant heads nothing


def test_series_breakdowns_and_funnel(net):
    filters = period()
    series = statistics.time_series(HUB, filters)
    assert [row["label"] for row in series][:2] == ["janvier 2026", "février 2026"]
    assert [(r["blocs"], r["certifications"], r["hours"]) for r in series] == [
        (0, 0, 0),
        (1, 0, 0),
        (0, 0, Decimal("14")),
        (1, 0, 0),
        (1, 0, 0),
        (0, 1, 0),
    ]
    quarters = statistics.time_series(HUB, period(granularity="quarter"))
    assert [(r["label"], r["blocs"], r["certifications"]) for r in quarters] == [
        ("T1 2026", 1, 0),
        ("T2 2026", 2, 1),
    ]
    departements = {
        r["code"]: (r["certifications"], r["blocs"])
        for r in statistics.by_departement(HUB, filters)
    }
    assert departements == {"59": (1, 1), "62": (0, 1), "80": (0, 1)}
    communes = [
        (r["label"], r["certifications"], r["blocs"]) for r in statistics.by_commune(HUB, filters)
    ]
    assert communes == [("Lille (59)", 1, 1), ("Amiens (80)", 0, 1), ("Arras (62)", 0, 1)]
    # Certified by the end of the period: Anna (June) and Chloé (October 2025).
    assert [r["value"] for r in statistics.funnel(HUB, filters)] == [4, 4, 3, 2]
    assert statistics.by_structure_kind(HUB, filters) == [{"label": "Association", "value": 1}]
    assert statistics.by_assessor(HUB, filters) == [{"label": "Formateur habilité", "value": 2}]


def test_bad_filters_give_messages_not_errors(net):
    form, filters = filters_from({"start": "2026-05-01", "end": "2026-01-01"})
    assert filters is None and "end" in form.errors
    form, filters = filters_from({"departement": "999", "structure_kind": "castle"})
    assert filters is None and {"departement", "structure_kind"} <= set(form.errors)
    form, filters = filters_from({"start": "2014-01-01", "end": "2026-01-01"})
    assert filters is None and "granularity" in form.errors
    form, filters = filters_from(
        {"start": "2010-01-01", "end": "2026-01-01", "granularity": "year"}
    )
    assert filters is None and "start" in form.errors  # over fifteen years
    form, filters = filters_from({"region": "11", "departement": "59"})
    assert filters is None and "departement" in form.errors
    form, filters = filters_from({"start": "hier"})
    assert filters is None and "start" in form.errors
    _form, filters = filters_from({}, today=datetime.date(2026, 7, 14))
    assert (filters.start, filters.end) == (datetime.date(2025, 7, 1), datetime.date(2026, 7, 14))
