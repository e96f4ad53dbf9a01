"""django-import-export resources: participants and attendance imported into a session
(participants row by row through the services; attendance rows checked in memory, then written
together by attendance_record_bulk), and a session's attendance and assessments exported.

Imports are all or nothing: trainings.services.imports runs them in a transaction and refuses the
whole file, listing every faulty row, when any row fails.
"""

from .exports import AssessmentExportResource, AttendanceExportResource, safe_cell
from .imports import (
    AttendanceImportResource,
    ParticipantImportResource,
    RowRefused,
    normalise_headers,
)

__all__ = [
    "AssessmentExportResource",
    "AttendanceExportResource",
    "AttendanceImportResource",
    "ParticipantImportResource",
    "RowRefused",
    "normalise_headers",
    "safe_cell",
]
