"""The printable attendance sheet (feuille d'émargement) of a session, rendered by WeasyPrint."""

from django.conf import settings
from django.utils import timezone

from core import pdf

from .selectors.assessments import session_competences
from .selectors.attendance import registered_participants, slots_by_day


def attendance_sheet_context(session):
    slots = list(session.slots.order_by("starts_at"))
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
    for registration in registrations:
        registration.structure_names = ", ".join(
            m.structure.name for m in registration.user.memberships.all()
        )
    return {
        "session": session,
        "slots": slots,
        "days": days,
        "registrations": registrations,
        "trainers": list(session.trainers.order_by("last_name", "first_name")),
        "competences": session_competences(session),
        "hub_name": settings.SOCLE_HUB_NAME,
        "generated_at": timezone.now(),
        # A few blank lines for walk-in participants added on paper.
        "blank_rows": range(3),
    }


def _html(session):
    return pdf.render_html(
        "trainings/evaluation/attendance_sheet_pdf.html", attendance_sheet_context(session)
    )


def attendance_sheet_document(session):
    """The laid-out document (pages and boxes), e.g. to read its text in tests."""
    return pdf.layout(_html(session))


def attendance_sheet_pdf(session):
    return pdf.write_pdf(_html(session))
