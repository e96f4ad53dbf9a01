"""A trainer invites someone who has no account yet: an e-mail with a sign-up link that lands
on the session."""

import pytest
from django.core import mail
from django.urls import reverse

from core.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return factories.make_session(participants=1)


def _manage(session):
    return reverse("trainings:session_manage", args=[session.pk])


def test_unknown_address_offers_an_invitation(client_for, session):
    client = client_for(session.trainers.get())
    response = client.post(
        reverse("trainings:participant_add", args=[session.pk]), {"email": "nouvelle@exemple.fr"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Aucun compte n&#x27;utilise l&#x27;adresse nouvelle@exemple.fr" in page
    assert reverse("trainings:participant_invite", args=[session.pk]) in page
    assert 'name="email" value="nouvelle@exemple.fr"' in page


def test_invitation_e_mail_links_sign_up_to_the_session(
    client_for, session, django_capture_on_commit_callbacks
):
    trainer = session.trainers.get()
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("trainings:participant_invite", args=[session.pk]),
            {"email": "Nouvelle@Exemple.fr"},
        )
    assert response.status_code == 302 and response.url == _manage(session)
    (message,) = mail.outbox
    assert message.to == ["Nouvelle@exemple.fr"]
    assert session.title in message.subject
    body = message.body
    assert trainer.get_full_name() in body
    assert (
        "/accounts/signup/?next=%2Fformations%2Fsessions%2F"
        in body.replace("/comptes/", "/accounts/")
        or "signup" in body
    )
    assert f"sessions%2F{session.pk}%2F" in body
    # The audit log says an invitation was sent, never to whom.
    entry = AuditLog.objects.get(action="session.invite_participant")
    assert "exemple" not in str(entry.data).lower()


def test_invitation_refusals(client_for, session, django_capture_on_commit_callbacks):
    client = client_for(session.trainers.get())
    url = reverse("trainings:participant_invite", args=[session.pk])
    known = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": known.email.upper()})
    assert response.status_code == 400
    assert "a déjà un compte" in response.content.decode()
    response = client.post(url, {"email": "pas une adresse"})
    assert response.status_code == 400
    # Draft or started sessions cannot be joined: no invitation.
    draft = factories.make_session(status="draft")
    client = client_for(draft.trainers.get())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("trainings:participant_invite", args=[draft.pk]), {"email": "x@exemple.fr"}
        )
    assert response.status_code == 400
    assert "session publiée qui n&#x27;a pas commencé" in response.content.decode()
    assert mail.outbox == []


def test_only_the_sessions_trainers_invite(client_for, session):
    url = reverse("trainings:participant_invite", args=[session.pk])
    for user in (factories.UserFactory(), factories.make_session().trainers.get()):
        assert client_for(user).post(url, {"email": "x@exemple.fr"}).status_code in (403, 404)
    assert client_for(session.trainers.get()).get(url).status_code == 405


def test_invitations_are_rate_limited(client_for, session, settings):
    settings.SOCLE_RATE_LIMITS = {**settings.SOCLE_RATE_LIMITS, "participant_invite": "2/h/user"}
    client = client_for(session.trainers.get())
    url = reverse("trainings:participant_invite", args=[session.pk])
    statuses = [client.post(url, {"email": f"p{n}@exemple.fr"}).status_code for n in range(3)]
    assert statuses == [302, 302, 400]
