"""The attendance import's bulk path (resolve_marks + attendance_record_bulk) against the row by
row path it replaced (each row through attendance_record): the same marks, audit entries,
evidence notifications, counts and errors; and a number of queries that does not grow with the
file."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
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
)
from trainings.resources import AttendanceImportResource
from trainings.services import events
from trainings.services.attendance import (
    MarksRefused,
    attendance_record,
    attendance_record_bulk,
)
from trainings.services.imports import (
    ImportRefused,
    _error_text,
    attendance_import,
    read_table,
)

pytestmark = pytest.mark.django_db


def csv_file(rows):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return SimpleUploadedFile("marks.csv", buffer.getvalue().encode(), content_type="text/csv")


def local_start(slot):
    return timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M")


def make_world(*, participants=4, slots=4):
    """A session whose slots have all started but the last one (later today)."""
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(
        days=(slots - 1) // 2, hours=1
    )
    session = factories.make_session(participants=participants, slots=slots, start=start)
    registrations = list(
        session.registrations.filter(status=RegistrationStatus.REGISTERED)
        .select_related("user")
        .order_by("pk")
    )
    return session, session.trainers.get(), registrations, list(session.slots.order_by("starts_at"))


def row_by_row_import(*, actor, session, upload):
    """The import as it ran before the bulk path: django-import-export's import_data, each row
    through attendance_record. Returns (created, unchanged) or raises ImportRefused."""
    resource = AttendanceImportResource(actor=actor, session=session)
    dataset = read_table(upload)
    result = resource.import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    errors = [(row.number + 1, _error_text(row.error)) for row in result.invalid_rows]
    for number, row_errors in result.row_errors():
        errors += [(number + 1, _error_text(e.error)) for e in row_errors]
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e[0] or 0))
    return resource.summary["created"], resource.summary["unchanged"]


def bulk_import(*, actor, session, upload):
    summary = attendance_import(actor=actor, session=session, uploaded_file=upload)
    assert summary.rows == summary.created + summary.unchanged
    return summary.created, summary.unchanged


def snapshot():
    """Marks and their audit entries, without the ids and times that differ between two runs."""
    marks = {
        mark.pk: (
            mark.slot_id,
            mark.registration_id,
            mark.status,
            mark.method,
            mark.recorded_by_id,
            mark.is_current,
        )
        for mark in Attendance.objects.all()
    }
    ordered = sorted(
        Attendance.objects.all(), key=lambda m: (m.slot_id, m.registration_id, m.recorded_at, m.pk)
    )
    entries = sorted(
        (
            entry.actor_id,
            entry.subject_id,
            entry.target_type,
            marks[int(entry.target_id)],
            tuple(sorted(entry.data.items())),
        )
        for entry in AuditLog.objects.filter(action="attendance.record")
    )
    return [marks[mark.pk] for mark in ordered], entries


def run_both(monkeypatch, django_capture_on_commit_callbacks, *, actor, session, rows):
    """Each path on the same data (the row by row one rolled back): what each wrote or the
    errors it listed, and the people whose evidence changed."""
    notified = []
    monkeypatch.setattr(events, "_listeners", [notified.append])
    outcomes = []
    for run in (row_by_row_import, bulk_import):
        notified.clear()
        with transaction.atomic():
            # Callbacks run when the block ends, before the row by row run is rolled back.
            with django_capture_on_commit_callbacks(execute=True):
                try:
                    result = run(actor=actor, session=session, upload=csv_file(rows))
                    outcome = {"counts": result}
                except ImportRefused as refused:
                    outcome = {"errors": refused.errors}
            outcome["written"] = snapshot()
            if run is row_by_row_import:
                transaction.set_rollback(True)
        outcome["notified"] = sorted({pk for ids in notified for pk in ids})
        outcomes.append(outcome)
    return outcomes


@pytest.fixture
def both(monkeypatch, django_capture_on_commit_callbacks):
    def run(**kwargs):
        return run_both(monkeypatch, django_capture_on_commit_callbacks, **kwargs)

    return run


def test_a_mixed_file_gives_the_same_marks_as_the_single_mark_service(both):
    session, trainer, regs, slots = make_world()
    # Marks already there: one the file repeats, one it corrects.
    attendance_record(actor=trainer, slot=slots[0], registration=regs[0], status="present")
    attendance_record(actor=trainer, slot=slots[0], registration=regs[1], status="absent")
    attendance_record(actor=trainer, slot=slots[1], registration=regs[2], status="late")
    rows = [
        ["Courriel", "Créneau", "Statut"],
        [regs[0].user.email, "1", "présent"],  # unchanged
        [regs[1].user.email.upper(), local_start(slots[0]), "Présente"],  # corrected
        [regs[2].user.email, "1", "en retard"],  # new
        [regs[2].user.email, "1", "R"],  # the same again: unchanged
        [regs[3].user.email, "2", "absent"],  # new, then corrected two rows below
        ["", "", ""],
        [regs[3].user.email, "2", "excusé"],
        [regs[3].user.email, "3", ""],  # no status: skipped
        [regs[2].user.email, "2", "présent"],  # corrects a mark recorded by the trainer
        [regs[0].user.email, "3", "absent"],
    ]
    row_by_row, bulk = both(actor=trainer, session=session, rows=rows)
    assert row_by_row["counts"] == bulk["counts"] == (6, 2)
    assert bulk["written"] == row_by_row["written"]
    marks, entries = bulk["written"]
    assert len(marks) == 3 + 6 and len(entries) == 3 + 6
    assert sum(1 for mark in marks if mark[5]) == 6  # one current mark per slot and person
    methods = [mark[3] for mark in marks]
    assert methods.count(AttendanceMethod.TRAINER) == 3
    assert methods.count(AttendanceMethod.IMPORT) == 6
    assert {mark[4] for mark in marks} == {trainer.pk}
    assert bulk["notified"] == row_by_row["notified"] == sorted(r.user_id for r in regs)
    current = {
        (m.slot_id, m.registration_id): m.status for m in Attendance.objects.filter(is_current=True)
    }
    assert current[(slots[0].pk, regs[1].pk)] == AttendanceStatus.PRESENT
    assert current[(slots[1].pk, regs[3].pk)] == AttendanceStatus.EXCUSED
    assert current[(slots[1].pk, regs[2].pk)] == AttendanceStatus.PRESENT
    entry = AuditLog.objects.get(action="session.import_attendance")
    assert entry.data == {"created": 6, "unchanged": 2}


def test_a_faulty_file_lists_the_same_errors_and_writes_nothing(both):
    session, trainer, regs, slots = make_world()
    attendance_record(actor=trainer, slot=slots[0], registration=regs[0], status="present")
    waiting = factories.RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    stranger = factories.UserFactory()
    rows = [
        ["email", "creneau", "statut"],
        [regs[0].user.email, "1", "absent"],  # fine, but the file is refused
        ["personne@nulle.part", "1", "présent"],
        [stranger.email.upper(), "1", "présent"],
        [waiting.user.email, "1", "présent"],
        ["", "1", "présent"],
        [regs[1].user.email, "9", "présent"],
        [regs[1].user.email, "2020-01-01 09:00", "présent"],
        [regs[1].user.email, "demain", "présent"],
        [regs[1].user.email, "1", "malade"],
        [regs[1].user.email, "4", "présent"],  # the last slot has not started
        [regs[1].user.email, local_start(slots[3]), "absent"],
        ["inconnu@exemple.test", "demain", "malade"],  # the first reason only
    ]
    before = snapshot()
    row_by_row, bulk = both(actor=trainer, session=session, rows=rows)
    assert bulk["errors"] == row_by_row["errors"]
    assert [line for line, _message in bulk["errors"]] == list(range(3, 14))
    assert "pas encore commencé" in dict(bulk["errors"])[11]
    assert "aucun compte" in dict(bulk["errors"])[13]
    assert bulk["written"] == row_by_row["written"] == before
    assert bulk["notified"] == row_by_row["notified"] == []
    assert not AuditLog.objects.filter(action="session.import_attendance").exists()


def test_the_bulk_service_rechecks_under_lock_and_refuses_every_bad_mark(
    django_capture_on_commit_callbacks,
):
    session, trainer, regs, slots = make_world()
    # Cancelled after the file was read: the locked re-read catches it, as attendance_record does.
    regs[1].status = RegistrationStatus.CANCELLED
    regs[1].save(update_fields=["status"])
    marks = [
        ("a", slots[0], regs[0], "present"),
        ("b", slots[0], regs[1], "present"),
        ("c", slots[3], regs[2], "present"),
        ("d", slots[0], regs[3], "sleeping"),
    ]
    with pytest.raises(MarksRefused) as refused:
        attendance_record_bulk(actor=trainer, session=session, marks=marks)
    assert [key for key, _message in refused.value.errors] == ["b", "c", "d"]
    assert not Attendance.objects.exists()
    stranger = factories.UserFactory()
    with pytest.raises(DomainError) as error:
        attendance_record_bulk(actor=stranger, session=session, marks=marks[:1])
    assert error.value.code == "not_session_trainer"
    session.status = SessionStatus.CLOSED
    session.save(update_fields=["status"])
    with pytest.raises(DomainError) as error:
        attendance_record_bulk(actor=trainer, session=session, marks=marks[:1])
    assert error.value.code == "session_frozen"
    assert not Attendance.objects.exists()


def _grid_file(regs, slots, count, statuses):
    rows = [["email", "créneau", "statut"]]
    for index in range(count):
        rows.append(
            [
                regs[index % len(regs)].user.email,
                str(index // len(regs) % len(slots) + 1),
                statuses[index % len(statuses)],
            ]
        )
    return csv_file(rows)


def test_queries_stay_flat_as_the_file_grows():
    session, trainer, regs, slots = make_world(participants=30, slots=11)
    started = slots[:10]
    # Once before counting: some reads (the trainer's rights) are cached for the next imports.
    attendance_import(
        actor=trainer, session=session, uploaded_file=_grid_file(regs, started, 1, ["P"])
    )
    Attendance.objects.all().delete()
    counts = {}
    for size in (10, 300):
        for label, statuses in (("new", ["présent", "absent"]), ("changed", ["absent", "R"])):
            with CaptureQueriesContext(connection) as queries:
                summary = attendance_import(
                    actor=trainer,
                    session=session,
                    uploaded_file=_grid_file(regs, started, size, statuses),
                )
            assert (summary.created, summary.unchanged) == (size, 0)
            counts[(size, label)] = len(queries)
        Attendance.objects.all().delete()
    assert max(counts.values()) <= 20, counts
    assert counts[(10, "new")] == counts[(300, "new")], counts
    assert counts[(10, "changed")] == counts[(300, "changed")], counts
