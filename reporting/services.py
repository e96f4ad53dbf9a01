"""The hub's exports as jobs: asked for on the exports page, written in the background (a file can
hold 100 000 rows), downloadable by the person who asked for EXPORT_DAYS days, then purged."""

import datetime
import logging
import shutil
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError
from core.storage import orphan_files_purge

from . import exports
from .filters import FILTER_KEYS, filters_from
from .models import (
    ACTIVE_STATUSES,
    HUB_ONLY_KINDS,
    ExportFormat,
    ExportKind,
    ExportStatus,
    ReportExport,
)
from .scope import ReportScope, scope_for

logger = logging.getLogger(__name__)

EXPORT_DAYS = 7
MAX_ACTIVE = 3
# The same request within these seconds is a double click, not a second export.
REPEAT_WINDOW = datetime.timedelta(seconds=10)
# A job still running after this long lost its worker (a restart, a crash): 120 000 rows take
# well under a minute.
STALE_AFTER = datetime.timedelta(hours=2)
EXPORTS_DIR = "report-exports"  # models.export_path: report-exports/<random>/<name>
TEMP_PREFIX = "socle-export-"


def filters_error_message(form):
    """The filter form's errors in one sentence, each naming its field."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label} : {error}" if label else str(error) for error in errors)
    return " ".join(parts)


def canonical_query(query, filters):
    """The filters as GET parameters: known keys, empty ones left out, and the period resolved
    (a default period depends on the day)."""
    cleaned = {key: str(query[key]) for key in sorted(FILTER_KEYS) if query.get(key)}
    cleaned["start"], cleaned["end"] = filters.start.isoformat(), filters.end.isoformat()
    return cleaned


def covers(scope, job):
    """Whether `scope` still sees everything the job's file holds."""
    if scope is None:
        return False
    if scope.is_hub:
        return True
    return not job.scope_is_hub and set(job.scope_structure_ids) <= set(scope.structure_ids)


def job_scope(job):
    return ReportScope(is_hub=job.scope_is_hub, structure_ids=frozenset(job.scope_structure_ids))


def _check_request(scope, kind, fmt, query):
    if kind not in ExportKind.values:
        raise DomainError(
            _("Choisissez ce que vous voulez exporter."), "unknown_kind", field="kind"
        )
    if fmt not in ExportFormat.values:
        raise DomainError(
            _("Choisissez un format : CSV, XLSX ou JSON."), "unknown_format", field="format"
        )
    if kind in HUB_ONLY_KINDS and not scope.is_hub:
        raise DomainError(
            _("Les fichiers open data sont préparés par la coordination du hub."),
            "hub_only",
            field="kind",
        )
    form, filters = filters_from(query)
    if filters is None:
        raise DomainError(filters_error_message(form), "invalid_filters")
    return filters


def _fail_interrupted(jobs):
    """Say so of the jobs whose worker stopped, and free their place in the person's limit."""
    jobs.filter(status=ExportStatus.RUNNING, started_at__lt=timezone.now() - STALE_AFTER).update(
        status=ExportStatus.FAILED,
        error=_("La préparation de cet export a été interrompue : demandez-le à nouveau."),
    )


def report_export_request(*, actor, kind, fmt, query):
    """Ask for an export; returns (job, created). The same request while it is being prepared,
    or repeated within seconds, returns the existing job. At most MAX_ACTIVE at a time."""
    scope = scope_for(actor)
    if scope is None:
        raise PermissionDenied
    filters = _check_request(scope, kind, fmt, query)
    query = canonical_query(query, filters)
    structure_ids = sorted(scope.structure_ids)
    with transaction.atomic():
        # One request at a time per person: the checks below would race otherwise.
        get_user_model().objects.select_for_update().only("pk").get(pk=actor.pk)
        mine = ReportExport.objects.filter(requested_by=actor)
        _fail_interrupted(mine)
        since = timezone.now() - REPEAT_WINDOW
        for job in mine.filter(
            Q(status__in=ACTIVE_STATUSES) | Q(requested_at__gte=since, status=ExportStatus.READY),
            kind=kind,
            format=fmt,
        ):
            same_scope = (job.scope_is_hub, job.scope_structure_ids) == (
                scope.is_hub,
                structure_ids,
            )
            if job.query == query and same_scope:
                return job, False
        if mine.filter(status__in=ACTIVE_STATUSES).count() >= MAX_ACTIVE:
            raise DomainError(
                _(
                    "Vous avez déjà %(n)s exports en préparation : attendez qu'un d'eux soit "
                    "prêt avant d'en demander un autre."
                )
                % {"n": MAX_ACTIVE},
                "too_many_exports",
            )
        job = ReportExport.objects.create(
            requested_by=actor,
            kind=kind,
            format=fmt,
            query=query,
            scope_is_hub=scope.is_hub,
            scope_structure_ids=structure_ids,
        )
        log_action(
            actor=actor,
            action="report_export.request",
            target=job,
            kind=kind,
            format=fmt,
            query=query,
        )
        pk = job.pk

        def enqueue():
            from .tasks import build_report_export

            build_report_export.enqueue(export_id=pk)

        transaction.on_commit(enqueue)
    return job, True


def _fail(job, message):
    job.status = ExportStatus.FAILED
    job.error = message
    job.save(update_fields=["status", "error"])
    log_action(actor=None, action="report_export.failed", target=job, error=message)


def _write(job, scope, filters, directory):
    name = exports.filename(job.kind, job.format, filters)
    path = Path(directory) / name

    def on_total(total):
        ReportExport.objects.filter(pk=job.pk).update(rows_total=total)
        job.rows_total = total

    def progress(done):
        # A plain UPDATE, committed at once: the status page polls it.
        ReportExport.objects.filter(pk=job.pk).update(rows_done=done)
        job.rows_done = done

    with translation.override("fr"):
        exports.write_export(
            job.kind, job.format, scope, filters, path, on_total=on_total, progress=progress
        )
    with path.open("rb") as handle:
        job.file.save(name, File(handle), save=False)
    return path.stat().st_size


def report_export_build(*, export_id):
    """Write an export's file (idempotent: only a queued job is taken, by one worker). A failure
    is recorded on the job with a message for its owner."""
    now = timezone.now()
    taken = ReportExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=now
    )
    job = ReportExport.objects.select_related("requested_by").filter(pk=export_id).first()
    if not taken or job is None:
        return job
    if not covers(scope_for(job.requested_by), job):
        _fail(job, _("Vos droits ont changé depuis la demande : cet export n'a pas été préparé."))
        return job
    _form, filters = filters_from(job.query)
    if filters is None:
        _fail(job, _("Ces filtres ne sont plus valables (un parcours ou un bloc a changé)."))
        return job
    try:
        with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as directory:
            job.size = _write(job, job_scope(job), filters, directory)
    except Exception:
        logger.exception("Report export %s failed", job.pk)
        _fail(
            job,
            _(
                "La préparation de cet export a échoué à cause d'une erreur inattendue, signalée "
                "à l'équipe technique. Vous pouvez le demander à nouveau."
            ),
        )
        return job
    job.status = ExportStatus.READY
    job.ready_at = timezone.now()
    job.expires_at = job.ready_at + datetime.timedelta(days=EXPORT_DAYS)
    job.save(
        update_fields=[
            "file",
            "size",
            "status",
            "ready_at",
            "expires_at",
            "rows_done",
            "rows_total",
        ]
    )
    log_action(actor=None, action="report_export.ready", target=job, rows=job.rows_done)
    return job


def is_downloadable(job, now=None):
    now = now or timezone.now()
    return job.status == ExportStatus.READY and bool(job.file) and job.expires_at > now


def job_for_download(*, user, pk):
    """The requester's ready job, while their scope still covers it. None: nothing to serve
    (not theirs, not ready, expired); PermissionDenied: their rights have changed."""
    job = ReportExport.objects.filter(pk=pk, requested_by=user).first()
    if job is None or not is_downloadable(job):
        return None
    if not covers(scope_for(user), job):
        raise PermissionDenied
    return job


def expired_exports(now=None):
    """Jobs to purge: files past their week, and jobs that never became ready within a week."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(days=EXPORT_DAYS)
    return ReportExport.objects.filter(
        Q(expires_at__lt=now) | (Q(requested_at__lt=stale) & ~Q(status=ExportStatus.READY))
    )


def orphan_export_files_purge(*, now=None):
    """Delete the export files that no job points at, once STALE_AFTER old, and the temporary
    directories of builds killed while writing on this host (nominative data that nothing else
    would ever delete). Returns how many stored files."""
    # By the clock, whatever `now` says: a build may be running on this host right now.
    oldest = timezone.now() - STALE_AFTER
    for path in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"):
        if path.is_dir() and path.stat().st_mtime < oldest.timestamp():
            shutil.rmtree(path, ignore_errors=True)
    return orphan_files_purge(
        ReportExport._meta.get_field("file"),
        EXPORTS_DIR,
        older_than=(now or timezone.now()) - STALE_AFTER,
    )


def report_exports_purge(*, now=None, wet_run=False):
    """Delete the expired files and their jobs (and files no job points at); without `wet_run`,
    only count the jobs."""
    jobs = expired_exports(now).order_by("pk")
    if not wet_run:
        return jobs.count()
    count = 0
    # In batches, not a cursor left open while its rows are deleted (SQLite dislikes that).
    while batch := list(jobs[:500]):
        for job in batch:
            if job.file:
                job.file.delete(save=False)
            job.delete()
        count += len(batch)
    orphan_export_files_purge(now=now)
    return count
