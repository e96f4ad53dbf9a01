"""Two-factor authentication is required of hub coordinators and trainers (core.mfa): a banner
during the grace period, then every request goes to the TOTP activation page."""

import datetime

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import MfaGracePeriod
from tests import factories

ACTIVATE = reverse("mfa_activate_totp")
BANNER = "doivent protéger leur compte par une authentification à deux facteurs"


def _hub():
    return factories.HubCoordinatorFactory()


def _trainer():
    return factories.AccreditationFactory().user


REQUIRED = {"hub": _hub, "trainer": _trainer}


def _log_in(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


def _grace_started(user, days_ago):
    MfaGracePeriod.objects.update_or_create(
        user=user, defaults={"started_at": timezone.now() - datetime.timedelta(days=days_ago)}
    )


def _activate_totp(client):
    """The activation as a person does it: password again, then a code from the app."""
    response = client.get(ACTIVATE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    page = client.get(response.url)
    assert page.status_code == 200
    response = client.post(response.url, {"password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 302
    response = client.get(ACTIVATE)
    assert response.status_code == 200
    secret = response.context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post(ACTIVATE, {"code": code})
    assert response.status_code == 302
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["hub", "trainer"])
def test_inside_the_grace_period_pages_work_and_show_the_banner(client, role):
    person = REQUIRED[role]()
    _log_in(client, person)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert BANNER in page
    assert "Il vous reste 14 jours" in page
    assert f'href="{ACTIVATE}"' in page
    # The grace period started when the person was first seen so (at login), and is data.
    grace = MfaGracePeriod.objects.get(user=person)
    assert timezone.now() - grace.started_at < datetime.timedelta(minutes=1)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert BANNER in response.content.decode()


@pytest.mark.django_db
def test_the_banner_counts_the_days_left_and_speaks_english(client, settings):
    settings.SOCLE_MFA_GRACE_DAYS = 3
    person = _hub()
    _grace_started(person, days_ago=2)
    _log_in(client, person)
    page = client.get(reverse("home")).content.decode()
    assert "Il vous reste 1 jour pour" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("home")).content.decode()
    assert "You have 1 day left to turn it on" in page
    assert "Turn on two-factor authentication" in page


@pytest.mark.django_db
def test_the_banner_is_shown_once_across_a_redirect(client):
    person = _hub()
    _log_in(client, person)
    client.get(reverse("home"))  # shown, so no longer waiting
    # A view that answers with a redirect adds the banner; the page it leads to shows it once.
    response = client.get(reverse("account_login"), follow=True)
    assert response.redirect_chain
    assert response.content.decode().count(BANNER) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["hub", "trainer"])
def test_after_the_grace_period_every_page_leads_to_activation_until_it_is_done(client, role):
    person = REQUIRED[role]()
    _grace_started(person, days_ago=15)
    _log_in(client, person)
    for url in (reverse("home"), reverse("accounts:profile"), "/admin/"):
        response = client.get(url)
        assert (response.status_code, response.url) == (302, ACTIVATE), url
    response = client.post(reverse("accounts:membership_add"), {})
    assert (response.status_code, response.url) == (302, ACTIVATE)
    # The person is told why, in the page they land on.
    response = client.get(reverse("home"), follow=True)
    assert "le délai pour l&#x27;activer est écoulé" in response.content.decode()

    _activate_totp(client)
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert BANNER not in response.content.decode()
    assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.django_db
def test_a_mediator_is_never_redirected_nor_bothered(client):
    person = factories.UserFactory()
    _log_in(client, person)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert BANNER not in response.content.decode()
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert not MfaGracePeriod.objects.filter(user=person).exists()


@pytest.mark.django_db
def test_a_former_trainer_is_a_mediator_again(client):
    """Whose accreditation ended: long past the grace period, and no longer asked."""
    today = timezone.localdate()
    accreditation = factories.AccreditationFactory(
        valid_from=today - datetime.timedelta(days=400),
        valid_until=today - datetime.timedelta(days=30),
    )
    _grace_started(accreditation.user, days_ago=300)
    _log_in(client, accreditation.user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert BANNER not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["hub", "trainer"])
def test_a_person_with_totp_is_never_bothered(client, role):
    person = REQUIRED[role]()
    TOTP.activate(person, generate_totp_secret())
    _grace_started(person, days_ago=400)
    client.force_login(person)
    for url in (reverse("home"), reverse("accounts:profile")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert BANNER not in response.content.decode()
    assert list(get_messages(response.wsgi_request)) == []


@pytest.mark.django_db
def test_a_superuser_counts_as_a_hub_coordinator(client):
    person = factories.UserFactory(is_superuser=True, is_staff=True)
    _grace_started(person, days_ago=15)
    client.force_login(person)
    response = client.get("/admin/")
    assert (response.status_code, response.url) == (302, ACTIVATE)


@pytest.mark.django_db
def test_the_redirect_does_not_loop(client, settings):
    person = _hub()
    _grace_started(person, days_ago=15)
    _log_in(client, person)
    # Activation asks for the password again, and that page is reachable.
    response = client.get(ACTIVATE)
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    # Switching the language and the public verification pages stay available.
    response = client.post(reverse("set_language"), {"language": "en", "next": "/verifier/"})
    assert (response.status_code, response.url) == (302, "/verifier/")
    assert client.get("/verifier/").status_code == 200
    assert not client.get(f"{settings.STATIC_URL}css/socle.css").get("Location")
    # Logging out works, and then nothing is asked any more.
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response.url != ACTIVATE
    assert client.get(reverse("home")).status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_htmx_requests_get_a_redirect_the_page_follows(client):
    person = _hub()
    _log_in(client, person)
    # Inside the grace period: the fragment is served, without the banner.
    response = client.get(reverse("accounts:profile"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    _grace_started(person, days_ago=15)
    client.logout()
    _log_in(client, person)
    response = client.get(reverse("accounts:profile"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == ACTIVATE
    assert response.content == b""


@pytest.mark.django_db
def test_a_request_costs_no_query_once_logged_in(client, settings):
    """The answer is worked out at login and kept in the session (core.mfa)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = _hub()
    _log_in(client, person)
    client.get(reverse("accounts:profile"))
    with CaptureQueriesContext(connection) as checked:
        assert BANNER in client.get(reverse("accounts:profile")).content.decode()
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if "Mfa" not in name]
    unchecked_client = Client()  # a client loads the middleware once
    unchecked_client.cookies = client.cookies
    with CaptureQueriesContext(connection) as unchecked:
        page = unchecked_client.get(reverse("accounts:profile")).content.decode()
        assert BANNER not in page
        assert person.email in page
    assert len(checked) == len(unchecked)


@pytest.mark.django_db
def test_a_role_taken_during_a_session_is_noticed_at_the_next_check(client, monkeypatch):
    from core import mfa

    person = factories.UserFactory()
    _log_in(client, person)
    assert BANNER not in client.get(reverse("home")).content.decode()
    factories.AccreditationFactory(user=person)
    monkeypatch.setattr(mfa, "RECHECK_SECONDS", 0)
    assert BANNER in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_turning_totp_off_is_noticed_at_once(client):
    person = _hub()
    TOTP.activate(person, generate_totp_secret())
    _grace_started(person, days_ago=15)
    client.force_login(person)
    assert client.get(reverse("home")).status_code == 200
    # As the deactivation page does (it needs a fresh code, which this test does not go through).
    Authenticator.objects.filter(user=person).delete()
    assert client.get(reverse("mfa_index")).status_code == 200
    response = client.get(reverse("home"))
    assert (response.status_code, response.url) == (302, ACTIVATE)
