import datetime

import pytest
from django.utils import timezone

from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories
from trainings.models import Registration
from trainings.services import registrations as services

from .conftest import at

pytestmark = pytest.mark.django_db


def _refused(code, func, **kwargs):
    with pytest.raises(DomainError) as error:
        func(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value


@pytest.fixture
def session(db):
    session = factories.make_session()
    session.capacity = 2
    session.save()
    return session


def test_register_then_waiting_list_when_full(session, run_on_commit, mailoutbox):
    users = factories.UserFactory.create_batch(3)
    results = [
        run_on_commit(services.registration_register, actor=u, session=session) for u in users
    ]
    assert [r.status for r in results] == ["registered", "registered", "waiting"]
    assert AuditLog.objects.filter(action="registration.create").count() == 3
    assert [m.to[0] for m in mailoutbox] == [u.email for u in users]
    confirmation, _second, waiting = mailoutbox
    assert "Inscription confirmée" in confirmation.subject
    calendar = confirmation.attachments[0]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content().count("BEGIN:VEVENT") == 2
    assert "liste d'attente" in waiting.body
    assert waiting.attachments == []


def test_double_registration_is_refused(session):
    user = factories.UserFactory()
    services.registration_register(actor=user, session=session)
    error = _refused(
        "already_registered", services.registration_register, actor=user, session=session
    )
    assert "déjà inscrit" in error.message
    assert Registration.objects.filter(user=user).count() == 1


def test_double_waiting_is_refused_too(session):
    factories.RegistrationFactory.create_batch(2, session=session)
    user = factories.UserFactory()
    services.registration_register(actor=user, session=session)
    error = _refused(
        "already_registered", services.registration_register, actor=user, session=session
    )
    assert "liste d'attente" in error.message


def test_database_constraint_backs_the_check(session):
    """Even if the check were bypassed, the partial unique constraint refuses a second row."""
    from django.db import IntegrityError, transaction

    user = factories.UserFactory()
    factories.RegistrationFactory(session=session, user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.RegistrationFactory(session=session, user=user, status="waiting")
    # A cancelled one does not count: registering again after cancelling is allowed.
    Registration.objects.filter(user=user).update(status="cancelled")
    assert services.registration_register(actor=user, session=session).status == "registered"


def test_trainers_cannot_register_to_their_session(session):
    trainer = session.trainers.get()
    _refused(
        "trainer_cannot_register", services.registration_register, actor=trainer, session=session
    )
    assert not Registration.objects.exists()


@pytest.mark.parametrize("status", ["draft", "cancelled", "closed", "held"])
def test_no_registration_unless_published(status):
    session = factories.make_session(status=status, start=at(3))
    _refused(
        "session_not_open",
        services.registration_register,
        actor=factories.UserFactory(),
        session=session,
    )


def test_no_registration_once_started():
    session = factories.make_session(start=timezone.now() - datetime.timedelta(hours=1))
    _refused(
        "session_started",
        services.registration_register,
        actor=factories.UserFactory(),
        session=session,
    )


def test_cancel_promotes_the_first_waiting_person(session, run_on_commit, mailoutbox):
    first, second = factories.RegistrationFactory.create_batch(2, session=session)
    early = factories.UserFactory()
    late = factories.UserFactory()
    # The waiting list is served by status_changed_at, not by primary key.
    late_waiting = factories.RegistrationFactory(
        session=session, user=late, status="waiting", status_changed_at=timezone.now()
    )
    early_waiting = factories.RegistrationFactory(
        session=session,
        user=early,
        status="waiting",
        status_changed_at=timezone.now() - datetime.timedelta(hours=2),
    )
    run_on_commit(services.registration_cancel, actor=first.user, registration=first)
    first.refresh_from_db()
    early_waiting.refresh_from_db()
    late_waiting.refresh_from_db()
    assert first.status == "cancelled"
    assert early_waiting.status == "registered"
    assert late_waiting.status == "waiting"
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert "Inscription annulée" in subjects[first.user.email]
    assert "Une place s'est libérée" in subjects[early.email]
    cancel = next(m for m in mailoutbox if m.to == [first.user.email]).attachments[0]
    assert cancel.get_param("method") == "CANCEL"
    promoted = next(m for m in mailoutbox if m.to == [early.email]).attachments[0]
    assert promoted.get_param("method") == "REQUEST"
    assert AuditLog.objects.filter(action="registration.promote").count() == 1


def test_cancelling_a_waiting_registration_promotes_nobody(session):
    factories.RegistrationFactory.create_batch(2, session=session)
    waiting = factories.RegistrationFactory(session=session, status="waiting")
    other = factories.RegistrationFactory(session=session, status="waiting")
    services.registration_cancel(actor=waiting.user, registration=waiting)
    other.refresh_from_db()
    assert other.status == "waiting"


@pytest.mark.parametrize("status", ["published", "held"])
def test_a_place_freed_after_the_end_goes_to_nobody(status):
    """Removing someone from a finished session promoted the first waiting person, who then
    counted as a participant of a session they never attended."""
    session = factories.make_session(participants=2, start=at(-3), status=status)
    session.capacity = 2
    session.save()
    waiting = factories.RegistrationFactory(session=session, status="waiting")
    removed = session.registrations.filter(status="registered").first()
    services.registration_cancel(actor=session.trainers.get(), registration=removed)
    waiting.refresh_from_db()
    assert waiting.status == "waiting"
    assert not AuditLog.objects.filter(action="registration.promote").exists()


def test_participant_cannot_cancel_after_start_but_trainer_can():
    session = factories.make_session(
        participants=1, start=timezone.now() - datetime.timedelta(hours=1)
    )
    registration = session.registrations.get()
    _refused(
        "session_started",
        services.registration_cancel,
        actor=registration.user,
        registration=registration,
    )
    trainer = session.trainers.get()
    assert (
        services.registration_cancel(actor=trainer, registration=registration).status == "cancelled"
    )


def test_stranger_cannot_cancel_someone_else(session):
    registration = factories.RegistrationFactory(session=session)
    _refused(
        "not_session_trainer",
        services.registration_cancel,
        actor=factories.UserFactory(),
        registration=registration,
    )
    registration.refresh_from_db()
    assert registration.status == "registered"


def test_cancel_twice_and_on_frozen_sessions_is_refused(session):
    registration = factories.RegistrationFactory(session=session)
    services.registration_cancel(actor=registration.user, registration=registration)
    _refused(
        "already_cancelled",
        services.registration_cancel,
        actor=registration.user,
        registration=registration,
    )
    closed = factories.make_session(status="closed", participants=1)
    _refused(
        "session_frozen",
        services.registration_cancel,
        actor=closed.trainers.get(),
        registration=closed.registrations.get(),
    )


def test_trainer_adds_a_participant(session, run_on_commit, mailoutbox):
    trainer = session.trainers.get()
    user = factories.UserFactory()
    registration = run_on_commit(
        services.registration_add_by_trainer, actor=trainer, session=session, user=user
    )
    assert registration.status == "registered" and registration.added_by == trainer
    assert mailoutbox[0].to == [user.email]
    assert trainer.get_full_name() in mailoutbox[0].body
    _refused(
        "already_registered",
        services.registration_add_by_trainer,
        actor=trainer,
        session=session,
        user=user,
    )


def test_trainer_add_refused_when_full_frozen_or_not_trainer(session):
    trainer = session.trainers.get()
    factories.RegistrationFactory.create_batch(2, session=session)
    error = _refused(
        "session_full",
        services.registration_add_by_trainer,
        actor=trainer,
        session=session,
        user=factories.UserFactory(),
    )
    assert "2 places sur 2" in error.message
    _refused(
        "not_session_trainer",
        services.registration_add_by_trainer,
        actor=factories.UserFactory(),
        session=session,
        user=factories.UserFactory(),
    )
    _refused(
        "trainer_cannot_register",
        services.registration_add_by_trainer,
        actor=trainer,
        session=session,
        user=trainer,
    )
    closed = factories.make_session(status="closed")
    _refused(
        "session_frozen",
        services.registration_add_by_trainer,
        actor=closed.trainers.get(),
        session=closed,
        user=factories.UserFactory(),
    )
    assert session.registrations.count() == 2


def test_hub_can_add_to_a_past_session_without_email(hub_user, run_on_commit, mailoutbox):
    past = factories.make_session(status="held")
    registration = run_on_commit(
        services.registration_add_by_trainer,
        actor=hub_user,
        session=past,
        user=factories.UserFactory(),
    )
    assert registration.status == "registered"
    assert mailoutbox == []


def test_reminders_are_sent_once_for_tomorrow(run_on_commit, mailoutbox):
    tomorrow = factories.make_session(participants=2, start=at(1, 9))
    later = factories.make_session(participants=1, start=at(3, 9))
    factories.RegistrationFactory(session=tomorrow, status="waiting")
    assert run_on_commit(services.registrations_send_reminders) == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        r.user.email for r in tomorrow.registrations.filter(status="registered")
    )
    assert all("Rappel" in m.subject for m in mailoutbox)
    assert mailoutbox[0].attachments[0].get_param("method") == "REQUEST"
    assert run_on_commit(services.registrations_send_reminders) == 0
    assert len(mailoutbox) == 2
    assert not later.registrations.filter(reminder_sent_at__isnull=False).exists()


def test_reminder_task_and_command(run_on_commit, mailoutbox):
    from django.core.management import call_command

    factories.make_session(participants=1, start=at(1, 14))
    with_callbacks = run_on_commit(call_command, "send_session_reminders", "--now")
    assert with_callbacks is None
    assert len(mailoutbox) == 1
    # Enqueued (immediate backend in tests): nothing left to send.
    run_on_commit(call_command, "send_session_reminders")
    assert len(mailoutbox) == 1
    assert Registration.objects.filter(reminder_sent_at__isnull=False).count() == 1


def test_mark_sessions_held_command():
    from django.core.management import call_command

    past = factories.make_session(start=at(-3))
    call_command("mark_sessions_held", "--now")
    past.refresh_from_db()
    assert past.status == "held"
