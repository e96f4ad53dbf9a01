"""The hub's export files: what each kind holds and how it is written.

`write_export` is called by the background task (reporting.services.report_export_build): it
announces the number of rows it will write (an estimate made by counting before writing), then
streams them to a file, reporting progress as it goes.
"""

from django.utils import timezone

from ..models import ExportKind
from .aggregates import protected_rows, write_aggregates
from .csv import OPEN_DATA, SPREADSHEET
from .writers import CONTENT_TYPES, write_table

# Rows fetched per query while streaming: bounded memory, few round trips.
CHUNK_SIZE = 2000
# The same for the tuples of the biggest files (a few hundred bytes a row).
FAST_CHUNK_SIZE = 10000


def extension(kind, fmt):
    # Several tables in CSV make several files: a ZIP of them.
    if kind == ExportKind.STATISTICS and fmt == "csv":
        return "zip"
    return fmt


def content_type(kind, fmt):
    return CONTENT_TYPES[extension(kind, fmt)]


def filename(kind, fmt, filters):
    """A French file name saying what and when: socle-certifications-du-2026-01-01-au-…csv."""
    if kind == ExportKind.OPEN_PLACES:
        stem = f"socle-lieux-mediation-numerique-{timezone.localdate():%Y-%m-%d}"
    else:
        stem = f"socle-{kind}-du-{filters.start:%Y-%m-%d}-au-{filters.end:%Y-%m-%d}"
    return f"{stem}.{extension(kind, fmt)}"


def resource_rows(resource, parts):
    """Each row through the import-export resource (one model instance per row)."""
    for queryset in parts:
        for instance in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield resource.row(instance)


def _nominative(kind, fmt, scope, filters, path, *, on_total, progress):
    from .nominative import FAST_ROWS, NOMINATIVE

    resource_class, querysets = NOMINATIVE[kind]
    resource = resource_class()
    parts = querysets(scope, filters)
    on_total(sum(qs.count() for qs in parts))
    fast = FAST_ROWS.get(kind)
    encoded = fast is not None and fmt == "csv"
    if fast is None:
        rows = resource_rows(resource, parts)
    elif encoded:
        # The lines the resource's rows would make, pieced together from values encoded once.
        rows = fast(parts, chunk_size=FAST_CHUNK_SIZE, csv_style=SPREADSHEET)
    else:
        # The same rows as the resource's, from tuples; XLSX cells made safe once per value.
        rows = fast(parts, chunk_size=FAST_CHUNK_SIZE, prepared=fmt == "xlsx")
    write_table(
        fmt,
        path,
        resource.headers(),
        rows,
        title=str(ExportKind(kind).label),
        progress=progress,
        encoded=encoded,
    )


def _statistics(fmt, scope, filters, path, *, on_total, progress):
    from ..selectors.statistics import aggregate_tables

    tables = aggregate_tables(scope, filters)
    on_total(sum(len(table.rows) for table in tables))
    meta = {"periode": {"du": filters.start.isoformat(), "au": filters.end.isoformat()}}
    progress(write_aggregates(fmt, path, tables, meta=meta, style=SPREADSHEET))


def _open_territories(fmt, scope, filters, path, *, on_total, progress):
    from .opendata import territories_table

    table = territories_table(scope, filters)
    on_total(len(table.rows))
    write_table(
        fmt,
        path,
        [header for _key, header in table.columns],
        protected_rows(table, hide_with=table.hide_with),
        title=table.slug,
        style=OPEN_DATA,
        progress=progress,
    )


def _open_places(fmt, scope, filters, path, *, on_total, progress):
    from .opendata import place_rows, places, schema_fields

    queryset = places()
    on_total(queryset.count())
    write_table(
        fmt,
        path,
        schema_fields(),
        place_rows(queryset, CHUNK_SIZE),
        title="lieux",
        style=OPEN_DATA,
        progress=progress,
    )


def write_export(kind, fmt, scope, filters, path, *, on_total, progress):
    """Write the file of `kind` in `fmt` at `path` (a local path). `on_total(n)` hears the
    estimated number of rows before any is written, `progress(n)` the rows written so far."""
    if kind == ExportKind.STATISTICS:
        writer = _statistics
    elif kind == ExportKind.OPEN_TERRITORIES:
        writer = _open_territories
    elif kind == ExportKind.OPEN_PLACES:
        writer = _open_places
    else:
        return _nominative(kind, fmt, scope, filters, path, on_total=on_total, progress=progress)
    return writer(fmt, scope, filters, path, on_total=on_total, progress=progress)
