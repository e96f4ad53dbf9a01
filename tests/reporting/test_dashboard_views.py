"""The dashboard and the lists behind it: who may see them, what they show, what they cost."""

import pytest
from django.urls import reverse

from tests import factories

from . import network

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}


@pytest.fixture
def net():
    return network.build()


def test_only_the_hub_and_heads_of_places_see_the_figures(client, net):
    urls = [
        reverse("reporting:dashboard"),
        reverse("reporting:session_list"),
        reverse("reporting:decision_list"),
        reverse("reporting:attestation_list"),
    ]
    client.force_login(net.anna)  # an aidant
    for url in urls:
        assert client.get(url).status_code == 403
    client.force_login(net.chloe)  # head of the Arras place
    for url in urls:
        assert client.get(url).status_code == 200
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login page


def test_dashboard_shows_the_figures_charts_and_tables(client, net):
    client.force_login(net.hub)
    response = client.get(reverse("reporting:dashboard"), PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    figures = {f.key: f.value for f in response.context["figures"]}
    assert (figures["blocs_validated"], figures["pathways_certified"]) == (3, 1)
    assert "Pilotage du réseau" in body and "Tout le réseau" in body
    for kind in ("line", "bar", "funnel", "tiles"):
        assert f'data-chart="{kind}"' in body
    assert 'id="chart-data-tiles"' in body and "Données du graphique" in body
    # The figures open their lists, with the same filters.
    assert "/pilotage/certifications/?start=2026-01-01&amp;end=2026-06-30&amp;kind=bloc" in body
    assert "/pilotage/exports/?start=2026-01-01&amp;end=2026-06-30" in body


def test_dashboard_refuses_bad_filters_with_a_message(client, net):
    client.force_login(net.hub)
    response = client.get(
        reverse("reporting:dashboard"), {"start": "2026-05-01", "end": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "La fin de la période précède son début." in response.content.decode()
    response = client.get(reverse("reporting:session_list"), {"departement": "<script>"})
    assert response.status_code == 400
    assert "<script>" not in response.content.decode()


def test_head_of_place_sees_only_their_structures(client, net):
    client.force_login(net.chloe)
    response = client.get(reverse("reporting:dashboard"), PERIOD)
    assert "France Services Arras" in response.content.decode()
    figures = {f.key: f.value for f in response.context["figures"]}
    assert (figures["blocs_validated"], figures["sessions_held"]) == (1, 0)
    sessions = client.get(reverse("reporting:session_list"), {**PERIOD, "end": "2026-12-31"})
    assert [s.title for s in sessions.context["page"]] == [net.sessions[2].title]  # at Arras
    decisions = client.get(reverse("reporting:decision_list"), {**PERIOD, "kind": "bloc"})
    assert [d.holder_name for d in decisions.context["page"]] == [net.chloe.get_full_name()]
    # Asking for another département gives nothing outside the scope, not an error.
    decisions = client.get(
        reverse("reporting:decision_list"), {**PERIOD, "kind": "bloc", "departement": "59"}
    )
    assert list(decisions.context["page"]) == []


def test_lists_filter_and_paginate(client, net):
    client.force_login(net.hub)
    sessions = client.get(reverse("reporting:session_list"), PERIOD)
    titles = {s.title for s in sessions.context["page"]}
    assert titles == {net.sessions[1].title, net.sessions[3].title}  # held and cancelled
    sessions = client.get(reverse("reporting:session_list"), {**PERIOD, "status": "closed"})
    assert [s.registered for s in sessions.context["page"]] == [3]
    sessions = client.get(reverse("reporting:session_list"), {**PERIOD, "trainer": "théo"})
    assert sessions.context["page"].paginator.count == 2
    blocs = client.get(reverse("reporting:decision_list"), {**PERIOD, "kind": "bloc"})
    assert blocs.context["page"].paginator.count == 3
    expiring = client.get(
        reverse("reporting:decision_list"), {**PERIOD, "kind": "pathway", "expiring": "on"}
    )
    # Anna's certification ends on 1 August 2026: not within 90 days of the real today.
    assert expiring.status_code == 200
    revoked = client.get(reverse("reporting:attestation_list"), {**PERIOD, "status": "revoked"})
    assert [a.holder for a in revoked.context["page"]] == [net.chloe]


def test_dashboard_queries_do_not_grow_with_the_data(client, net, django_assert_max_num_queries):
    client.force_login(net.hub)
    url = reverse("reporting:dashboard")
    with django_assert_max_num_queries(44) as first:
        client.get(url, PERIOD)
    # Without any filter, the defaults: the same queries (the filter form is built once).
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)
    # More of everything: sessions, people, decisions.
    for _ in range(3):
        session = factories.make_session(participants=4, status="closed")
        for registration in session.registrations.all():
            for slot in session.slots.all():
                factories.AttendanceFactory(slot=slot, registration=registration)
    network.build()
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url, PERIOD)
    with django_assert_max_num_queries(30):
        client.get(reverse("reporting:session_list"), PERIOD)
