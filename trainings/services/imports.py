"""Imports of participants and attendance into a session from CSV (UTF-8 or Windows-1252, ';' or
',') or XLSX files, all or nothing: one bad row refuses the whole file, every faulty row listed."""

import io
import zipfile
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV, XLSX

from core.audit import log_action
from core.exceptions import DomainError

from ..models import AttendanceMethod
from ..resources import (
    AttendanceImportResource,
    ParticipantImportResource,
    normalise_headers,
)
from .attendance import MarksRefused, attendance_record_bulk
from .session_rules import MAX_CAPACITY, check_can_manage, ensure_session_open

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# Row caps, checked before any transaction opens: a 50,000-row file held the database's write
# lock for 99 s while other people's logins failed. A session holds MAX_CAPACITY people (and a
# waiting list as long), over at most 60 half-days.
MAX_PARTICIPANT_ROWS = 2 * MAX_CAPACITY
MAX_ATTENDANCE_ROWS = MAX_CAPACITY * 60
# A small XLSX can unzip to gigabytes of XML: its declared content is checked first.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024


class ImportRefused(DomainError):
    """The file is refused; `errors` lists (line number or None, message) pairs."""

    def __init__(self, errors):
        super().__init__(
            _("Le fichier n'a pas été importé : corrigez les lignes signalées."), "import_refused"
        )
        self.errors = errors


@dataclass
class ImportSummary:
    created: int
    unchanged: int
    rows: int


def read_table(uploaded_file):
    """A tablib Dataset from an uploaded CSV or XLSX file, with normalised column names."""
    data = uploaded_file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused([(None, _("Le fichier dépasse 5 Mo."))])
    name = (getattr(uploaded_file, "name", "") or "").lower()
    try:
        if name.endswith(".xlsx") or data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unzipped = sum(member.file_size for member in archive.infolist())
            if unzipped > MAX_UNZIPPED_BYTES:
                raise ImportRefused([(None, _("Le classeur est trop volumineux une fois ouvert."))])
            dataset = XLSX().create_dataset(data)
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
            first_line = text.split("\n", 1)[0]
            delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
            dataset = CSV().create_dataset(text, delimiter=delimiter)
    except ImportRefused:
        raise
    except Exception as error:  # unreadable files come in many shapes (zip, csv, encoding...)
        raise ImportRefused(
            [(None, _("Le fichier est illisible : envoyez un CSV ou un classeur XLSX."))]
        ) from error
    if not dataset.headers:
        raise ImportRefused([(None, _("Le fichier est vide."))])
    dataset.headers = normalise_headers(dataset.headers)
    return dataset


def _error_text(error):
    messages = getattr(error, "messages", None)
    if messages:
        return " ".join(str(m) for m in messages)
    return str(error)


def _check_table(resource, dataset, *, max_rows):
    if len(dataset) > max_rows:
        raise ImportRefused(
            [
                (
                    None,
                    _("Le fichier compte %(rows)s lignes : %(max)s au plus pour une session.")
                    % {"rows": len(dataset), "max": max_rows},
                )
            ]
        )
    missing = [c for c in resource.required_columns if c not in dataset.headers]
    if missing:
        raise ImportRefused(
            [(None, _("Colonne manquante : %(columns)s.") % {"columns": ", ".join(missing)})]
        )
    if not len(dataset):
        raise ImportRefused([(None, _("Le fichier ne contient aucune ligne."))])


def _run(resource, dataset, *, action, max_rows):
    _check_table(resource, dataset, max_rows=max_rows)
    result = resource.import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    # Line 1 is the header: data row n is line n + 1.
    errors = [(None, _error_text(e.error)) for e in result.base_errors]
    errors += [(row.number + 1, _error_text(row.error)) for row in result.invalid_rows]
    for number, row_errors in result.row_errors():
        errors += [(number + 1, _error_text(e.error)) for e in row_errors]
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e[0] or 0))
    summary = ImportSummary(
        created=resource.summary["created"],
        unchanged=resource.summary["unchanged"],
        rows=resource.summary["created"] + resource.summary["unchanged"],
    )
    log_action(
        actor=resource.actor,
        action=action,
        target=resource.session,
        created=summary.created,
        unchanged=summary.unchanged,
    )
    return summary


def _check(actor, session):
    ensure_session_open(session)
    check_can_manage(actor, session)


def participants_import(*, actor, session, uploaded_file):
    """Register the people listed (by e-mail) in the session. Returns an ImportSummary."""
    _check(actor, session)
    dataset = read_table(uploaded_file)
    return _run(
        ParticipantImportResource(actor=actor, session=session),
        dataset,
        action="session.import_participants",
        max_rows=MAX_PARTICIPANT_ROWS,
    )


def attendance_import(*, actor, session, uploaded_file):
    """Record the attendance marks listed (method "import"). Returns an ImportSummary.

    Rows are checked in memory against what a few queries load, then written at once
    (attendance_record_bulk): a 10,000-row file took five minutes row by row."""
    _check(actor, session)
    dataset = read_table(uploaded_file)
    resource = AttendanceImportResource(actor=actor, session=session)
    _check_table(resource, dataset, max_rows=MAX_ATTENDANCE_ROWS)
    now = timezone.now()
    marks, errors = resource.resolve_marks(dataset, now=now)
    if errors:
        raise ImportRefused(errors)

    def log_import(created, unchanged):
        log_action(
            actor=actor,
            action="session.import_attendance",
            target=session,
            created=created,
            unchanged=unchanged,
        )

    try:
        created, unchanged = attendance_record_bulk(
            actor=actor,
            session=session,
            marks=marks,
            method=AttendanceMethod.IMPORT,
            now=now,
            on_write=log_import,
        )
    except MarksRefused as refused:
        raise ImportRefused(refused.errors) from refused
    return ImportSummary(created=created, unchanged=unchanged, rows=created + unchanged)
