"""The printed attendance sheet of a session, from one template in two versions, rendered by
WeasyPrint:

- the blank sheet (feuille d'émargement), printed before or during the session to be signed
  on paper by each participant and trainer, half-day by half-day;
- the completed record (relevé des présences), once marks exist: every registered participant ×
  half-day with the current mark, how it was recorded (trainer, sign code, QR, import), by whom
  and when, the hours attended, and the trainers.

Both print the organisation's details (SOCLE_HUB_NAME, SOCLE_HUB_ADDRESS, SOCLE_HUB_NDA).

Rendering is slow for big sessions (measured: 30 participants × 6 half-days, 0.3 s blank and
1.2 s completed; 100 × 10, 3 s and 20 s), so a task builds the PDF (attendance_sheet_build) and
the view serves the bytes from the shared cache, keyed by a fingerprint of everything the sheet
prints: a new mark, a registration, a renamed person or trainer gives a new key, never a stale
document. The cache rather than stored files: the sheet is a working document rebuilt on demand,
not a frozen proof, and names leave the cache by themselves (SHEET_CACHE_SECONDS) when a person
is erased, with no file to purge.
"""

import hashlib
import json
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from core import pdf

from .models import ATTENDED_STATUSES, Attendance, Session
from .selectors.assessments import session_competences
from .selectors.attendance import (
    clean_hours,
    registered_participants,
    sheet_marks,
    slots_by_day,
)

SHEET_BLANK = "vierge"
SHEET_RECORD = "releve"
SHEET_MODES = (SHEET_BLANK, SHEET_RECORD)
# Lines left empty on the blank sheet for people added on paper (walk-ins).
BLANK_ROWS = 3


def default_mode(session, now=None):
    """Blank until the first slot starts, then the record."""
    now = now or timezone.now()
    started = session.starts_at is not None and session.starts_at <= now
    return SHEET_RECORD if started else SHEET_BLANK


def organisation():
    """Who runs the training, as the sheet prints it (the NDA only when one is set)."""
    return {
        "name": settings.SOCLE_HUB_NAME,
        "address": settings.SOCLE_HUB_ADDRESS,
        "nda": settings.SOCLE_HUB_NDA,
    }


def _hours(slot):
    return Decimal(str((slot.ends_at - slot.starts_at).total_seconds())) / 3600


def attendance_sheet_context(session, mode=None):
    mode = mode if mode in SHEET_MODES else default_mode(session)
    record = mode == SHEET_RECORD
    # .all() and sorting here: the view's session comes with its slots and trainers prefetched.
    slots = sorted(session.slots.all(), key=lambda slot: (slot.starts_at, slot.pk))
    days = []
    for day, day_slots in slots_by_day(slots):
        days.append(
            {
                "date": day,
                "slots": [
                    {
                        "slot": slot,
                        "half": "morning"
                        if timezone.localtime(slot.starts_at).hour < 12
                        else "afternoon",
                    }
                    for slot in day_slots
                ],
            }
        )
    registrations = list(
        registered_participants(session).prefetch_related("user__memberships__structure")
    )
    marks = sheet_marks(session) if record else {}
    for registration in registrations:
        registration.structure_names = ", ".join(
            m.structure.name for m in registration.user.memberships.all()
        )
        registration.cells = [marks.get((slot.pk, registration.pk)) for slot in slots]
        registration.hours = clean_hours(
            sum(
                (
                    _hours(slot)
                    for slot, mark in zip(slots, registration.cells, strict=True)
                    if mark is not None and mark.status in ATTENDED_STATUSES
                ),
                Decimal(0),
            )
        )
    return {
        "mode": mode,
        "record": record,
        "session": session,
        "slots": slots,
        "days": days,
        "registrations": registrations,
        "trainers": sorted(
            session.trainers.all(), key=lambda user: (user.last_name, user.first_name, user.pk)
        ),
        "competences": session_competences(session),
        "organisation": organisation(),
        "total_hours": clean_hours(sum((_hours(slot) for slot in slots), Decimal(0))),
        "generated_at": timezone.now(),
        "blank_rows": range(0 if record else BLANK_ROWS),
        # Number, name, structure, one per slot, and the hours on the record.
        "columns": 3 + len(slots) + (1 if record else 0),
    }


def _html(session, mode=None):
    return pdf.render_html(
        "trainings/evaluation/attendance_sheet_pdf.html", attendance_sheet_context(session, mode)
    )


def attendance_sheet_document(session, mode=None):
    """The laid-out document (pages and boxes), e.g. to read its text positions in tests."""
    return pdf.layout(_html(session, mode))


def attendance_sheet_pdf(session, mode=None):
    return pdf.write_pdf(_html(session, mode))


# How long a built sheet stays served, and how long a request waits before asking again for a
# build that no worker has done.
SHEET_CACHE_SECONDS = 15 * 60
SHEET_PENDING_SECONDS = 2 * 60


def sheet_fingerprint(session, mode):
    """A digest of everything the sheet prints. Two queries (registrations with names; the
    marks' highest id and count, marks being append-only); slots and trainers come prefetched."""
    marks = Attendance.objects.filter(slot__session=session).aggregate(
        last=Max("pk"), count=Count("pk")
    )
    people = list(
        session.registrations.order_by("pk").values_list(
            "pk", "status", "user__first_name", "user__last_name"
        )
    )
    facts = {
        "session": [session.pk, str(session.updated_at), session.status],
        "mode": mode,
        "slots": sorted((s.pk, str(s.starts_at), str(s.ends_at)) for s in session.slots.all()),
        "trainers": sorted((t.pk, t.first_name, t.last_name) for t in session.trainers.all()),
        "people": people,
        "marks": [marks["last"], marks["count"]],
        "organisation": organisation(),
        "language": settings.LANGUAGE_CODE,
    }
    encoded = json.dumps(facts, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def _cache_key(session_id, mode, fingerprint):
    return f"attendance-sheet:{session_id}:{mode}:{fingerprint}"


def _session_for_sheet(session_id):
    return (
        Session.objects.select_related("version__referential", "structure")
        .prefetch_related("slots", "trainers")
        .filter(pk=session_id)
        .first()
    )


def attendance_sheet_build(*, session_id, mode):
    """Build the sheet as it is now and keep its bytes in the cache. Idempotent: a sheet already
    built for the same facts is not built again. Returns the cache key, or None when the session
    no longer exists."""
    session = _session_for_sheet(session_id)
    if session is None or mode not in SHEET_MODES:
        return None
    key = _cache_key(session.pk, mode, sheet_fingerprint(session, mode))
    if cache.get(key) is None:
        cache.set(key, attendance_sheet_pdf(session, mode), SHEET_CACHE_SECONDS)
    return key


def stored_sheet(session, mode):
    """(bytes or None, key): the sheet built for the session's current facts, if any."""
    key = _cache_key(session.pk, mode, sheet_fingerprint(session, mode))
    return cache.get(key), key


def claim_build(key):
    """True for the one request that should ask for a build (others wait for it)."""
    return cache.add(f"{key}:pending", True, SHEET_PENDING_SECONDS)
