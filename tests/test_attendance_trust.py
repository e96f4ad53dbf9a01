"""Attendance a funder can trust: no mark before its slot starts, whatever the way in (trainer,
« tous présent·es », sign code, QR, import), « tous présent·es » per half-day that never
overwrites a mark, slots of a sensible length, and hours that read « 3 h 40 »."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from core.audit import AuditLog
from core.exceptions import DomainError
from tests import factories
from trainings.formatting import format_hours
from trainings.models import Attendance, AttendanceMethod, AttendanceStatus, SessionStatus
from trainings.services import attendance as services
from trainings.services.session_rules import (
    MAX_SLOT_HOURS,
    MIN_SLOT_MINUTES,
    SlotInput,
    validate_slots,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def running():
    """A session whose first slot started an hour ago and whose second starts later today."""
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    return factories.make_session(participants=3, slots=2, start=start)


def _slots(session):
    return list(session.slots.order_by("starts_at"))


def _registrations(session):
    return list(session.registrations.select_related("user").order_by("pk"))


# No mark before the slot starts ----------------------------------------------------------------


def test_signing_with_the_code_opens_when_the_slot_starts_not_before(running):
    trainer = running.trainers.get()
    later = _slots(running)[1]
    participant = _registrations(running)[0].user
    code = services.slot_sign_code_get_or_create(actor=trainer, slot=later)
    for minutes_before in (60, 20, 1):
        with pytest.raises(DomainError) as error:
            services.attendance_sign_with_code(
                actor=participant,
                code=code.code,
                now=later.starts_at - datetime.timedelta(minutes=minutes_before),
            )
        assert error.value.code == "slot_not_started"
        assert error.value.field == "code"
        assert "n'a pas encore commencé" in error.value.message
    assert not Attendance.objects.exists()
    mark = services.attendance_sign_with_code(
        actor=participant, code=code.code, now=later.starts_at
    )
    assert mark.slot == later and mark.method == AttendanceMethod.CODE


def test_the_qr_code_is_refused_before_the_slot_starts(running):
    trainer = running.trainers.get()
    later = _slots(running)[1]
    code = services.slot_sign_code_get_or_create(actor=trainer, slot=later)
    with pytest.raises(DomainError) as error:
        services.attendance_sign_with_token(
            actor=_registrations(running)[0].user,
            token=code.token,
            now=later.starts_at - datetime.timedelta(minutes=10),
        )
    assert error.value.code == "slot_not_started"
    assert not Attendance.objects.exists()


def test_the_sign_page_explains_a_code_typed_too_early(client_for, running):
    trainer = running.trainers.get()
    later = _slots(running)[1]
    code = services.slot_sign_code_get_or_create(actor=trainer, slot=later)
    response = client_for(_registrations(running)[0].user).post(
        reverse("trainings:attendance_sign"), {"code": code.code}
    )
    assert response.status_code == 400
    assert "pas encore commencé" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_trainer_cannot_mark_a_future_slot_in_advance(running):
    with pytest.raises(DomainError) as error:
        services.attendance_record(
            actor=running.trainers.get(),
            slot=_slots(running)[1],
            registration=_registrations(running)[0],
            status=AttendanceStatus.PRESENT,
        )
    assert error.value.code == "slot_not_started"


# « Tous présent·es » ---------------------------------------------------------------------------


def test_all_present_marks_only_the_people_without_a_mark(running):
    trainer = running.trainers.get()
    slot = _slots(running)[0]
    first, second, third = _registrations(running)
    services.attendance_record(
        actor=trainer, slot=slot, registration=first, status=AttendanceStatus.ABSENT
    )
    code = services.slot_sign_code_get_or_create(actor=trainer, slot=slot)
    services.attendance_sign_with_code(actor=second.user, code=code.code)
    factories.RegistrationFactory(session=running, status="waiting")

    created = services.attendance_mark_all_present(actor=trainer, slot=slot)

    assert created == 1
    current = {
        mark.registration_id: mark for mark in Attendance.objects.filter(slot=slot, is_current=True)
    }
    assert current[first.pk].status == AttendanceStatus.ABSENT  # never overwritten
    assert current[second.pk].method == AttendanceMethod.CODE  # the signature stays
    assert current[third.pk].status == AttendanceStatus.PRESENT
    assert current[third.pk].method == AttendanceMethod.TRAINER
    assert current[third.pk].recorded_by == trainer
    assert len(current) == 3  # the waiting list is not marked
    # Audited like a single mark, with what it was part of.
    entry = AuditLog.objects.filter(action="attendance.record", target_id=str(current[third.pk].pk))
    assert entry.get().data["batch"] == "all_present"
    # Twice: nothing more.
    assert services.attendance_mark_all_present(actor=trainer, slot=slot) == 0
    assert Attendance.objects.filter(slot=slot).count() == 3


def test_all_present_appends_to_the_history(running):
    """A mark made non-current by a correction is history; « tous présent·es » only looks at
    current marks and adds a new one beside the history."""
    trainer = running.trainers.get()
    slot = _slots(running)[0]
    first = _registrations(running)[0]
    services.attendance_record(actor=trainer, slot=slot, registration=first, status="absent")
    services.attendance_record(actor=trainer, slot=slot, registration=first, status="late")
    assert services.attendance_mark_all_present(actor=trainer, slot=slot) == 2
    marks = Attendance.objects.filter(slot=slot, registration=first).order_by("pk")
    assert [(m.status, m.is_current) for m in marks] == [("absent", False), ("late", True)]


def test_all_present_is_refused_before_the_slot_starts(running):
    with pytest.raises(DomainError) as error:
        services.attendance_mark_all_present(actor=running.trainers.get(), slot=_slots(running)[1])
    assert error.value.code == "slot_not_started"
    assert not Attendance.objects.exists()


def test_all_present_is_refused_on_a_closed_session():
    session = factories.make_session(participants=2, slots=2, status=SessionStatus.HELD)
    trainer = session.trainers.get()
    from trainings.services.sessions import session_close

    session_close(actor=trainer, session=session)
    with pytest.raises(DomainError) as error:
        services.attendance_mark_all_present(actor=trainer, slot=_slots(session)[0])
    assert error.value.code == "session_frozen"
    assert not Attendance.objects.exists()


def test_all_present_is_refused_to_someone_else(running):
    with pytest.raises(DomainError) as error:
        services.attendance_mark_all_present(actor=factories.UserFactory(), slot=_slots(running)[0])
    assert error.value.code == "not_session_trainer"
    assert not Attendance.objects.exists()


def test_all_present_without_javascript(client_for, running):
    trainer = running.trainers.get()
    slot = _slots(running)[0]
    url = reverse("trainings:attendance_grid", args=[running.pk])
    client = client_for(trainer)
    page = client.get(url).content.decode()
    assert 'name="all_present"' in page
    # Only the started slot is offered.
    assert f'name="slot" value="{slot.pk}"' in page
    assert f'name="slot" value="{_slots(running)[1].pk}"' not in page
    response = client.post(url, {"all_present": "1", "slot": slot.pk}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "3 personnes sans saisie marquées présentes" in response.content.decode()
    assert Attendance.objects.filter(slot=slot, status="present").count() == 3


def test_all_present_with_htmx_returns_the_grid_in_place(client_for, running):
    trainer = running.trainers.get()
    slot = _slots(running)[0]
    url = reverse("trainings:attendance_grid", args=[running.pk])
    response = client_for(trainer).post(
        url, {"all_present": "1", "slot": slot.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="attendance-main"' in html
    assert "marquées présentes" in html
    assert Attendance.objects.filter(slot=slot).count() == 3


@pytest.mark.parametrize("case", ["future", "unknown", "other_session"])
def test_all_present_refusals_are_explained(client_for, running, case):
    trainer = running.trainers.get()
    url = reverse("trainings:attendance_grid", args=[running.pk])
    slot_pk = {
        "future": lambda: _slots(running)[1].pk,
        "unknown": lambda: "999999",
        "other_session": lambda: factories.make_session(slots=1).slots.get().pk,
    }[case]()
    response = client_for(trainer).post(url, {"all_present": "1", "slot": slot_pk}, follow=True)
    text = response.content.decode()
    assert "pas encore commencé" in text or "appartient pas à la session" in text
    assert not Attendance.objects.exists()


def test_all_present_is_refused_to_a_participant_by_the_view(client_for, running):
    url = reverse("trainings:attendance_grid", args=[running.pk])
    response = client_for(_registrations(running)[0].user).post(
        url, {"all_present": "1", "slot": _slots(running)[0].pk}
    )
    assert response.status_code == 403
    assert not Attendance.objects.exists()


# Slot length ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "code"),
    [
        (datetime.timedelta(minutes=8), "slot_too_short"),
        (datetime.timedelta(days=100), "slot_too_long"),
        (datetime.timedelta(hours=MAX_SLOT_HOURS, minutes=1), "slot_too_long"),
        (datetime.timedelta(minutes=MIN_SLOT_MINUTES - 1), "slot_too_short"),
    ],
)
def test_slots_of_nonsense_length_are_refused_with_their_bounds(length, code):
    start = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(DomainError) as error:
        validate_slots(
            [SlotInput(start, start + length)], existing={}, allow_past=False, now=timezone.now()
        )
    assert error.value.code == code and error.value.field == "slots"
    bound = (
        f"{MIN_SLOT_MINUTES} minutes" if code == "slot_too_short" else f"{MAX_SLOT_HOURS} heures"
    )
    assert bound in error.value.message


@pytest.mark.parametrize(
    "length",
    [datetime.timedelta(minutes=MIN_SLOT_MINUTES), datetime.timedelta(hours=3, minutes=30)],
)
def test_sensible_slots_are_accepted(length):
    start = timezone.now() + datetime.timedelta(days=2)
    validate_slots(
        [SlotInput(start, start + length)], existing={}, allow_past=False, now=timezone.now()
    )


# Hours ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("3.6667"), "3 h 40"),
        (Decimal("3.67"), "3 h 40"),
        (7, "7 h"),
        (Decimal("0.0833"), "0 h 05"),
        (None, "0 h"),
        (Decimal("0"), "0 h"),
        (3.5, "3 h 30"),
        (Decimal("12.25"), "12 h 15"),
    ],
)
def test_hours_read_as_hours_and_minutes(value, text):
    assert format_hours(value) == text
    for library in ("attendance", "certificates"):
        rendered = Template("{% load " + library + " %}{{ value|hours }}").render(
            Context({"value": value})
        )
        assert rendered == text


def test_the_grid_shows_hours_and_minutes(client_for):
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=5)
    session = factories.make_session(participants=1, slots=1, start=start)
    slot = session.slots.get()
    # A slot of 3 h 40.
    slot.ends_at = slot.starts_at + datetime.timedelta(hours=3, minutes=40)
    slot.save()
    trainer = session.trainers.get()
    services.attendance_record(
        actor=trainer, slot=slot, registration=session.registrations.get(), status="present"
    )
    html = client_for(trainer).get(reverse("trainings:attendance_grid", args=[session.pk]))
    text = html.content.decode()
    assert "3 h 40" in text
    assert "3,67" not in text and "3.67" not in text
