"""The public verification under load: the rate limiter's one-query counter shared by every
process (core.ratelimit), the verdict rendered once per attestation state (a revocation is seen
at once), and one audit entry per attestation per half-hour."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates import codes
from certificates import verification as page
from certificates.models import Attestation
from certificates.services import attestations as services
from core import ratelimit
from core.models import AuditLog, RateCounter
from tests import factories
from tests.reporting import network

pytestmark = pytest.mark.django_db

MINUTE = 60
T0 = 1_800_000_000.0  # a window boundary of a minute (and of half an hour)


# The counter -----------------------------------------------------------------------------------


def test_a_counter_allows_its_amount_then_refuses_without_counting_refusals():
    name = ratelimit.counter_name("test", "a")
    answers = [ratelimit.consume(name, 3, MINUTE, now=T0 + i) for i in range(5)]
    assert answers == [True, True, True, False, False]
    row = RateCounter.objects.get(name=name)
    assert (row.hits, row.previous, row.allowed) == (3, 0, False)


def test_no_period_ever_holds_more_than_the_amount():
    name = ratelimit.counter_name("test", "b")
    # Three hits at the very end of a window: the next window must not allow three more at once
    # (a fixed window would: six hits within two seconds).
    assert all(ratelimit.consume(name, 3, MINUTE, now=T0 + 58 + i * 0.1) for i in range(3))
    assert not ratelimit.consume(name, 3, MINUTE, now=T0 + MINUTE + 1)
    # A window later, the allowance is whole again.
    answers = [ratelimit.consume(name, 3, MINUTE, now=T0 + 2 * MINUTE + i) for i in range(4)]
    assert answers == [True, True, True, False]


def test_counters_are_separate_and_name_no_address():
    first, second = ratelimit.counter_name("rl", "verify", "ip", "203.0.113.7"), "other"
    assert ratelimit.consume(first, 1, MINUTE, now=T0)
    assert ratelimit.consume(second, 1, MINUTE, now=T0)
    assert not ratelimit.consume(first, 1, MINUTE, now=T0 + 1)
    assert not RateCounter.objects.filter(name__contains="203.0.113").exists()
    assert len(first) == 64


def test_expired_counters_are_purged(monkeypatch):
    monkeypatch.setattr(ratelimit, "_last_purge", [0.0])
    ratelimit.consume("old", 1, MINUTE, now=T0)
    # More than two windows later (the row is no longer read) and past the purge interval.
    ratelimit.consume("new", 1, MINUTE, now=T0 + ratelimit.PURGE_EVERY + 3 * MINUTE)
    assert set(RateCounter.objects.values_list("name", flat=True)) == {"new"}


def test_allow_costs_one_query_per_rate(rf, settings):
    settings.SOCLE_RATE_LIMITS = {**settings.SOCLE_RATE_LIMITS, "verify": "2/m/ip"}
    request = rf.get("/")
    with CaptureQueriesContext(connection) as captured:
        answers = [ratelimit.allow(request, "verify") for _ in range(3)]
    assert answers == [True, True, False]
    assert len(captured) == 3


# The page --------------------------------------------------------------------------------------


@pytest.fixture
def attestation():
    net = network.build()
    attestation = Attestation.objects.get(kind="pathway", holder=net.anna)
    attestation.verification_code = codes.new_code()
    attestation.valid_until = None
    attestation.facts = {
        "holder": {"name": "Anna Voisin-Test"},
        "issuer": {"legal_name": "Hub de test"},
        "pathway": {"title": "Socle"},
    }
    attestation.save()
    return attestation


def _page(client, attestation):
    response = client.get(reverse("certificates:verify", args=[attestation.verification_code]))
    return response.status_code, response.content.decode()


def test_a_revoked_attestation_shows_revoked_at_once(client, attestation):
    status, text = _page(client, attestation)
    assert status == 200 and "Attestation valide" in text and "Anna Voisin-Test" in text
    assert "Attestation valide" in _page(client, attestation)[1]  # from the cache now
    services.attestation_revoke(
        actor=factories.HubCoordinatorFactory(), attestation=attestation, reason="Fraude"
    )
    status, text = _page(client, attestation)
    assert "Attestation révoquée" in text and "Fraude" in text
    assert "Attestation valide" not in text


def test_suspension_and_reinstatement_are_seen_at_once(client, attestation):
    hub = factories.HubCoordinatorFactory()
    assert "Attestation valide" in _page(client, attestation)[1]
    services.attestation_suspend(actor=hub, attestation=attestation, reason="Vérification")
    assert "Attestation suspendue" in _page(client, attestation)[1]
    attestation.refresh_from_db()
    services.attestation_reinstate(actor=hub, attestation=attestation, reason="Vérifiée")
    assert "Attestation valide" in _page(client, attestation)[1]


def test_erasure_and_details_are_seen_at_once(client, attestation):
    attestation.facts["competences"] = [{"code": "B1.C1", "title": "Accueillir", "level": "Acquis"}]
    attestation.save(update_fields=["facts"])
    assert "Accueillir" not in _page(client, attestation)[1]
    services.attestation_set_show_details(
        actor=attestation.holder, attestation=attestation, show=True
    )
    assert "Accueillir" in _page(client, attestation)[1]
    services.attestations_anonymise_for(user=attestation.holder)
    text = _page(client, attestation)[1]
    assert "Anna Voisin-Test" not in text and "anonymisé" in text


def test_expiry_is_seen_the_next_day(client, attestation, monkeypatch):
    attestation.valid_until = datetime.date.today() + datetime.timedelta(days=1)
    attestation.save(update_fields=["valid_until"])
    assert "Attestation valide" in _page(client, attestation)[1]
    later = datetime.date.today() + datetime.timedelta(days=2)
    monkeypatch.setattr(page.timezone, "localdate", lambda *args: later)
    assert "Attestation expirée" in _page(client, attestation)[1]


def test_a_verification_costs_three_queries_then_two(client, attestation):
    url = reverse("certificates:verify", args=[attestation.verification_code])
    # The limiter's counter, the attestation, the audit counter, the audit entry.
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    assert len(first) == 4, [q["sql"][:60] for q in first]
    # Already logged this half-hour, as this process knows: the limiter and the attestation.
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).status_code == 200
    assert len(again) == 2, [q["sql"][:60] for q in again]


def test_one_audit_entry_per_attestation_per_half_hour(client, attestation):
    for _ in range(3):
        _page(client, attestation)
    client.get(reverse("certificates:verify_json", args=[attestation.verification_code]))
    entries = AuditLog.objects.filter(action="attestation.verify")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.subject_id == attestation.holder_id and entry.data == {"how": "code"}
    assert entry.target_id == str(attestation.pk)


def test_the_audit_counter_is_shared_and_half_hourly(attestation, monkeypatch):
    half_hour = page.LOG_EVERY_SECONDS
    assert page.should_log(attestation, now=T0)
    assert not page.should_log(attestation, now=T0 + 10)
    # Another process (nothing known locally) asks the shared counter: no.
    monkeypatch.setattr(page, "_known_logged", {})
    assert not page.should_log(attestation, now=T0 + 20)
    # Two windows later, a new entry.
    assert page.should_log(attestation, now=T0 + 2 * half_hour + 1)
    other = Attestation(pk=attestation.pk + 1000, verification_code="X")
    assert page.should_log(other, now=T0 + 30)


def test_unknown_codes_and_typos_still_answer_404(client, attestation):
    response = client.get(reverse("certificates:verify", args=[codes.new_code()]))
    assert response.status_code == 404 and "Code inconnu" in response.content.decode()
    assert not AuditLog.objects.filter(action="attestation.verify").exists()


def test_the_rate_limit_holds_on_the_page(client, attestation, settings):
    settings.SOCLE_RATE_LIMITS = {**settings.SOCLE_RATE_LIMITS, "verify": "3/m/ip"}
    statuses = [_page(client, attestation)[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert AuditLog.objects.filter(action="attestation.verify").count() == 1
