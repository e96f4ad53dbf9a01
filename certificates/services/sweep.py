"""The nightly sweep: apply the rules to every active enrolment (a decision task lost or failed
is caught here), expire certifications past their validity, remind holders 60 and 15 days
before a certification expires (once each), issue the attestations a lost task missed, and
delete the PDFs that an interrupted issuance stored without recording them."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.storage import orphan_files_purge

from ..models import (
    Attestation,
    Enrollment,
    EnrollmentStatus,
    ExpiryReminder,
    PathwayCertification,
)
from ..tasks import issue_decision_attestation, issue_session_attestations
from .attestations import missing_attestations
from .decisions import enrollment_decide

REMINDER_DAYS = (60, 15)
# An issuance stores its PDF, then commits its row; a worker killed (or the database lost) in
# between leaves a file that no attestation points at. Past this age none is still committing.
ORPHAN_FILE_AGE = datetime.timedelta(hours=6)
ATTESTATIONS_DIR = "attestations"  # models.attestation_path: attestations/<random>/<serial>.pdf


def _send_reminder(certification_id, days_before):
    from ..tasks import send_expiry_reminder

    send_expiry_reminder.enqueue(certification_id=certification_id, days_before=days_before)


def orphan_attestation_files_purge(*, now=None):
    """Delete the stored attestation PDFs that no row points at, once ORPHAN_FILE_AGE old.
    Returns how many."""
    return orphan_files_purge(
        Attestation._meta.get_field("pdf"),
        ATTESTATIONS_DIR,
        older_than=(now or timezone.now()) - ORPHAN_FILE_AGE,
    )


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
        "orphan_files": orphan_attestation_files_purge(),
    }
