"""One scenario per journey, through the pages: a trainer creates and runs a session, a mediator
registers, the waiting list is promoted when a place frees up."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.session_form_data import management, slot_fields
from trainings.models import Registration, Session, Slot
from trainings.services import sessions as session_services

from .conftest import at

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"trainings:{name}", args=args)


def test_trainer_creates_publishes_runs_and_closes_a_session(
    client, trainer, reference, bloc1, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(trainer)
    # Mes sessions → Créer une session.
    assert "Créer une session" in client.get(_url("my_sessions")).content.decode()
    competences = list(bloc1.competences.order_by("code"))[:2]
    data = {
        "title": "Diagnostic numérique",
        "version": reference.pk,
        "competences": [c.pk for c in competences],
        "format": "onsite",
        "address": "Médiathèque, 1 place du Théâtre, Arras",
        "capacity": "3",
        **management(2),
        **slot_fields(0, at(4, 9), at(4, 12, 30)),
        **slot_fields(1, at(4, 13, 30), at(4, 17)),
    }
    response = client.post(_url("session_create"), data, follow=True)
    session = Session.objects.get()
    assert "brouillon" in response.content.decode()
    client.post(_url("session_publish", session.pk))
    session.refresh_from_db()
    assert session.status == "published"

    # Two mediators register on their own; the trainer adds a third.
    with django_capture_on_commit_callbacks(execute=True):
        for mediator in factories.UserFactory.create_batch(2):
            client.force_login(mediator)
            client.post(_url("register", session.pk))
        client.force_login(trainer)
        walk_in = factories.UserFactory()
        client.post(_url("participant_add", session.pk), {"email": walk_in.email})
    assert session.registrations.filter(status="registered").count() == 3
    assert len(mailoutbox) == 3
    page = client.get(_url("session_manage", session.pk)).content.decode()
    assert walk_in.email in page and "3 inscrit·es sur 3 places" in page

    # The days go by; once the last slot has ended the trainer closes the session.
    Slot.objects.filter(session=session).update(
        starts_at=timezone.now() - datetime.timedelta(days=1, hours=4),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )
    Slot.objects.filter(pk=session.slots.order_by("pk").last().pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=4),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    Session.objects.filter(pk=session.pk).update(
        ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    closed = []
    session_services.register_on_close(closed.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            # The confirmation page first, then the confirmed close.
            assert "Clôturer la session" in client.get(_url("session_close", session.pk)).text
            response = client.post(_url("session_close", session.pk), {"confirm": "1"}, follow=True)
    finally:
        session_services._on_close_callbacks.remove(closed.append)
    assert "La session est clôturée" in response.content.decode()
    session.refresh_from_db()
    assert session.is_frozen and [s.pk for s in closed] == [session.pk]
    # Frozen: nobody can be added any more.
    client.post(_url("participant_add", session.pk), {"email": factories.UserFactory().email})
    assert session.registrations.count() == 3


def test_mediator_finds_registers_downloads_and_cancels(
    client, user, django_capture_on_commit_callbacks, mailoutbox
):
    session = factories.make_session(participants=1)
    client.force_login(user)
    listing = client.get(_url("session_list")).content.decode()
    assert session.title in listing
    detail = client.get(_url("session_detail", session.pk)).content.decode()
    assert "S&#x27;inscrire" in detail or "S'inscrire" in detail
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("register", session.pk))
    registration = Registration.objects.get(user=user)
    assert registration.status == "registered"
    (message,) = mailoutbox
    assert message.to == [user.email]
    assert message.attachments[0].get_content_type() == "text/calendar"

    mine = client.get(_url("my_registrations")).content.decode()
    assert session.title in mine
    ics = client.get(_url("registration_ics", registration.pk))
    assert ics.content.decode().count("BEGIN:VEVENT") == 2

    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("registration_cancel", registration.pk))
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    assert "annulée" in mailoutbox[-1].subject


def test_waiting_list_promotion(client, django_capture_on_commit_callbacks, mailoutbox):
    session = factories.make_session()
    session.capacity = 1
    session.save()
    first, second, third = factories.UserFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        for mediator in (first, second, third):
            client.force_login(mediator)
            client.post(_url("register", session.pk))
    statuses = dict(Registration.objects.values_list("user_id", "status"))
    assert statuses == {first.pk: "registered", second.pk: "waiting", third.pk: "waiting"}
    client.force_login(third)
    page = client.get(_url("session_detail", session.pk)).content.decode()
    assert "Position : 2." in page

    mailoutbox.clear()
    client.force_login(first)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("registration_cancel", Registration.objects.get(user=first).pk))
    statuses = dict(Registration.objects.values_list("user_id", "status"))
    assert statuses == {first.pk: "cancelled", second.pk: "registered", third.pk: "waiting"}
    promoted = next(m for m in mailoutbox if m.to == [second.email])
    assert "Une place s'est libérée" in promoted.subject
    assert promoted.attachments[0].get_param("method") == "REQUEST"
    client.force_login(third)
    assert "Position : 1." in client.get(_url("session_detail", session.pk)).content.decode()
