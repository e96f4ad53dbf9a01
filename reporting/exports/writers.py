"""Write rows to a file in CSV, XLSX or JSON, streaming: rows come from a generator and leave for
the disk at once, so memory stays bounded at 100 000 rows and more (openpyxl's write-only
workbook keeps its rows in a temporary file; JSON is written one object at a time)."""

import io
import json
import zipfile
from decimal import Decimal

from openpyxl import Workbook

from .csv import SPREADSHEET, CsvWriter, open_csv, safe_text

# Progress is saved every PROGRESS_EVERY rows: often enough for a bar, rarely enough to cost
# nothing next to the writing.
PROGRESS_EVERY = 2000

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "zip": "application/zip",
}


def _counted(rows, progress, every):
    done = 0
    for row in rows:
        yield row
        done += 1
        if progress is not None and done % every == 0:
            progress(done)
    if progress is not None:
        progress(done)


def json_default(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _xlsx_value(value):
    return safe_text(value) if isinstance(value, str) else value


def _sheet_title(title):
    # Excel: 31 characters at most, none of []:*?/\ .
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31] or "Feuille"


def _csv_rows(handle, headers, rows, style):
    writer = CsvWriter(handle, style)
    writer.header(headers)
    for row in rows:
        writer.row(row)


def write_table(
    fmt, path, headers, rows, *, title="", style=SPREADSHEET, progress=None, encoded=False
):
    """Write one table; `rows` yields sequences in the order of `headers`. Returns nothing:
    `progress(n)` hears of the rows written, every PROGRESS_EVERY rows and at the end.

    `encoded` (CSV only): `rows` yields lines of CSV already encoded in `style`
    (csv.CsvStyle.piece), written as they are."""
    headers = [str(h) for h in headers]
    if encoded:
        if fmt != "csv":
            raise ValueError("Only CSV rows come encoded.")
        with open_csv(path, style) as handle:
            writer = CsvWriter(handle, style)
            writer.header(headers)
            writer.lines(rows, progress, PROGRESS_EVERY)
        return
    rows = _counted(rows, progress, PROGRESS_EVERY)
    if fmt == "csv":
        with open_csv(path, style) as handle:
            _csv_rows(handle, headers, rows, style)
    elif fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_sheet_title(title))
        sheet.append([safe_text(h) for h in headers])
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
        book.save(path)
    elif fmt == "json":
        # A list of objects keyed by the column headers, one line each.
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("[")
            for index, row in enumerate(rows):
                handle.write(",\n" if index else "\n")
                # dumps, not dump: dump encodes in pure Python, several times slower.
                handle.write(
                    json.dumps(
                        dict(zip(headers, row, strict=True)),
                        ensure_ascii=False,
                        default=json_default,
                    )
                )
            handle.write("\n]\n")
    else:
        raise ValueError(f"Unknown format {fmt!r}")


def write_tables(fmt, path, tables, *, meta=None, style=SPREADSHEET):
    """Write several small tables (name, title, headers, rows) in one file: a ZIP of CSV files,
    a workbook with a sheet each, or one JSON document with `meta` beside the tables."""
    if fmt == "csv":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, _title, headers, rows in tables:
                with archive.open(f"{name}.csv", "w") as raw:
                    handle = io.TextIOWrapper(raw, encoding=style.encoding, newline="")
                    style.start(handle)
                    _csv_rows(handle, [str(h) for h in headers], rows, style)
                    handle.flush()
                    handle.detach()
    elif fmt == "xlsx":
        book = Workbook(write_only=True)
        for name, _title, headers, rows in tables:
            sheet = book.create_sheet(_sheet_title(name))
            sheet.append([safe_text(str(h)) for h in headers])
            for row in rows:
                sheet.append([_xlsx_value(v) for v in row])
        book.save(path)
    elif fmt == "json":
        document = dict(meta or {})
        document["tableaux"] = [
            {
                "identifiant": name,
                "titre": str(title),
                "lignes": [dict(zip([str(h) for h in headers], row, strict=True)) for row in rows],
            }
            for name, title, headers, rows in tables
        ]
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1, default=json_default)
    else:
        raise ValueError(f"Unknown format {fmt!r}")
