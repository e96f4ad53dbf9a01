"""Export of every assessment to CSV: time and peak memory, beside PostgreSQL COPY of the rows.

The hub's « Évaluations » export over the whole period, as the background job writes it
(reporting.exports.write_export, called by reporting.services._write for a job: the
assessment rows read as ids and stored values in chunks, each line pieced together from
values encoded once) into a temporary file. The floor: `COPY (SELECT the same columns, joins,
filters and order) TO STDOUT` through psycopg into a temporary file.

Each runs in a fresh child process (`python -m bench.exports export|copy`): its time is the
operation's, its memory the process's peak resident size at the end (VmHWM, see
common.peak_rss_kib) and, for comparison, the same measure just before the operation (Django
loaded and connected). Nothing is written to the database.
"""

import os
import sys
import tempfile
import time

from .common import (
    Section,
    emit,
    log,
    megabytes,
    number,
    peak_rss_kib,
    ratio,
    run_child,
    secs,
    times,
    verdict,
)

TIMEOUT = 900
TIMEOUT_QUICK = 300
TARGET_RATIO = 3.0
TARGET_MB = 300
QUICK_DAYS = 120  # --quick: the last four months only


def _filters(quick):
    from django.db.models import Max, Min
    from django.utils import timezone

    from reporting.filters import filters_from
    from trainings.models import Assessment

    bounds = Assessment.objects.aggregate(first=Min("assessed_on"), last=Max("assessed_on"))
    end = max(bounds["last"] or timezone.localdate(), timezone.localdate())
    start = bounds["first"] or end
    if quick:
        import datetime

        start = max(start, end - datetime.timedelta(days=QUICK_DAYS))
    form, filters = filters_from(
        {"start": start.isoformat(), "end": end.isoformat(), "granularity": "year"}
    )
    if filters is None:
        raise RuntimeError(f"filters refused: {form.errors.as_json()}")
    return filters


def _queryset(filters):
    from reporting.exports.nominative import assessments
    from reporting.scope import ReportScope

    (queryset,) = assessments(ReportScope(is_hub=True), filters)
    return queryset


def child_export(path, quick):
    from reporting.exports import write_export
    from reporting.models import ExportKind
    from reporting.scope import ReportScope

    filters = _filters(quick)
    before = peak_rss_kib()
    totals = {}
    started = time.perf_counter()
    write_export(
        ExportKind.ASSESSMENTS,
        "csv",
        ReportScope(is_hub=True),
        filters,
        path,
        on_total=lambda total: totals.update(total=total),
        progress=lambda done: totals.update(done=done),
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": totals.get("done"),
        "estimated": totals.get("total"),
        "bytes": os.path.getsize(path),
        "rss_before_kib": before,
        "peak_kib": peak_rss_kib(),
        "start": filters.start,
        "end": filters.end,
    }


COPY_COLUMNS = (
    "participant__last_name",
    "participant__first_name",
    "competence__code",
    "level__rank",
    "level__label",
    "method",
    "assessor_role",
    "assessed_on",
)


def child_copy(path, quick):
    from django.db import connection

    filters = _filters(quick)
    sql, params = _queryset(filters).values_list(*COPY_COLUMNS).query.sql_with_params()
    before = peak_rss_kib()
    started = time.perf_counter()
    written = 0
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
    with (
        connection.cursor() as cursor,
        open(path, "wb") as handle,
        cursor.cursor.copy(statement, params) as copy,
    ):
        for data in copy:
            handle.write(data)
            written += len(data)
    seconds = time.perf_counter() - started
    with open(path, "rb") as handle:
        rows = sum(1 for _ in handle) - 1
    return {
        "seconds": seconds,
        "rows": rows,
        "bytes": written,
        "rss_before_kib": before,
        "peak_kib": peak_rss_kib(),
    }


def child(mode, quick):
    import django

    django.setup()
    with tempfile.TemporaryDirectory(prefix="socle-bench-") as directory:
        path = os.path.join(directory, "export.csv")
        result = (child_export if mode == "export" else child_copy)(path, quick)
    emit(result)


# The section ------------------------------------------------------------------------------------


def run(quick=False):
    timeout = TIMEOUT_QUICK if quick else TIMEOUT
    flag = "1" if quick else "0"
    section = Section(
        name="export",
        title="Export of the assessments to CSV",
        columns=[
            "measure",
            "rows",
            "time",
            "peak memory (before the operation)",
            "floor (COPY)",
            "ratio to floor",
            "target",
            "met",
        ],
    )
    from trainings.models import Assessment

    every = Assessment.objects.count()
    log("export: COPY (floor)")
    copy = run_child("bench.exports", "copy", flag, timeout=timeout)
    log(f"export: COPY → {copy}")
    log("export: the export job's writer")
    export = run_child("bench.exports", "export", flag, timeout=timeout)
    log(f"export: export → {export}")
    if "error" in copy or "error" in export:
        section.notes.append(
            f"Failed: COPY {copy.get('error', 'ok')}; export {export.get('error', 'ok')}"
        )
        section.raw = {"copy": copy, "export": export}
        return section
    time_ratio = ratio(export["seconds"], copy["seconds"])
    peak_mb = export["peak_kib"] / 1024
    met = time_ratio <= TARGET_RATIO and peak_mb < TARGET_MB
    section.target(
        f"Export of the assessments within {TARGET_RATIO:.0f} × COPY, under {TARGET_MB} MB",
        f"{number(export['rows'])} rows in {secs(export['seconds'])} ({times(time_ratio)} "
        f"COPY's {secs(copy['seconds'])}), peak {megabytes(export['peak_kib'])}",
        met,
    )
    section.add(
        "*floor: COPY (…) TO STDOUT via psycopg*",
        number(copy["rows"]),
        secs(copy["seconds"]),
        f"{megabytes(copy['peak_kib'])} ({megabytes(copy['rss_before_kib'])})",
        "—",
        "—",
        "—",
        "—",
    )
    section.add(
        "The hub's « Évaluations » export, CSV, "
        + ("the last four months" if quick else "the whole period"),
        number(export["rows"]),
        secs(export["seconds"]),
        f"{megabytes(export['peak_kib'])} ({megabytes(export['rss_before_kib'])})",
        secs(copy["seconds"]),
        times(time_ratio),
        f"≤ {TARGET_RATIO:.0f} × COPY, < {TARGET_MB} MB",
        verdict(met),
    )
    rate = export["rows"] / export["seconds"] if export["seconds"] else 0
    section.intro = (
        f"The hub's export of assessments from {export['start']} to {export['end']}"
        f"{' (quick: the last months only)' if quick else ''}: {number(export['rows'])} rows "
        f"of the {number(every)} assessments (self-assessments never count, and people who "
        "opted out of statistics are left out), written as "
        "the background job writes it (reporting.exports.write_export: ids and stored values "
        "read in chunks of 10,000, names, codes and labels read and encoded as CSV once per "
        "distinct value, each line pieced together from them), "
        "each measure in a fresh child process. Memory: the child's peak resident size "
        "(VmHWM), and in brackets the same just before the operation (Django loaded). "
        f"Files: {number(export['bytes'] / 1024 / 1024)} MB (export), "
        f"{number(copy['bytes'] / 1024 / 1024)} MB (COPY, codes instead of labels); "
        f"{number(rate)} rows/s."
    )
    if not met:
        per_row = (export["seconds"] - copy["seconds"]) / export["rows"] if export["rows"] else 0
        section.notes.append(
            f"What is slow: COPY reads and writes the same rows in {secs(copy['seconds'])}; the "
            f"export spends {number(per_row * 1e6)} µs more per row in Python (the rows "
            "loaded as Python values, each line pieced together). Memory: "
            f"{megabytes(export['peak_kib'] - export['rss_before_kib'])} above the loaded "
            "process (the rows stream in chunks)."
        )
    section.raw = {"copy": copy, "export": export}
    return section


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    child(sys.argv[1], sys.argv[2] == "1")
