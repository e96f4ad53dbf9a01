"""Reads for attendance: the grid, attended hours, a cell's history, the signing window and
the participant's own marks. Who may read them is checked by the views (session_for_trainer)."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import DurationField, ExpressionWrapper, F, Prefetch, Sum
from django.utils import formats, timezone

from ..models import (
    ATTENDED_STATUSES,
    Assessment,
    AssessorRole,
    Attendance,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
    Slot,
    SlotSignCode,
)

# The trainer's code screen offers the coming slot a little before it starts (to put the code
# up while people arrive); signing itself opens when the slot starts (sign_window).
SIGN_WINDOW_BEFORE = timedelta(minutes=30)


def registered_participants(session):
    """The session's registered people (not the waiting list), by name."""
    return (
        Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def clean_hours(value):
    """Hours with two decimals at most and no trailing zeros (3.5, 7, 3.25) for display."""
    value = Decimal(value).quantize(Decimal("0.01"))
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _seconds_to_hours(seconds):
    return clean_hours(Decimal(str(seconds)) / 3600)


def _duration_hours(slot):
    return _seconds_to_hours((slot.ends_at - slot.starts_at).total_seconds())


def attendance_grid(session):
    """Everything the grid shows, in a constant number of queries.

    Returns a dict: slots, days (list of (date, [slots])), rows (one per registered participant:
    registration, cells [(slot, mark or None)], hours), and total_hours.
    """
    slots = list(Slot.objects.filter(session=session).order_by("starts_at"))
    registrations = list(registered_participants(session))
    marks = {
        (mark.slot_id, mark.registration_id): mark
        for mark in Attendance.objects.filter(
            slot__session=session, is_current=True, registration__in=registrations
        ).select_related("recorded_by")
    }
    durations = {slot.pk: _duration_hours(slot) for slot in slots}
    rows = []
    for registration in registrations:
        cells = [(slot, marks.get((slot.pk, registration.pk))) for slot in slots]
        hours = sum(
            (
                durations[slot.pk]
                for slot, mark in cells
                if mark and mark.status in ATTENDED_STATUSES
            ),
            Decimal(0),
        )
        rows.append({"registration": registration, "cells": cells, "hours": clean_hours(hours)})
    return {
        "slots": slots,
        "days": slots_by_day(slots),
        "rows": rows,
        "total_hours": clean_hours(sum(durations.values(), Decimal(0))),
    }


def slots_to_mark_all_present(grid, now=None):
    """The slots of the grid where « tous présent·es » would do something: started, with at least
    one registered participant still without a mark. [(slot, how many without a mark)]."""
    now = now or timezone.now()
    missing = defaultdict(int)
    for row in grid["rows"]:
        for slot, mark in row["cells"]:
            if mark is None:
                missing[slot.pk] += 1
    return [
        (slot, missing[slot.pk])
        for slot in grid["slots"]
        if slot.starts_at <= now and missing[slot.pk]
    ]


def slots_by_day(slots):
    days = defaultdict(list)
    for slot in slots:
        days[timezone.localtime(slot.starts_at).date()].append(slot)
    return sorted(days.items())


def registration_hours(registration):
    """Attended hours of one registration (for the cell that htmx refreshes)."""
    return _hours_of(Attendance.objects.filter(registration=registration))


_SLOT_LENGTH = ExpressionWrapper(
    F("slot__ends_at") - F("slot__starts_at"), output_field=DurationField()
)


# Public names for the reporting app, which sums the same slot lengths over the network.
SLOT_LENGTH = _SLOT_LENGTH


def _attended(marks):
    return marks.filter(is_current=True, status__in=ATTENDED_STATUSES)


def _duration_to_hours(total):
    if not total:
        return Decimal(0)
    if not isinstance(total, timedelta):  # some backends return microseconds
        total = timedelta(microseconds=total)
    return _seconds_to_hours(total.total_seconds())


duration_to_hours = _duration_to_hours


def _hours_of(marks):
    return _duration_to_hours(_attended(marks).aggregate(total=Sum(_SLOT_LENGTH))["total"])


def _hours_grouped_by(marks, key):
    """{key value: hours} over the attended marks, in one query."""
    rows = _attended(marks).values(key).annotate(total=Sum(_SLOT_LENGTH))
    return {row[key]: _duration_to_hours(row["total"]) for row in rows}


# Hours count on sessions that took place or are running: a draft never happened, and a session
# cancelled (even after it started) delivered no training that may be certified.
COUNTING_SESSION_STATUSES = (SessionStatus.PUBLISHED, SessionStatus.HELD, SessionStatus.CLOSED)


def _active_marks_of(users):
    return Attendance.objects.filter(
        registration__user__in=users,
        registration__status=RegistrationStatus.REGISTERED,
        slot__session__status__in=COUNTING_SESSION_STATUSES,
    )


def counting_hours(user_ids, bloc_lineages):
    """The hours that count toward a pathway, in one query: {user_id: {session_id: hours}}.

    Slots marked present or late (current marks) of active registrations, on sessions neither
    draft nor cancelled that target at least one competence of the given bloc lineages.
    """
    sessions = Session.objects.filter(
        status__in=COUNTING_SESSION_STATUSES, competences__bloc__lineage__in=list(bloc_lineages)
    ).values("pk")
    rows = (
        _attended(_active_marks_of(user_ids).filter(slot__session__in=sessions))
        .values("registration__user_id", "slot__session_id")
        .annotate(total=Sum(_SLOT_LENGTH))
    )
    hours = defaultdict(dict)
    for row in rows:
        hours[row["registration__user_id"]][row["slot__session_id"]] = _duration_to_hours(
            row["total"]
        )
    return dict(hours)


def attended_hours(user, session=None):
    """Hours a user attended (slots marked present or late), in one session or in all of them.

    Computed in the database. Only active registrations count.
    """
    marks = _active_marks_of([user])
    if session is not None:
        marks = marks.filter(slot__session=session)
    return _hours_of(marks)


def attended_hours_by_session(user):
    """{session_id: hours} for every session where the user has attended at least one slot."""
    return _hours_grouped_by(_active_marks_of([user]), "slot__session_id")


def attended_hours_for_users(users, sessions=None):
    """{user_id: hours} for many users at once (one query), optionally within some sessions.
    Users without any attended slot are absent from the result."""
    marks = _active_marks_of(users)
    if sessions is not None:
        marks = marks.filter(slot__session__in=sessions)
    return _hours_grouped_by(marks, "registration__user_id")


def mark_history(slot, registration):
    """Every mark of one cell, newest first, with who recorded it."""
    return (
        Attendance.objects.filter(slot=slot, registration=registration)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-pk")
    )


def current_mark(slot, registration):
    return (
        Attendance.objects.filter(slot=slot, registration=registration, is_current=True)
        .select_related("recorded_by")
        .first()
    )


def current_or_next_slot(session, now=None):
    """The slot whose signing window is open now, else the next one, else None."""
    now = now or timezone.now()
    slots = Slot.objects.filter(session=session).order_by("starts_at")
    current = slots.filter(starts_at__lte=now + SIGN_WINDOW_BEFORE, ends_at__gte=now).first()
    return current or slots.filter(starts_at__gt=now).first()


def sign_code_of(slot):
    """The slot's sign code, or None when the trainer has not shown it yet."""
    return SlotSignCode.objects.filter(slot=slot).first()


def sign_code_for_token(token):
    return (
        SlotSignCode.objects.filter(token=token)
        .select_related("slot__session")
        .prefetch_related(Prefetch("slot__session__trainers"))
        .first()
    )


def my_marks(user):
    """A participant's own current marks, the latest slot first."""
    return (
        Attendance.objects.filter(registration__user=user, is_current=True)
        .select_related("slot__session", "recorded_by")
        .order_by("-slot__starts_at", "-pk")
    )


def sign_window(slot):
    """When participants may sign a slot themselves: from its start to its end. No earlier: a
    mark recorded before its slot would credit hours not yet attended (see
    services.attendance.ensure_slot_started)."""
    return slot.starts_at, slot.ends_at


def signed_count(slot):
    return Attendance.objects.filter(
        slot=slot, is_current=True, status__in=ATTENDED_STATUSES
    ).count()


def slot_label(slot):
    start = timezone.localtime(slot.starts_at)
    end = timezone.localtime(slot.ends_at)
    return f"{formats.date_format(start, 'DATE_FORMAT')} {start:%H:%M}–{end:%H:%M}"


def attendance_export_rows(session):
    """One row per registered participant × slot (no mark → empty status), with hours."""
    grid = attendance_grid(session)
    numbers = {slot.pk: index for index, slot in enumerate(grid["slots"], 1)}
    rows = []
    for row in grid["rows"]:
        for slot, mark in row["cells"]:
            attended = mark is not None and mark.status in ATTENDED_STATUSES
            rows.append(
                SimpleNamespace(
                    user=row["registration"].user,
                    slot=slot,
                    slot_number=numbers[slot.pk],
                    mark=mark,
                    hours=_duration_hours(slot) if attended else Decimal(0),
                )
            )
    return rows


def closing_summary(session, now=None):
    """What a trainer should see before closing: the slots already started that have no mark at
    all, and the registered participants with no assessment (self-assessments aside) recorded in
    this session. Three queries."""
    now = now or timezone.now()
    slots = list(
        Slot.objects.filter(session=session, starts_at__lte=now)
        .exclude(attendances__is_current=True)
        .order_by("starts_at")
    )
    assessed = set(
        Assessment.objects.filter(session=session)
        .exclude(assessor_role=AssessorRole.SELF)
        .values_list("participant_id", flat=True)
        .distinct()
    )
    registrations = list(registered_participants(session))
    never_assessed = [r for r in registrations if r.user_id not in assessed]
    return {
        "slots_without_marks": slots,
        "never_assessed": never_assessed,
    }


def sheet_marks(session):
    """{(slot_id, registration_id): current mark} with who recorded it, for the completed
    attendance record. One query."""
    return {
        (mark.slot_id, mark.registration_id): mark
        for mark in Attendance.objects.filter(
            slot__session=session,
            is_current=True,
            registration__status=RegistrationStatus.REGISTERED,
        ).select_related("recorded_by")
    }
