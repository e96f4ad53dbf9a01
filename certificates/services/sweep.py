"""The nightly sweep: apply the rules to every active enrolment (a decision task lost or failed
is caught here), expire certifications past their validity, and remind holders 60 and 15 days
before a certification expires (once each)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Enrollment, EnrollmentStatus, ExpiryReminder, PathwayCertification
from ..tasks import issue_decision_attestation, issue_session_attestations
from .attestations import missing_attestations
from .decisions import enrollment_decide

REMINDER_DAYS = (60, 15)


def _send_reminder(certification_id, days_before):
    from ..tasks import send_expiry_reminder

    send_expiry_reminder.enqueue(certification_id=certification_id, days_before=days_before)


def certifications_sweep(*, today=None, chunk_size=500):
    today = today or timezone.localdate()
    decided = 0
    ids = list(
        Enrollment.objects.exclude(status=EnrollmentStatus.WITHDRAWN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), chunk_size):
        for enrollment_id in ids[start : start + chunk_size]:
            decided += len(enrollment_decide(enrollment_id=enrollment_id, today=today))
    reminded = 0
    for days_before in REMINDER_DAYS:
        due = PathwayCertification.objects.filter(
            is_current=True,
            valid_until__gt=today,
            valid_until__lte=today + datetime.timedelta(days=days_before),
            enrollment__status=EnrollmentStatus.CERTIFIED,
        ).exclude(reminders__days_before=days_before)
        if days_before == max(REMINDER_DAYS):
            # The 60-day reminder is not sent once the 15-day one is due.
            due = due.exclude(valid_until__lte=today + datetime.timedelta(days=min(REMINDER_DAYS)))
        for certification_id in due.values_list("pk", flat=True).iterator():
            try:
                with transaction.atomic():
                    ExpiryReminder.objects.create(
                        certification_id=certification_id, days_before=days_before
                    )
                    transaction.on_commit(
                        lambda pk=certification_id, d=days_before: _send_reminder(pk, d)
                    )
            except IntegrityError:
                continue  # another sweep recorded it
            reminded += 1
    sessions, blocs, certifications = missing_attestations()
    for session_id in sessions:
        issue_session_attestations.enqueue(session_id=session_id)
    for pk in blocs:
        issue_decision_attestation.enqueue(kind="bloc", decision_id=pk)
    for pk in certifications:
        issue_decision_attestation.enqueue(kind="pathway", decision_id=pk)
    return {
        "decisions": decided,
        "reminders": reminded,
        "attestations": len(sessions) + len(blocs) + len(certifications),
    }
