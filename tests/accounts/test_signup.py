import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests import factories

SIGNUP = {
    "first_name": "Inès",
    "last_name": "Caron",
    "email": "ines.caron@exemple.test",
    "password1": "une-phrase-de-passe-solide",
    "password2": "une-phrase-de-passe-solide",
}


@pytest.mark.django_db
def test_signup_creates_unverified_user_and_sends_verification(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="ines.caron@exemple.test")
    assert (user.first_name, user.last_name) == ("Inès", "Caron")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert "/comptes/confirm-email/" in mail.outbox[0].body


@pytest.mark.django_db
def test_unverified_user_cannot_log_in(client):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    mail.outbox.clear()
    response = client.post(
        reverse("account_login"),
        {"login": SIGNUP["email"], "password": SIGNUP["password1"]},
    )
    # allauth sends a new verification link and does not open a session.
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_signup_with_existing_email_reveals_nothing_and_tells_the_owner(client):
    factories.UserFactory(email="deja@exemple.test")
    fresh = client.post(reverse("account_signup"), {**SIGNUP, "email": "nouvelle@exemple.test"})
    client.logout()
    mail.outbox.clear()
    taken = client.post(reverse("account_signup"), {**SIGNUP, "email": "Deja@Exemple.test"})
    # The same answer as a new address: no one learns that the address has an account...
    assert (taken.status_code, taken.url) == (fresh.status_code, fresh.url)
    assert User.objects.filter(email__iexact="deja@exemple.test").count() == 1
    # ...but its owner is told by e-mail.
    assert [m.to for m in mail.outbox] == [["deja@exemple.test"]]


@pytest.mark.django_db
def test_password_reset_answers_the_same_for_an_unknown_address(client):
    unknown = client.post(reverse("account_reset_password"), {"email": "personne@exemple.test"})
    factories.UserFactory(email="oubli@exemple.test")
    known = client.post(reverse("account_reset_password"), {"email": "oubli@exemple.test"})
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password, fragment",
    [
        ("court", "10 caractères"),
        ("1234567890123", "entièrement numérique"),
        ("motdepasse", "trop courant"),
    ],
)
def test_signup_with_weak_password_is_refused(client, password, fragment):
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "password1": password, "password2": password}
    )
    assert response.status_code == 200
    assert fragment in " ".join(response.context["form"].errors["password1"])
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_requires_names(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "first_name": "", "last_name": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"first_name", "last_name"}
    assert not User.objects.exists()


@pytest.mark.django_db
def test_login_with_email_then_logout(client):
    user = factories.UserFactory(email="claire@exemple.test")
    response = client.post(
        reverse("account_login"),
        {"login": "CLAIRE@exemple.test", "password": factories.DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_sends_a_link(client):
    factories.UserFactory(email="oubli@exemple.test")
    response = client.post(reverse("account_reset_password"), {"email": "oubli@exemple.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/comptes/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_password_change(client_for):
    user = factories.UserFactory()
    client = client_for(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": factories.DEFAULT_PASSWORD,
            "password1": "nouvelle-phrase-solide",
            "password2": "nouvelle-phrase-solide",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("nouvelle-phrase-solide")


@pytest.mark.django_db
def test_any_user_can_turn_on_totp_two_factor(client):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    user = factories.UserFactory()
    client.post(
        reverse("account_login"), {"login": user.email, "password": factories.DEFAULT_PASSWORD}
    )
    # Turning 2FA on asks for the password again first.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.url.startswith(reverse("account_reauthenticate"))
    client.post(response.url, {"password": factories.DEFAULT_PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = response.context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
