"""Timing of a large attendance import (500 participants × 20 half-days), run on demand only:
SOCLE_IMPORT_BENCH_ROWS=10000 pytest tests/test_import_bulk_bench.py -s (SQLite or PostgreSQL).
The import goes through the service the view calls, file reading included."""

import csv
import datetime
import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests import factories
from trainings.models import Attendance, RegistrationStatus
from trainings.services.imports import attendance_import

ROWS = int(os.environ.get("SOCLE_IMPORT_BENCH_ROWS") or 0)
# A few seconds is the goal; the bound leaves room for a slow shared machine.
MAX_SECONDS_PER_10K = 20

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not ROWS, reason="set SOCLE_IMPORT_BENCH_ROWS to time a large import"),
]


def test_large_attendance_import_takes_seconds():
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(days=12)
    session = factories.make_session(participants=500, slots=20, start=start)
    trainer = session.trainers.get()
    emails = list(
        session.registrations.filter(status=RegistrationStatus.REGISTERED)
        .order_by("pk")
        .values_list("user__email", flat=True)
    )
    bound = MAX_SECONDS_PER_10K * max(ROWS, 10_000) / 10_000
    marks = min(ROWS, 10_000)
    # First every mark is new, then every one changes (supersedes the current mark).
    for shift, label in ((0, "new marks"), (1, "changed marks")):
        upload = _file(emails, shift)
        began = time.perf_counter()
        summary = attendance_import(actor=trainer, session=session, uploaded_file=upload)
        seconds = time.perf_counter() - began
        print(f"\n{ROWS} rows imported in {seconds:.2f} s ({summary.created} {label})")
        assert summary.created == marks
        assert Attendance.objects.filter(is_current=True).count() == marks
        assert seconds < bound
    assert Attendance.objects.count() == 2 * marks


def _file(emails, shift):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["email", "créneau", "statut"])
    statuses = ["présent", "absent", "en retard", "excusé"]
    for index in range(ROWS):
        writer.writerow(
            [emails[index % 500], str(index // 500 % 20 + 1), statuses[(index + shift) % 4]]
        )
    return SimpleUploadedFile("bench.csv", buffer.getvalue().encode(), content_type="text/csv")
