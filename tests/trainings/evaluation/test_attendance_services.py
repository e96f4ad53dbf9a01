import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories
from trainings.models import (
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    RegistrationStatus,
    SessionStatus,
    SlotSignCode,
)
from trainings.selectors.attendance import (
    attended_hours,
    attended_hours_by_session,
    attended_hours_for_users,
    mark_history,
)
from trainings.services import attendance as services

pytestmark = pytest.mark.django_db


def test_trainer_records_a_mark_with_who_how_and_when(trainer, slots, registrations):
    mark, created = services.attendance_record(
        actor=trainer, slot=slots[0], registration=registrations[0], status="present"
    )
    assert created
    assert mark.is_current and mark.recorded_by == trainer
    assert mark.method == AttendanceMethod.TRAINER and mark.recorded_at is not None
    assert AuditLog.objects.filter(action="attendance.record", target_id=str(mark.pk)).exists()


def test_correction_appends_and_keeps_history(trainer, slots, registrations):
    first, _ = services.attendance_record(
        actor=trainer, slot=slots[0], registration=registrations[0], status="absent"
    )
    second, created = services.attendance_record(
        actor=trainer, slot=slots[0], registration=registrations[0], status="late"
    )
    assert created
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert [m.status for m in mark_history(slots[0], registrations[0])] == ["late", "absent"]


def test_same_status_adds_no_row(trainer, slots, registrations):
    services.attendance_record(
        actor=trainer, slot=slots[0], registration=registrations[0], status="present"
    )
    _mark, created = services.attendance_record(
        actor=trainer, slot=slots[0], registration=registrations[0], status="present"
    )
    assert not created
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize("status", ["present", "late", "excused", "absent"])
def test_no_mark_before_the_slot_starts(status, trainer, slots, registrations):
    """A mark recorded ahead would count hours nobody attended yet (or prejudge the day)."""
    with pytest.raises(DomainError) as error:
        services.attendance_record(
            actor=trainer, slot=slots[1], registration=registrations[0], status=status
        )
    assert error.value.code == "slot_not_started"
    assert "n'a pas encore commencé" in error.value.message
    assert not Attendance.objects.exists()
    assert not AuditLog.objects.filter(action="attendance.record").exists()


def test_hub_may_record(hub_user, slots, registrations):
    _mark, created = services.attendance_record(
        actor=hub_user, slot=slots[0], registration=registrations[0], status="present"
    )
    assert created


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("other_user", "not_session_trainer"),
        ("waiting", "not_registered"),
        ("bad_status", "invalid_status"),
        ("other_session_slot", "slot_mismatch"),
        ("frozen", "session_frozen"),
    ],
)
def test_bad_trainer_marks_are_refused(case, code, session_now, trainer, slots, registrations):
    actor, slot, registration, status = trainer, slots[0], registrations[0], "present"
    if case == "other_user":
        actor = factories.UserFactory()
    elif case == "waiting":
        registration = factories.RegistrationFactory(
            session=session_now, status=RegistrationStatus.WAITING
        )
    elif case == "bad_status":
        status = "sleeping"
    elif case == "other_session_slot":
        slot = factories.make_session(slots=1).slots.get()
    elif case == "frozen":
        session_now.status = SessionStatus.CLOSED
        session_now.save()
        slot.session.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.attendance_record(actor=actor, slot=slot, registration=registration, status=status)
    assert error.value.code == code
    assert Attendance.objects.count() == 0
    if code == "session_frozen":
        assert "clôturée" in error.value.message


def test_record_many_is_all_or_nothing(trainer, session_now, slots, registrations, afternoon):
    waiting = factories.RegistrationFactory(session=session_now, status=RegistrationStatus.WAITING)
    with pytest.raises(DomainError):
        services.attendance_record_many(
            actor=trainer,
            session=session_now,
            marks=[(slots[0], registrations[0], "present"), (slots[0], waiting, "present")],
        )
    assert Attendance.objects.count() == 0
    created = services.attendance_record_many(
        actor=trainer,
        session=session_now,
        marks=[(slots[0], registrations[0], "present"), (slots[1], registrations[1], "late")],
    )
    assert created == 2


def test_attended_hours_count_present_and_late_current_marks(
    trainer, slots, registrations, afternoon
):
    user = registrations[0].user
    services.attendance_record(
        actor=trainer, slot=slots[0], registration=registrations[0], status="present"
    )
    services.attendance_record(
        actor=trainer, slot=slots[1], registration=registrations[0], status="absent"
    )
    assert attended_hours(user) == Decimal("3.5")
    services.attendance_record(
        actor=trainer, slot=slots[1], registration=registrations[0], status="late"
    )
    assert attended_hours(user, session=slots[0].session) == Decimal("7")
    services.attendance_record(
        actor=trainer, slot=slots[0], registration=registrations[0], status="excused"
    )
    assert attended_hours(user) == Decimal("3.5")
    # Another session adds up in the all-sessions total.
    other = factories.make_session(
        trainer=trainer, slots=1, start=slots[0].starts_at - datetime.timedelta(days=2)
    )
    registration = factories.RegistrationFactory(session=other, user=user)
    services.attendance_record(
        actor=trainer, slot=other.slots.get(), registration=registration, status="present"
    )
    assert attended_hours(user) == Decimal("7")
    assert attended_hours_by_session(user) == {
        slots[0].session_id: Decimal("3.5"),
        other.pk: Decimal("3.5"),
    }
    assert attended_hours(registrations[1].user) == Decimal(0)
    users = [registrations[0].user, registrations[1].user]
    assert attended_hours_for_users(users) == {user.pk: Decimal("7")}
    assert attended_hours_for_users(users, sessions=[other]) == {user.pk: Decimal("3.5")}


# Self-signing with the code or the QR code.


def test_sign_code_is_created_once_by_a_trainer(trainer, slots):
    code = services.slot_sign_code_get_or_create(actor=trainer, slot=slots[0])
    assert len(code.code) == 6 and code.token
    again = services.slot_sign_code_get_or_create(actor=trainer, slot=slots[0])
    assert again.pk == code.pk
    with pytest.raises(DomainError) as error:
        services.slot_sign_code_get_or_create(actor=factories.UserFactory(), slot=slots[1])
    assert error.value.code == "not_session_trainer"
    assert SlotSignCode.objects.count() == 1


def test_participant_signs_with_the_code_during_the_slot(trainer, slots, participant):
    code = services.slot_sign_code_get_or_create(actor=trainer, slot=slots[0])
    mark = services.attendance_sign_with_code(actor=participant, code=f" {code.code.lower()} ")
    assert mark.status == AttendanceStatus.PRESENT
    assert mark.method == AttendanceMethod.CODE and mark.recorded_by == participant
    assert mark.slot == slots[0]


def test_participant_signs_with_the_qr_token(trainer, slots, participant):
    code = services.slot_sign_code_get_or_create(actor=trainer, slot=slots[0])
    mark = services.attendance_sign_with_token(actor=participant, token=code.token)
    assert mark.method == AttendanceMethod.QR


def test_sign_window_opens_when_the_slot_starts(trainer, slots, participant):
    """Not before: a signature recorded ahead of its slot would credit hours not yet attended."""
    code = services.slot_sign_code_get_or_create(actor=trainer, slot=slots[1])
    for before in (datetime.timedelta(hours=1), datetime.timedelta(minutes=20)):
        with pytest.raises(DomainError) as error:
            services.attendance_sign_with_code(
                actor=participant, code=code.code, now=slots[1].starts_at - before
            )
        assert error.value.code == "slot_not_started"
    mark = services.attendance_sign_with_code(
        actor=participant, code=code.code, now=slots[1].starts_at
    )
    assert mark.slot == slots[1]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("unknown", "unknown_code"),
        ("twice", "already_signed"),
        ("trainer_marked", "already_signed"),
        ("after_slot", "outside_slot"),
        ("stranger", "unknown_code"),  # a live code of another session looks unknown
        ("waiting", "not_registered"),
        ("frozen", "session_frozen"),
    ],
)
def test_bad_signatures_are_refused(case, code, session_now, trainer, slots, registrations):
    sign_code = services.slot_sign_code_get_or_create(actor=trainer, slot=slots[0])
    actor, typed, now = registrations[0].user, sign_code.code, timezone.now()
    expected_rows = 0
    if case == "unknown":
        typed = "ZZZZZZ" if sign_code.code != "ZZZZZZ" else "YYYYYY"
    elif case == "twice":
        services.attendance_sign_with_code(actor=actor, code=typed)
        expected_rows = 1
    elif case == "trainer_marked":
        services.attendance_record(
            actor=trainer, slot=slots[0], registration=registrations[0], status="absent"
        )
        expected_rows = 1
    elif case == "after_slot":
        now = slots[0].ends_at + datetime.timedelta(minutes=1)
    elif case == "stranger":
        actor = factories.UserFactory()
    elif case == "waiting":
        actor = factories.RegistrationFactory(
            session=session_now, status=RegistrationStatus.WAITING
        ).user
    elif case == "frozen":
        type(session_now).objects.filter(pk=session_now.pk).update(status=SessionStatus.CLOSED)
    with pytest.raises(DomainError) as error:
        services.attendance_sign_with_code(actor=actor, code=typed, now=now)
    assert error.value.code == code
    assert error.value.message
    assert Attendance.objects.count() == expected_rows
    if case == "trainer_marked":
        assert "formateur" in error.value.message
    if case == "waiting":
        assert "liste d'attente" in error.value.message
    # The QR path refuses the same way (its token is an unguessable secret: it may say why).
    if case not in ("unknown",):
        with pytest.raises(DomainError) as qr_error:
            services.attendance_sign_with_token(actor=actor, token=sign_code.token, now=now)
        assert qr_error.value.code == ("not_registered" if case == "stranger" else code)


def test_unknown_token_is_refused(participant):
    with pytest.raises(DomainError) as error:
        services.attendance_sign_with_token(actor=participant, token="nope")
    assert error.value.code == "unknown_code"


def test_trainer_can_correct_a_self_signed_mark(trainer, slots, registrations):
    code = services.slot_sign_code_get_or_create(actor=trainer, slot=slots[0])
    services.attendance_sign_with_code(actor=registrations[0].user, code=code.code)
    mark, created = services.attendance_record(
        actor=trainer, slot=slots[0], registration=registrations[0], status="late"
    )
    assert created and mark.method == AttendanceMethod.TRAINER
    assert [m.method for m in mark_history(slots[0], registrations[0])] == ["trainer", "code"]
