"""Every way into Socle asks for the second factor, and failed passwords are limited."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def _with_totp(user):
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def _current_code(secret):
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def _logged_in(client):
    return "_auth_user_id" in client.session


def test_admin_login_post_with_password_alone_does_not_log_in_a_totp_account(client):
    hub = factories.HubCoordinatorFactory(is_staff=True)
    _with_totp(hub)
    response = client.post(
        reverse("admin:login"),
        {"username": hub.email, "password": factories.DEFAULT_PASSWORD, "next": "/admin/"},
    )
    assert not _logged_in(client)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    # and the admin is still closed to that browser
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("competences:manage")).status_code == 302


def test_admin_login_page_sends_to_the_site_login_with_the_admin_as_next(client):
    response = client.get(reverse("admin:login") + "?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_site_login_asks_for_the_code_then_opens_the_admin(client):
    hub = factories.HubCoordinatorFactory(is_staff=True)
    secret = _with_totp(hub)
    response = client.post(
        reverse("account_login"), {"login": hub.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert not _logged_in(client)
    assert client.get(reverse("admin:index")).status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})
    assert response.status_code == 302
    assert _logged_in(client)
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_logged_in_mediator_gets_403_on_the_admin_login(client):
    client.force_login(factories.UserFactory())
    assert client.get(reverse("admin:login")).status_code == 403


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    user = factories.UserFactory()
    for _ in range(30):
        client.post(reverse("account_login"), {"login": user.email, "password": "pas-le-bon"})
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert not _logged_in(client)
    assert response.status_code in {200, 429}


def test_wrong_passwords_through_the_admin_url_are_not_tried_at_all(client):
    user = factories.HubCoordinatorFactory()
    for _ in range(30):
        client.post(reverse("admin:login"), {"username": user.email, "password": "pas-le-bon"})
    response = client.post(
        reverse("admin:login"), {"username": user.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert not _logged_in(client)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
