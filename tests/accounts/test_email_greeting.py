"""Account e-mails greet from Socle, not from the address the server answers on."""

import pytest
from django.core import mail
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_password_reset_email_says_it_comes_from_socle(client):
    person = factories.UserFactory()
    client.post(reverse("account_reset_password"), {"email": person.email}, HTTP_HOST="127.0.0.1")
    (message,) = mail.outbox
    assert message.subject.startswith("[Socle]")
    assert message.body.startswith("Bonjour, c'est Socle !")
    assert "127.0.0.1 !" not in message.body
