"""A registration with attendance (present or late) can no longer be cancelled: hours count only
for active registrations, so cancelling would silently erase hours the person attended."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories
from trainings.models import AttendanceStatus, RegistrationStatus
from trainings.selectors.attendance import attended_hours
from trainings.services import attendance as attendance_services
from trainings.services import registrations as services

pytestmark = pytest.mark.django_db

REFUSED_FOR_TRAINER = "Cette personne a déjà émargé à cette session"
REFUSED_FOR_SELF = "Vous avez déjà émargé à cette session"


@pytest.fixture
def running():
    """A session whose first slot started an hour ago, with two registered participants."""
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    return factories.make_session(participants=2, slots=2, start=start)


def _parts(session):
    registrations = list(session.registrations.select_related("user").order_by("pk"))
    return session.trainers.get(), session.slots.order_by("starts_at").first(), registrations


def _refused(actor, registration):
    with pytest.raises(DomainError) as error:
        services.registration_cancel(actor=actor, registration=registration)
    assert error.value.code == "has_attendance"
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
    assert not AuditLog.objects.filter(action="registration.cancel").exists()
    return error.value


@pytest.mark.parametrize("status", [AttendanceStatus.PRESENT, AttendanceStatus.LATE])
def test_trainer_cannot_remove_someone_who_attended(running, status):
    trainer, slot, (registration, _other) = _parts(running)
    factories.AttendanceFactory(slot=slot, registration=registration, status=status)
    error = _refused(trainer, registration)
    assert REFUSED_FOR_TRAINER in error.message
    assert attended_hours(registration.user, running) > 0


def test_hub_cannot_cancel_it_either(running, hub_user):
    _trainer, slot, (registration, _other) = _parts(running)
    factories.AttendanceFactory(slot=slot, registration=registration)
    _refused(hub_user, registration)


@pytest.mark.parametrize("status", [AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED])
def test_absent_or_excused_marks_do_not_prevent_cancelling(running, status):
    trainer, slot, (registration, _other) = _parts(running)
    factories.AttendanceFactory(slot=slot, registration=registration, status=status)
    services.registration_cancel(actor=trainer, registration=registration)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_a_corrected_mark_no_longer_counts(running):
    """Only the current mark counts: a "present" the trainer corrected to "absent" (the way to
    undo a mistaken mark) no longer prevents the removal."""
    trainer, slot, (registration, _other) = _parts(running)
    attendance_services.attendance_record(
        actor=trainer, slot=slot, registration=registration, status="present"
    )
    attendance_services.attendance_record(
        actor=trainer, slot=slot, registration=registration, status="absent"
    )
    services.registration_cancel(actor=trainer, registration=registration)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_a_mark_recorded_while_waiting_for_the_lock_is_seen(running, monkeypatch):
    """The check is made again once the session is locked: a mark committed by another request
    between the first check and the lock is not missed."""
    trainer, slot, (registration, _other) = _parts(running)
    real_lock = services.lock

    def lock_after_a_concurrent_mark(session):
        factories.AttendanceFactory(slot=slot, registration=registration)
        return real_lock(session)

    monkeypatch.setattr(services, "lock", lock_after_a_concurrent_mark)
    _refused(trainer, registration)


def test_participant_who_signed_at_the_start_cannot_cancel(run_on_commit):
    """Signing opens when the slot starts (never before: no hours credited in advance); someone
    who signed in its first minutes has attended."""
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=2)
    session = factories.make_session(participants=1, slots=1, start=start)
    trainer, slot, (registration,) = _parts(session)
    code = attendance_services.slot_sign_code_get_or_create(actor=trainer, slot=slot)
    attendance_services.attendance_sign_with_code(actor=registration.user, code=code.code)
    error = _refused(registration.user, registration)
    assert REFUSED_FOR_SELF in error.message


# Views ----------------------------------------------------------------------------------------


def test_remove_view_shows_why_and_the_page_offers_no_button(client_for, running):
    trainer, slot, (attended, other) = _parts(running)
    factories.AttendanceFactory(slot=slot, registration=attended)
    client = client_for(trainer)
    url = reverse("trainings:participant_remove", args=[running.pk, attended.pk])
    page = client.post(url, follow=True).content.decode()
    assert REFUSED_FOR_TRAINER in page
    attended.refresh_from_db()
    assert attended.status == RegistrationStatus.REGISTERED
    # The page itself no longer offers the button for that person, but does for the other.
    assert f"Retirer {attended.user.get_full_name()}" not in page
    assert "A émargé : ne peut plus être retiré·e" in page
    assert f"Retirer {other.user.get_full_name()}" in page


def test_participant_pages_show_why_instead_of_the_cancel_button(client_for):
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=20)
    session = factories.make_session(participants=1, slots=1, start=start)
    _trainer, slot, (registration,) = _parts(session)
    factories.AttendanceFactory(slot=slot, registration=registration)
    client = client_for(registration.user)
    cancel_url = reverse("trainings:registration_cancel", args=[registration.pk])
    detail = client.get(reverse("trainings:session_detail", args=[session.pk])).content.decode()
    assert REFUSED_FOR_SELF in detail and cancel_url not in detail
    mine = client.get(reverse("trainings:my_registrations")).content.decode()
    assert "Vous avez émargé" in mine and cancel_url not in mine
    refused = client.post(cancel_url, {"next": "session"}, follow=True).content.decode()
    assert REFUSED_FOR_SELF in refused


def test_manage_page_queries_do_not_grow_with_attended_people(
    client_for, django_assert_max_num_queries
):
    def queries(participants):
        session = factories.make_session(participants=participants)
        slot = session.slots.first()
        for registration in session.registrations.all():
            factories.AttendanceFactory(slot=slot, registration=registration)
        client = client_for(session.trainers.get())
        with django_assert_max_num_queries(50) as captured:
            client.get(reverse("trainings:session_manage", args=[session.pk]))
        return len(captured.captured_queries)

    assert queries(2) == queries(20)
