"""Qualiopi-style indicators against the hand-computed network (tests/reporting/network.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reporting.filters import StatisticsFilters
from reporting.scope import ReportScope
from reporting.selectors import quality

from . import network

pytestmark = pytest.mark.django_db
HUB = ReportScope(is_hub=True)


def test_session_and_pathway_indicators():
    net = network.build()
    filters = StatisticsFilters(start=network.START, end=network.END)
    (s1,) = quality.attach_indicators(list(quality.quality_sessions(HUB, filters)))
    assert s1 == net.sessions[1]
    # Anna, Bruno, Chloé registered; Anna attended both slots; 4 of 5 marks attended; Anna was
    # assessed "acquis" on two of the three targeted competences: nobody acquired them all.
    assert (s1.registered, s1.completed, s1.acquired) == (3, 1, 0)
    assert (s1.attendance_rate, s1.completion_rate, s1.success_rate) == (
        Decimal("80.0"),
        Decimal("33.3"),
        Decimal("0.0"),
    )
    # Four enrolments; Anna certified in June, Chloé in October 2025.
    assert quality.pathway_indicators(HUB, filters) == [
        {
            "label": f"Socle (v{net.version.number})",
            "enrolled": 4,
            "certified": 2,
            "withdrawn": 0,
            "success_rate": Decimal("50.0"),
        }
    ]


def test_quality_page(client, django_assert_max_num_queries):
    net = network.build()
    client.force_login(net.hub)
    with django_assert_max_num_queries(30):
        response = client.get(
            reverse("reporting:quality"), {"start": "2026-01-01", "end": "2026-06-30"}
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Indicateurs qualité" in body and "33,3 %" in body and "50 %" in body
    client.force_login(net.anna)
    assert client.get(reverse("reporting:quality")).status_code == 403
