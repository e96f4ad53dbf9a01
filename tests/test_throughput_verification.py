"""The public verification under load: the rate limiter's one-query counter shared by every
process (core.ratelimit), the verdict rendered once per attestation state (a revocation is seen
at once), and one audit entry per attestation per half-hour."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory
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


def test_a_verification_costs_one_round_trip_on_postgresql(client, attestation):
    url = reverse("certificates:verify", args=[attestation.verification_code])
    # The limiter's counter with the attestation's state (one statement on PostgreSQL, two
    # elsewhere), the audit counter, the audit entry, and the attestation whole to render the
    # page.
    counter_and_state = 1 if connection.vendor == "postgresql" else 2
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    assert len(first) == counter_and_state + 3, [q["sql"][:60] for q in first]
    # Already logged this half-hour, as this process knows, and the page rendered: the limiter
    # and the state only.
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).status_code == 200
    assert len(again) == counter_and_state, [q["sql"][:60] for q in again]
    # The state reads neither the facts nor the Open Badge.
    state_sql = again[-1]["sql"]
    assert "credential" not in state_sql and '"template"' not in state_sql
    assert "ORDER BY" not in state_sql


def test_a_refused_verification_reads_no_attestation(client, attestation, settings):
    settings.SOCLE_RATE_LIMITS = {**settings.SOCLE_RATE_LIMITS, "verify": "1/m/ip"}
    url = reverse("certificates:verify", args=[attestation.verification_code])
    assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert "Anna Voisin-Test" not in response.content.decode()


def test_a_signed_in_visitor_costs_the_session_the_user_and_the_attestation(client, attestation):
    client.force_login(factories.UserFactory())
    url = reverse("certificates:verify", args=[attestation.verification_code])
    client.get(url)
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).status_code == 200
    # The session, the user, the limiter, the attestation, and the menu's three (the user's
    # groups, roles).
    assert len(again) == 7, [q["sql"][:60] for q in again]


# The whole page, cached for visitors without a session -----------------------------------------


def test_the_shared_page_carries_no_token_and_sets_no_cookie(attestation):
    url = reverse("certificates:verify", args=[attestation.verification_code])
    visitor = Client(enforce_csrf_checks=True)
    answers = [visitor.get(url), Client().get(url)]
    for answer in answers:
        assert answer.status_code == 200
        text = answer.content.decode()
        assert "csrfmiddlewaretoken" not in text and "X-CSRFToken" not in text
        assert not answer.cookies  # no CSRF cookie, no session
    assert answers[0].content == answers[1].content
    # The header's language switch works without a token.
    switched = visitor.post(reverse("set_language"), {"language": "en", "next": url})
    assert switched.status_code == 302 and switched.url == url
    assert 'lang="en"' in visitor.get(url).content.decode()


def test_a_signed_in_visitors_pages_still_carry_their_token(client, attestation):
    client.force_login(factories.UserFactory())
    text = client.get(reverse("certificates:verify", args=[attestation.verification_code]))
    text = text.content.decode()
    assert "X-CSRFToken" in text and 'name="csrfmiddlewaretoken"' in text  # htmx, logout


def test_a_signed_in_visitor_never_gets_nor_leaves_a_shared_page(client, attestation):
    url = reverse("certificates:verify", args=[attestation.verification_code])
    assert "Se déconnecter" not in Client().get(url).content.decode()  # cached for everyone
    person = factories.UserFactory(first_name="Ondine", last_name="Pérec")
    client.force_login(person)
    mine = client.get(url).content.decode()
    assert "Ondine Pérec" in mine and "Se déconnecter" in mine and "Anna Voisin-Test" in mine
    again = Client().get(url).content.decode()
    assert "Ondine" not in again and "Se déconnecter" not in again


def test_the_shared_page_follows_the_language(attestation):
    url = reverse("certificates:verify", args=[attestation.verification_code])
    french = Client().get(url).content.decode()
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = visitor.get(url).content.decode()
    assert 'lang="fr"' in french and 'lang="en"' in english.split(">", 2)[1]
    assert "Aller au contenu" in french and "Skip to content" in english


def test_a_query_string_or_messages_are_not_served_from_the_shared_page(client, attestation):
    url = reverse("certificates:verify", args=[attestation.verification_code])
    Client().get(url)
    tagged = Client().get(url + "?utm_source=qr").content.decode()
    assert "?utm_source=qr" in tagged  # the language form returns to the page as it was asked
    visitor = Client()
    visitor.cookies["messages"] = "anything"
    assert visitor.get(url).status_code == 200
    assert page.is_shared_view(RequestFactory().get(url))
    assert not page.is_shared_view(RequestFactory().get(url + "?a=1"))
    with_messages = RequestFactory().get(url)
    with_messages.COOKIES["messages"] = "x"
    assert not page.is_shared_view(with_messages)
    with_session = RequestFactory().get(url)
    with_session.COOKIES[settings.SESSION_COOKIE_NAME] = "x"
    assert not page.is_shared_view(with_session)


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
