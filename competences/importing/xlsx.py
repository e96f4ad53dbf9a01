"""Reading the first sheet of an XLSX workbook, refusing one that holds formulas."""

import io
import zipfile

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .issues import MAX_BYTES, MAX_ROWS, ImportRefused, refuse
from .table import MAX_COLUMNS, Table, cell_text, is_blank, normalize_header, refuse_rows

MAX_UNZIP_RATIO = 10  # an XLSX of a full-size reference unzips to a few times its size


def read_xlsx(data):
    try:
        # A small XLSX can unzip to gigabytes of XML: check before openpyxl expands it.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        refuse(_unreadable_xlsx())
    if unzipped > MAX_BYTES * MAX_UNZIP_RATIO:
        refuse(
            _("Le classeur décompressé dépasse %(mb)s Mo : il est refusé.")
            % {"mb": MAX_BYTES * MAX_UNZIP_RATIO // (1024 * 1024)}
        )
    try:
        table, formulas = _read_first_sheet(data)
    except ImportRefused:
        raise
    except Exception:
        # openpyxl parses lazily and lets through whatever a damaged part raises (XML syntax
        # errors from lxml or ElementTree, IndexError, KeyError, zlib and CRC errors...): any of
        # them means that the workbook cannot be read.
        refuse(_unreadable_xlsx())
    if formulas:
        shown = ", ".join(formulas[:30])
        more = len(formulas) - 30
        message = ngettext(
            "Le classeur contient une formule (cellule %(cells)s) : remplacez-la par sa valeur "
            "(copier puis « coller les valeurs ») et recommencez.",
            "Le classeur contient des formules (cellules %(cells)s) : remplacez-les par leurs "
            "valeurs (copier puis « coller les valeurs ») et recommencez.",
            len(formulas),
        ) % {"cells": shown + (f" … (+{more})" if more > 0 else "")}
        refuse(message)
    if not table.headers:
        refuse(_("Le classeur est vide."))
    return table


def _unreadable_xlsx():
    return _("Le fichier n'est pas un classeur XLSX lisible.")


def _read_first_sheet(data):
    import openpyxl

    # Not data_only: cells holding formulas must be seen as formulas, to refuse them.
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        table = Table(headers=[], protected=True)
        formulas = []
        seen = 0
        for row in sheet.iter_rows(max_col=MAX_COLUMNS + 1):
            seen += 1
            if seen > MAX_ROWS * 4:  # thousands of formatted but empty rows: same refusal
                refuse_rows()
            if len(row) > MAX_COLUMNS and cell_text(getattr(row[-1], "value", None)):
                refuse(
                    _("Le classeur a des cellules au-delà de la colonne %(n)s : il est refusé.")
                    % {"n": MAX_COLUMNS},
                    line=seen,
                )
            row = row[:MAX_COLUMNS]
            formulas.extend(cell.coordinate for cell in row if cell.data_type == "f")
            values = [cell_text(getattr(cell, "value", None)) for cell in row]
            line = next((cell.row for cell in row if hasattr(cell, "row")), seen)
            if not table.headers:
                if is_blank(values):
                    refuse(_("La première ligne doit contenir les noms des colonnes."), line=1)
                table.headers = [normalize_header(value) for value in values]
                while table.headers and not table.headers[-1]:
                    table.headers.pop()
                continue
            if is_blank(values):
                continue
            if len(table.rows) >= MAX_ROWS:
                refuse_rows()
            table.rows.append((line, values))
    finally:
        workbook.close()
    return table, formulas
