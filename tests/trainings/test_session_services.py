import datetime

import pytest
from django.utils import timezone

from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories
from tests.factories.trainings import HALF_DAY
from trainings.models import (
    RegistrationStatus,
    Session,
    SessionStatus,
    Slot,
    TrainerAccreditation,
)
from trainings.services import registrations as registration_services
from trainings.services import sessions as session_services

from .conftest import at


def _refused(code, func, **kwargs):
    with pytest.raises(DomainError) as error:
        func(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value


# Create ---------------------------------------------------------------------------------------


def test_create_makes_a_draft_with_slots_bounds_and_audit(session_kwargs, trainer):
    session = session_services.session_create(**session_kwargs)
    assert session.status == SessionStatus.DRAFT
    assert list(session.trainers.all()) == [trainer]
    assert session.competences.count() == 3
    assert session.slots.count() == 2
    assert session.starts_at == at(7, 9)
    assert session.ends_at == at(7, 17)
    assert AuditLog.objects.filter(action="session.create", target_id=str(session.pk)).exists()


def test_slot_ending_before_it_starts_is_refused_and_nothing_written(session_kwargs):
    session_kwargs["slots"] = [(at(7, 9), at(7, 12)), (at(8, 14), at(8, 13))]
    error = _refused("slot_ends_before_start", session_services.session_create, **session_kwargs)
    assert "Créneau n°2" in error.message
    assert error.field == "slots"
    assert not Session.objects.exists() and not Slot.objects.exists()


def test_overlapping_slots_are_refused_naming_the_lines(session_kwargs):
    session_kwargs["slots"] = [
        (at(7, 9), at(7, 12, 30)),
        (at(8, 9), at(8, 12)),
        (at(7, 12), at(7, 17)),
    ]
    error = _refused("slot_overlap", session_services.session_create, **session_kwargs)
    assert error.message == "Les créneaux n°1 et n°3 se chevauchent."
    assert not Session.objects.exists()


def test_slot_in_the_past_is_refused_unless_importing(session_kwargs):
    session_kwargs["slots"] = [(at(-3, 9), at(-3, 12))]
    _refused("slot_in_past", session_services.session_create, **session_kwargs)
    assert not Session.objects.exists()
    session = session_services.session_create(allow_past=True, **session_kwargs)
    assert session.ends_at == at(-3, 12)


def test_trainer_not_accredited_for_a_targeted_bloc_is_refused(session_kwargs, bloc2):
    session_kwargs["competences"] = session_kwargs["competences"] + [bloc2.competences.first()]
    error = _refused("trainer_not_accredited", session_services.session_create, **session_kwargs)
    assert "Karim Benali" in error.message and "B2" in error.message
    assert not Session.objects.exists()


def test_co_trainer_must_be_accredited_on_the_session_dates(session_kwargs, bloc1):
    co_trainer = factories.UserFactory(first_name="Nadia", last_name="Haddad")
    # Accredited only until the day before the session.
    factories.AccreditationFactory(
        user=co_trainer, bloc=bloc1, valid_until=timezone.localdate() + datetime.timedelta(days=6)
    )
    session_kwargs["trainers"] = [session_kwargs["actor"], co_trainer]
    error = _refused("trainer_not_accredited", session_services.session_create, **session_kwargs)
    assert "Nadia Haddad" in error.message
    assert not Session.objects.exists()


def test_revoked_accreditation_does_not_count(session_kwargs, trainer):
    trainer.accreditations.update(revoked_at=timezone.now())
    _refused("trainer_not_accredited", session_services.session_create, **session_kwargs)


def test_peer_trainer_source_is_read(session_kwargs, bloc1):
    """A user who validated the bloc (a peer accreditation, written by a bloc validation) may
    train it."""
    from trainings import permissions

    peer = factories.UserFactory()
    factories.make_peer_trainer(peer, [bloc1])
    session_kwargs.update(actor=peer, trainers=[peer])
    session = session_services.session_create(**session_kwargs)
    assert list(session.trainers.all()) == [peer]
    assert permissions.trainer_role_for(peer, bloc1) == "peer"


def test_actor_must_be_a_trainer_unless_hub(session_kwargs, trainer, hub_user):
    other = factories.UserFactory()
    factories.AccreditationFactory(user=other, bloc=trainer.accreditations.get().bloc)
    session_kwargs["actor"] = other
    session_kwargs["trainers"] = [trainer]
    _refused("actor_not_trainer", session_services.session_create, **session_kwargs)
    session_kwargs["actor"] = hub_user
    session = session_services.session_create(**session_kwargs)
    assert list(session.trainers.all()) == [trainer]


def test_place_and_video_link_follow_the_format(session_kwargs):
    session_kwargs["address"] = ""
    _refused("place_required", session_services.session_create, **session_kwargs)
    session_kwargs["format"] = "remote"
    _refused("video_url_required", session_services.session_create, **session_kwargs)
    session_kwargs["format"] = "hybrid"
    session_kwargs["video_url"] = "https://visio.example.org/abc"
    _refused("place_required", session_services.session_create, **session_kwargs)
    assert not Session.objects.exists()
    session_kwargs["format"] = "remote"
    assert session_services.session_create(**session_kwargs).format == "remote"


def test_competences_must_come_from_the_published_version(session_kwargs):
    other_version = factories.make_reference()
    session_kwargs["competences"] = [other_version.competences.first()]
    _refused("competence_wrong_version", session_services.session_create, **session_kwargs)
    draft = factories.make_reference(status="draft")
    session_kwargs["version"] = draft
    _refused("version_not_published", session_services.session_create, **session_kwargs)


def test_capacity_must_be_positive(session_kwargs):
    session_kwargs["capacity"] = 0
    _refused("capacity_invalid", session_services.session_create, **session_kwargs)


@pytest.mark.parametrize("capacity", [501, 32767, 100_000])
def test_capacity_is_bounded_by_the_service_too(session_kwargs, capacity):
    """The form stops at 500; the service let SQLite store 100 000 places (PostgreSQL refused
    past 32 767 with a database message)."""
    session_kwargs["capacity"] = capacity
    error = _refused("capacity_invalid", session_services.session_create, **session_kwargs)
    assert error.field == "capacity" and "au plus 500 places" in error.message
    assert not Session.objects.exists()


# Update ---------------------------------------------------------------------------------------


def test_capacity_below_registered_count_is_refused(trainer):
    session = factories.make_session(trainer=trainer, participants=4)
    error = _refused(
        "capacity_below_registered",
        session_services.session_update,
        actor=trainer,
        session=session,
        capacity=3,
    )
    assert "(4)" in error.message
    session.refresh_from_db()
    assert session.capacity == 12


def test_update_keeps_slot_rows_and_syncs_bounds(trainer):
    session = factories.make_session(trainer=trainer, slots=2)
    first, second = session.slots.order_by("starts_at")
    updated = session_services.session_update(
        actor=trainer,
        session=session,
        title="Nouveau titre",
        slots=[
            {"id": first.pk, "starts_at": first.starts_at, "ends_at": first.ends_at},
            {"starts_at": at(5, 9), "ends_at": at(5, 12)},
        ],
    )
    assert updated.title == "Nouveau titre"
    assert set(updated.slots.values_list("pk", flat=True)) >= {first.pk}
    assert not Slot.objects.filter(pk=second.pk).exists()
    assert updated.ends_at == at(5, 12)


def test_a_slot_with_attendance_marks_is_neither_deleted_nor_moved(trainer):
    """Deleting a marked slot was refused, moving it was not: its marks then vouched for
    attendance at hours nobody attended."""
    session = factories.make_session(trainer=trainer, slots=2, participants=1)
    first, second = session.slots.order_by("starts_at")
    mark = factories.AttendanceFactory(
        slot=first, registration=session.registrations.get(), status="excused"
    )
    unchanged = {"id": first.pk, "starts_at": first.starts_at, "ends_at": first.ends_at}
    keep_second = {"id": second.pk, "starts_at": second.starts_at, "ends_at": second.ends_at}
    moved = {**unchanged, "starts_at": at(9, 9), "ends_at": at(9, 12)}
    for slots, verb in (([keep_second], "supprimé"), ([moved, keep_second], "déplacé")):
        error = _refused(
            "slot_has_attendance",
            session_services.session_update,
            actor=trainer,
            session=session,
            slots=slots,
        )
        assert verb in error.message
    first.refresh_from_db()
    assert (first.starts_at, first.ends_at) == (unchanged["starts_at"], unchanged["ends_at"])
    assert first.attendances.get() == mark
    # The unmarked slot still moves freely.
    session_services.session_update(
        actor=trainer,
        session=session,
        slots=[unchanged, {**keep_second, "starts_at": at(9, 9), "ends_at": at(9, 12)}],
    )
    second.refresh_from_db()
    assert second.starts_at == at(9, 9)


def test_update_refused_once_closed_or_cancelled(trainer):
    session = factories.make_session(trainer=trainer, status="closed")
    _refused(
        "session_not_editable",
        session_services.session_update,
        actor=trainer,
        session=session,
        title="x",
    )


def test_published_session_keeps_a_slot_and_a_competence(trainer):
    session = factories.make_session(trainer=trainer)
    _refused("no_slot", session_services.session_update, actor=trainer, session=session, slots=[])
    _refused(
        "no_competence",
        session_services.session_update,
        actor=trainer,
        session=session,
        competences=[],
    )
    assert session.slots.count() == 2


def test_raising_capacity_promotes_the_waiting_list(trainer, run_on_commit, mailoutbox):
    session = factories.make_session(trainer=trainer, participants=0)
    session_services.session_update(actor=trainer, session=session, capacity=1)
    first = factories.UserFactory()
    second = factories.UserFactory()
    registration_services.registration_register(actor=first, session=session)
    waiting = registration_services.registration_register(actor=second, session=session)
    assert waiting.status == RegistrationStatus.WAITING
    run_on_commit(session_services.session_update, actor=trainer, session=session, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED
    assert [m.to for m in mailoutbox] == [[second.email]]


def test_someone_else_cannot_edit(trainer):
    session = factories.make_session(trainer=trainer)
    stranger = factories.UserFactory()
    _refused(
        "not_session_trainer",
        session_services.session_update,
        actor=stranger,
        session=session,
        title="x",
    )


# Publish, duplicate, cancel, close -------------------------------------------------------------


def test_publish_needs_slots_and_competences(session_kwargs, trainer):
    session_kwargs["slots"] = []
    session = session_services.session_create(**session_kwargs)
    _refused("no_slot", session_services.session_publish, actor=trainer, session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.DRAFT


def test_publish_rechecks_accreditations(session_kwargs, trainer):
    session = session_services.session_create(**session_kwargs)
    trainer.accreditations.update(revoked_at=timezone.now())
    _refused(
        "trainer_not_accredited", session_services.session_publish, actor=trainer, session=session
    )


def test_publish(session_kwargs, trainer):
    session = session_services.session_create(**session_kwargs)
    published = session_services.session_publish(actor=trainer, session=session)
    assert published.status == SessionStatus.PUBLISHED and published.published_at
    _refused("session_not_draft", session_services.session_publish, actor=trainer, session=session)


def test_people_added_to_a_draft_are_told_when_it_is_published(
    session_kwargs, trainer, run_on_commit, mailoutbox
):
    session = session_services.session_create(**session_kwargs)
    participant = factories.UserFactory(email="ajoutee@exemple.test")
    run_on_commit(
        registration_services.registration_add_by_trainer,
        actor=trainer,
        session=session,
        user=participant,
    )
    assert mailoutbox == []  # nothing to tell while it is a draft
    run_on_commit(session_services.session_publish, actor=trainer, session=session)
    assert [message.to for message in mailoutbox] == [["ajoutee@exemple.test"]]
    assert mailoutbox[0].attachments[0].get_content_type() == "text/calendar"


def test_duplicate_shifts_slots_by_weeks_keeping_wall_clock_time(trainer):
    session = factories.make_session(trainer=trainer, slots=2, participants=2)
    copy = session_services.session_duplicate(actor=trainer, session=session, weeks=3)
    assert copy.status == SessionStatus.DRAFT
    assert copy.title == f"{session.title} (copie)"
    assert set(copy.competences.all()) == set(session.competences.all())
    assert list(copy.trainers.all()) == [trainer]
    assert copy.registrations.count() == 0
    original = [timezone.localtime(s.starts_at) for s in session.slots.order_by("starts_at")]
    copied = [timezone.localtime(s.starts_at) for s in copy.slots.order_by("starts_at")]
    assert [c.date() - o.date() for o, c in zip(original, copied, strict=True)] == [
        datetime.timedelta(weeks=3)
    ] * 2
    assert [c.time() for c in copied] == [o.time() for o in original]


def test_duplicate_into_the_past_is_refused(trainer):
    session = factories.make_session(trainer=trainer, status="closed")
    _refused(
        "slot_in_past",
        session_services.session_duplicate,
        actor=trainer,
        session=session,
        weeks=0,
    )
    assert Session.objects.count() == 1


def test_cancel_published_needs_a_reason_and_emails_everyone(trainer, run_on_commit, mailoutbox):
    session = factories.make_session(trainer=trainer, participants=2)
    factories.RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    factories.RegistrationFactory(session=session, status=RegistrationStatus.CANCELLED)
    _refused("reason_required", session_services.session_cancel, actor=trainer, session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED
    run_on_commit(
        session_services.session_cancel, actor=trainer, session=session, reason="Formateur malade"
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and session.is_frozen
    assert len(mailoutbox) == 3
    message = mailoutbox[0]
    assert "annulée" in message.subject and "Formateur malade" in message.body
    calendar = message.attachments[0]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "CANCEL"
    assert "METHOD:CANCEL" in calendar.get_content()


def test_close_requires_the_end_and_runs_callbacks(trainer, run_on_commit):
    session = factories.make_session(trainer=trainer)
    _refused("session_not_over", session_services.session_close, actor=trainer, session=session)
    past = factories.make_session(trainer=trainer, start=at(-2))
    calls = []
    session_services.register_on_close(calls.append)
    try:
        closed = run_on_commit(session_services.session_close, actor=trainer, session=past)
    finally:
        session_services._on_close_callbacks.remove(calls.append)
    assert closed.status == SessionStatus.CLOSED and closed.closed_at and closed.is_frozen
    assert [s.pk for s in calls] == [past.pk]
    assert AuditLog.objects.filter(action="session.close", target_id=str(past.pk)).exists()
    _refused("session_not_closable", session_services.session_close, actor=trainer, session=past)


def test_close_by_someone_else_is_refused(trainer):
    past = factories.make_session(trainer=trainer, start=at(-2))
    _refused(
        "not_session_trainer",
        session_services.session_close,
        actor=factories.UserFactory(),
        session=past,
    )


def test_mark_held(trainer):
    past = factories.make_session(trainer=trainer, start=at(-2))
    future = factories.make_session(trainer=trainer)
    assert session_services.sessions_mark_held() == 1
    past.refresh_from_db()
    future.refresh_from_db()
    assert past.status == SessionStatus.HELD
    assert future.status == SessionStatus.PUBLISHED


def test_moving_a_published_session_emails_registered_people(trainer, run_on_commit, mailoutbox):
    session = factories.make_session(trainer=trainer, participants=2)
    Session.objects.filter(pk=session.pk).update(capacity=2)
    factories.RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    run_on_commit(session_services.session_update, actor=trainer, session=session, title="Autre")
    assert mailoutbox == []  # the title alone does not change anyone's calendar
    first = session.slots.order_by("starts_at").first()
    run_on_commit(
        session_services.session_update,
        actor=trainer,
        session=session,
        slots=[{"id": first.pk, "starts_at": at(9, 9), "ends_at": at(9, 12)}],
    )
    assert len(mailoutbox) == 2
    assert "Changement de dates" in mailoutbox[0].subject
    calendar = mailoutbox[0].attachments[0].get_content()
    assert calendar.count("BEGIN:VEVENT") == 1


def test_slot_beyond_the_planning_horizon_is_refused(session_kwargs, trainer, bloc1):
    # Even with an accreditation that never ends, a slot in year 9999 is refused.
    trainer.accreditations.update(valid_until=datetime.date(9999, 12, 31))
    far = timezone.make_aware(datetime.datetime(9999, 12, 20, 9, 0))
    error = _refused(
        "slot_too_far",
        session_services.session_create,
        **{**session_kwargs, "slots": [(far, far + datetime.timedelta(hours=3))]},
    )
    assert error.field == "slots" and "plus de 5 ans" in error.message
    soon = at(4 * 365)
    session_services.session_create(
        **{**session_kwargs, "slots": [(soon, soon + datetime.timedelta(hours=3))]}
    )
    assert Session.objects.count() == 1


def test_duplicating_a_session_at_the_end_of_the_calendar_is_refused_not_a_crash(trainer):
    # Rows written before the horizon rule: shifting them used to raise OverflowError.
    session = factories.make_session(trainer=trainer, slots=1)
    far = timezone.make_aware(datetime.datetime(9999, 12, 20, 9, 0))
    Slot.objects.filter(session=session).update(starts_at=far, ends_at=far + HALF_DAY)
    Session.objects.filter(pk=session.pk).update(starts_at=far, ends_at=far + HALF_DAY)
    session.refresh_from_db()
    TrainerAccreditation.objects.filter(user=trainer).update(
        valid_until=datetime.date(9999, 12, 31)
    )
    _refused(
        "slot_too_far",
        session_services.session_duplicate,
        actor=trainer,
        session=session,
        weeks=104,
    )
    _refused(
        "slot_too_far", session_services.session_duplicate, actor=trainer, session=session, weeks=1
    )
    assert Session.objects.count() == 1


@pytest.mark.parametrize("title", ["Atelier\nBcc: x@exemple.test", "Atelier\r\nsuite", "A\x00B"])
def test_title_on_one_line(session_kwargs, title):
    """A line break in the title made every registration e-mail of the session fail."""
    error = _refused(
        "title_invalid", session_services.session_create, **{**session_kwargs, "title": title}
    )
    assert error.field == "title"
    session = session_services.session_create(**session_kwargs)
    _refused(
        "title_invalid",
        session_services.session_update,
        actor=session_kwargs["actor"],
        session=session,
        title=title,
    )
    session.refresh_from_db()
    assert session.title == session_kwargs["title"]


def test_email_subject_of_an_older_multiline_title_stays_on_one_line(db, mailoutbox):
    from trainings import emails

    session = factories.make_session(participants=1)
    Session.objects.filter(pk=session.pk).update(title="Atelier\r\nBcc: x@exemple.test")
    assert emails.send_registration_email(emails.REGISTERED, session.registrations.get().pk)
    message = mailoutbox[0].message()
    assert message["Subject"] == "[Socle] Inscription confirmée : Atelier Bcc: x@exemple.test"
    assert message["Bcc"] is None


def test_a_participant_cannot_become_a_co_trainer_of_the_session(trainer):
    session = factories.make_session(trainer=trainer, participants=1)
    participant = session.registrations.get().user
    factories.AccreditationFactory(
        user=participant, bloc=session.competences.order_by("order").first().bloc
    )
    error = _refused(
        "trainer_is_participant",
        session_services.session_update,
        actor=trainer,
        session=session,
        trainers=[trainer, participant],
    )
    assert error.field == "trainers"
    assert list(session.trainers.all()) == [trainer]
