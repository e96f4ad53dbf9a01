"""The hub invites a future trainer without an account; the accreditations follow acceptance."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from tests import factories
from trainings.models import TrainerAccreditation, TrainerInvitation
from trainings.services import invitations

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(db):
    return factories.HubCoordinatorFactory()


@pytest.fixture
def bloc(db):
    return factories.make_reference(blocs=2).blocs.get(code="B1")


def _grant_form(bloc, email, **extra):
    today = timezone.localdate()
    return {
        "email": email,
        "blocs": [bloc.pk],
        "valid_from": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=365)).isoformat(),
        "note": "",
        **extra,
    }


def _link(message):
    return re.search(r"(/formations/invitation/[^\s]+/)", message.body).group(1)


def test_an_unknown_address_is_refused_unless_the_hub_asks_to_invite(
    client, hub, bloc, django_capture_on_commit_callbacks
):
    client.force_login(hub)
    url = reverse("trainings:accreditation_grant")
    response = client.post(url, _grant_form(bloc, "nouvelle@example.org"))
    assert response.status_code == 400
    assert "envoyer une invitation" in response.content.decode()
    assert not TrainerInvitation.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _grant_form(bloc, "Nouvelle@Example.org", invite="on"))
    assert response.status_code == 302
    invitation = TrainerInvitation.objects.get()
    assert invitation.email == "nouvelle@example.org"
    assert [m.to for m in mail.outbox] == [["nouvelle@example.org"]]
    assert "B1" in mail.outbox[0].body
    entry = AuditLog.objects.get(action="invitation.send")
    assert "nouvelle@example.org" not in entry.target_repr
    page = client.get(reverse("trainings:accreditation_list")).content.decode()
    assert "nouvelle@example.org" in page and "Invitation en attente (1)" in page


def test_the_invited_person_signs_up_then_accepts_and_is_accredited(
    client, hub, bloc, django_capture_on_commit_callbacks
):
    client.force_login(hub)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("trainings:accreditation_grant"),
            _grant_form(bloc, "nouvelle@example.org", invite="on"),
        )
    link = _link(mail.outbox[0])
    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Créer mon compte" in page.content.decode()
    # Accepting needs an account.
    assert client.post(link).status_code == 302
    assert not TrainerAccreditation.objects.exists()

    person = factories.UserFactory(email="nouvelle@example.org")
    client.force_login(person)
    assert "Accepter l'invitation" in client.get(link).content.decode()
    response = client.post(link)
    assert response.status_code == 302
    accreditation = TrainerAccreditation.objects.get(user=person)
    assert accreditation.bloc == bloc and accreditation.granted_by == hub
    invitation = TrainerInvitation.objects.get()
    assert invitation.accepted_by == person
    # The link has served: it no longer works.
    assert client.get(link).status_code == 404


def test_someone_else_cannot_accept_and_forged_links_are_refused(client, hub, bloc):
    today = timezone.localdate()
    invitation = invitations.invitation_create(
        actor=hub,
        email="nouvelle@example.org",
        blocs=[bloc],
        valid_from=today,
        valid_until=today + datetime.timedelta(days=30),
    )
    link = reverse("trainings:invitation", args=[invitations.invitation_token(invitation)])
    intruder = factories.UserFactory()
    client.force_login(intruder)
    assert "Accepter l'invitation" not in client.get(link).content.decode()
    client.post(link)
    assert not TrainerAccreditation.objects.exists()
    forged = reverse("trainings:invitation", args=["eyJpZCI6MX0:1abc:forged"])
    assert client.get(forged).status_code == 404


def test_sending_again_voids_the_previous_link_and_cancelled_or_expired_links_fail(
    client, hub, bloc
):
    today = timezone.localdate()
    kwargs = {
        "actor": hub,
        "email": "nouvelle@example.org",
        "blocs": [bloc],
        "valid_from": today,
        "valid_until": today + datetime.timedelta(days=30),
    }
    first = invitations.invitation_create(**kwargs)
    old_token = invitations.invitation_token(first)
    second = invitations.invitation_create(**kwargs)
    assert first.pk == second.pk and TrainerInvitation.objects.count() == 1
    assert invitations.invitation_from_token(old_token) is None
    token = invitations.invitation_token(second)
    assert invitations.invitation_from_token(token) == second
    TrainerInvitation.objects.filter(pk=second.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert invitations.invitation_from_token(token) is None
    TrainerInvitation.objects.filter(pk=second.pk).update(
        expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    invitations.invitation_cancel(actor=hub, invitation=second)
    assert invitations.invitation_from_token(token) is None


def test_an_existing_account_is_accredited_directly_not_invited(hub, bloc):
    from core.exceptions import DomainError

    person = factories.UserFactory()
    today = timezone.localdate()
    with pytest.raises(DomainError) as error:
        invitations.invitation_create(
            actor=hub, email=person.email.upper(), blocs=[bloc], valid_from=today, valid_until=today
        )
    assert error.value.code == "account_exists"


def test_only_the_hub_invites_cancels_or_resends(client, hub, bloc):
    from core.exceptions import DomainError

    trainer = factories.UserFactory()
    today = timezone.localdate()
    with pytest.raises(DomainError):
        invitations.invitation_create(
            actor=trainer, email="x@example.org", blocs=[bloc], valid_from=today, valid_until=today
        )
    invitation = invitations.invitation_create(
        actor=hub, email="x@example.org", blocs=[bloc], valid_from=today, valid_until=today
    )
    client.force_login(trainer)
    for name in ("trainings:invitation_cancel", "trainings:invitation_resend"):
        assert client.post(reverse(name, args=[invitation.pk])).status_code == 403
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_an_invitation_from_someone_no_longer_coordinating_cannot_be_accepted(hub, bloc):
    from accounts.services import user_set_hub_coordinator
    from core.exceptions import DomainError

    today = timezone.localdate()
    invitation = invitations.invitation_create(
        actor=hub, email="x@example.org", blocs=[bloc], valid_from=today, valid_until=today
    )
    user_set_hub_coordinator(actor=hub, user=hub, is_coordinator=False)
    person = factories.UserFactory(email="x@example.org")
    with pytest.raises(DomainError) as error:
        invitations.invitation_accept(user=person, invitation=invitation)
    assert error.value.code == "inviter_gone"
    assert not TrainerAccreditation.objects.filter(user=person).exists()
