"""Retention periods: how long Socle keeps each kind of personal data, in one place. The nightly
command (`apply_retention --wet-run`) applies them and the privacy page states them, both from
the constants below.

- Account and profile: while the account is used. An account with no sign-in and no training
  for INACTIVE_ACCOUNT_YEARS, and no certification still valid, is erased (pseudonymised) like
  an erasure asked for by the person.
- Training evidence (attendance, assessments, reviews): kept until the end of the
  EVIDENCE_YEARS-th year after the year of the training (the period during which funders and
  certifiers may audit it); then the free texts written about the person (comments, evidence,
  review comments) and the evidence files (photos, documents) are removed. The marks and
  levels stay, without text, so that counts and the person's progress hold.
- Decisions and attestations: kept as long as the attestation can be verified; the holder's
  identity leaves them with the person's erasure.
- Audit log: AUDIT_LOG_YEARS after the end of the year of the action.
- Exports (personal-data archives, the hub's files): EXPORT_DAYS days.
- Backups: BACKUP_DAYS days at most (rotated by scripts/backup.sh, see docs/operations.md).
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session as WebSession
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from certificates.models import BlocValidation, PathwayCertification
from core.audit import log_action
from core.models import AuditLog
from reporting.services import report_exports_purge
from trainings.models import Assessment, AssessmentReview, Registration, Session
from trainings.services.evidence import (
    evidence_files_before,
    evidence_files_remove,
    orphan_evidence_files_purge,
)

from ..models import ErasureReason, ErasureRequest, PersonalDataExport
from .erasure import erasure_blockers, erasure_complete, erasures_pending, person_erase
from .exports import EXPORT_DAYS, personal_data_exports_purge

INACTIVE_ACCOUNT_YEARS = 3
EVIDENCE_YEARS = 3
AUDIT_LOG_YEARS = 5
# Backups are kept this long at most (docs/operations.md): what is erased leaves them then.
BACKUP_DAYS = 35


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def evidence_cutoff(today):
    """Training on or after this day is still kept whole: the evidence of year Y is kept until
    31 December of Y + EVIDENCE_YEARS."""
    return datetime.date(today.year - EVIDENCE_YEARS, 1, 1)


def audit_log_cutoff(now):
    return datetime.datetime(
        now.year - AUDIT_LOG_YEARS, 1, 1, tzinfo=timezone.get_current_timezone()
    )


def inactive_accounts(now):
    """Accounts unused for INACTIVE_ACCOUNT_YEARS: no sign-in, no session attended or trained
    ending since, no certification or bloc still valid, not anonymised, no request pending."""
    since = _years_before(now, INACTIVE_ACCOUNT_YEARS)
    today = timezone.localdate(now)
    user = OuterRef("pk")
    recent_registration = Registration.objects.filter(user=user, session__ends_at__gte=since)
    recent_training = Session.objects.filter(trainers=user).filter(
        Q(ends_at__gte=since) | Q(ends_at__isnull=True)
    )
    valid = Q(withdrawn_at__isnull=True, valid_until__gte=today, enrollment__user=user)
    return (
        get_user_model()
        .objects.filter(anonymised_at__isnull=True)
        .annotate(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lt=since)
        .exclude(Exists(recent_registration))
        .exclude(Exists(recent_training))
        .exclude(Exists(BlocValidation.objects.filter(valid)))
        .exclude(Exists(PathwayCertification.objects.filter(valid)))
        .exclude(Exists(ErasureRequest.objects.filter(user=user)))
        .order_by("pk")
    )


def old_assessments_with_text(today):
    return Assessment.objects.filter(assessed_on__lt=evidence_cutoff(today)).exclude(
        comment="", evidence=""
    )


def old_reviews_with_text(today):
    return AssessmentReview.objects.filter(
        assessment__assessed_on__lt=evidence_cutoff(today)
    ).exclude(comment="")


@dataclass
class RetentionReport:
    wet_run: bool
    erasures_resumed: int = 0
    inactive_accounts_erased: int = 0
    inactive_accounts_skipped: int = 0
    assessments_anonymised: int = 0
    evidence_files_deleted: int = 0
    reviews_anonymised: int = 0
    audit_entries_deleted: int = 0
    personal_exports_deleted: int = 0
    report_exports_deleted: int = 0
    web_sessions_deleted: int = 0
    skipped: list = field(default_factory=list)

    def as_dict(self):
        return asdict(self)


def retention_apply(*, wet_run=False, now=None):
    """Apply every retention period. Without `wet_run`, count what would change and write
    nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = RetentionReport(wet_run=wet_run)

    # Requests whose background task was lost (a worker killed, a queue emptied).
    pending = list(erasures_pending().values_list("pk", flat=True))
    report.erasures_resumed = len(pending)
    if wet_run:
        for pk in pending:
            erasure_complete(erasure_request_id=pk)

    for user in inactive_accounts(now).iterator(chunk_size=500):
        if erasure_blockers(user):
            report.inactive_accounts_skipped += 1
            report.skipped.append(user.pk)
            continue
        report.inactive_accounts_erased += 1
        if wet_run:
            with transaction.atomic():
                ErasureRequest.objects.create(user=user, reason=ErasureReason.INACTIVITY)
                person_erase(user=user)

    assessments = old_assessments_with_text(today)
    reviews = old_reviews_with_text(today)
    files = evidence_files_before(evidence_cutoff(today))
    report.assessments_anonymised = assessments.count()
    report.reviews_anonymised = reviews.count()
    report.evidence_files_deleted = files.exclude(file="").count()
    if wet_run and (report.assessments_anonymised or report.reviews_anonymised or files.exists()):
        with transaction.atomic():
            assessments.update(comment="", evidence="")
            reviews.update(comment="")
            evidence_files_remove(files, now=now)
            log_action(
                actor=None,
                action="retention.anonymise_evidence",
                before=evidence_cutoff(today),
                assessments=report.assessments_anonymised,
                reviews=report.reviews_anonymised,
                evidence_files=report.evidence_files_deleted,
            )
    if wet_run:
        orphan_evidence_files_purge(now=now)

    old_entries = AuditLog.objects.filter(created_at__lt=audit_log_cutoff(now))
    report.audit_entries_deleted = old_entries.count()
    if wet_run and report.audit_entries_deleted:
        AuditLog.objects.purge_before(audit_log_cutoff(now))

    expired_archives = PersonalDataExport.objects.filter(
        ready_at__lt=now - datetime.timedelta(days=EXPORT_DAYS)
    ).exclude(archive="")
    report.personal_exports_deleted = (
        personal_data_exports_purge(now=now) if wet_run else expired_archives.count()
    )
    report.report_exports_deleted = report_exports_purge(now=now, wet_run=wet_run)

    expired_sessions = WebSession.objects.filter(expire_date__lt=now)
    report.web_sessions_deleted = expired_sessions.count()
    if wet_run:
        expired_sessions.delete()
    return report
