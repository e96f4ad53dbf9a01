"""Evidence files of assessments once stored: removed with the evidence texts at the end of the
retention period or when the person is erased, and swept when no row names them."""

import datetime

from django.db import transaction
from django.utils import timezone

from core.storage import orphan_files_purge

from ..models import AssessmentEvidenceFile

EVIDENCE_DIR = "evidence"  # models.evidence_path: evidence/<random>/<name>
# A file stored by an assessment whose transaction then failed names nobody's row; past this
# age none is still committing.
ORPHAN_FILE_AGE = datetime.timedelta(hours=6)


def evidence_files_remove(queryset, *, now=None):
    """Delete the stored files (after the transaction commits) and keep each row without its
    file or name, to say a file was there. Returns how many files were removed."""
    now = now or timezone.now()
    removed = 0
    for evidence in queryset.filter(removed_at__isnull=True).exclude(file="").iterator():
        name, storage = evidence.file.name, evidence.file.storage
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        removed += 1
    queryset.filter(removed_at__isnull=True).update(file="", name="", removed_at=now)
    return removed


def evidence_files_of_person(user):
    return AssessmentEvidenceFile.objects.filter(assessment__participant=user)


def evidence_files_before(day):
    return AssessmentEvidenceFile.objects.filter(
        assessment__assessed_on__lt=day, removed_at__isnull=True
    )


def orphan_evidence_files_purge(*, now=None):
    return orphan_files_purge(
        AssessmentEvidenceFile._meta.get_field("file"),
        EVIDENCE_DIR,
        older_than=(now or timezone.now()) - ORPHAN_FILE_AGE,
    )
