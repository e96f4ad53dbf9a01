"""Reading an uploaded file (CSV, XLSX or JSON) into a header and numbered rows.

Refusals at this stage concern the whole file (size, encoding, structure, formulas) and are raised
as ImportRefused; row-by-row checks happen in validation.py.
"""

import codecs
import csv
import io
import json
import re

from django.utils.translation import gettext as _

from ..text import CONTROL_CHARACTERS
from .issues import MAX_BYTES, MAX_ROWS, ORDER_COLUMNS, RECORD, ImportIssue, ImportRefused, refuse
from .table import MAX_COLUMNS, Table, cell_text, is_blank, normalize_header, refuse_rows
from .xlsx import read_xlsx

__all__ = ["FORMATS", "MAX_COLUMNS", "Table", "format_from_filename", "read_limited", "read_table"]

FORMATS = ("csv", "xlsx", "json")


def format_from_filename(name):
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return suffix if suffix in FORMATS else None


def read_limited(fileobj):
    """Read at most MAX_BYTES from a file object; refuse a bigger file without reading it."""
    size = getattr(fileobj, "size", None)
    if size is not None and size > MAX_BYTES:
        _refuse_size()
    data = fileobj.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        _refuse_size()
    return data


def _refuse_size():
    refuse(
        _("Le fichier dépasse %(mb)s Mo : il est refusé. Un référentiel tient en bien moins.")
        % {"mb": MAX_BYTES // (1024 * 1024)}
    )


# Bytes forming valid UTF-8 multi-byte sequences. Found in a file that is not valid UTF-8, they
# mean mixed encodings (e.g. a UTF-8 file edited by a Windows-1252 tool): nobody can tell which
# reading is right.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _undecidable():
    return _(
        "L'encodage du fichier n'a pas pu être déterminé (ni UTF-8, ni Windows-1252). "
        "Enregistrez-le en « CSV UTF-8 » depuis votre tableur et recommencez."
    )


def decode_text(data, *, allow_windows_1252=True):
    """Strict UTF-8 (with or without BOM), else Windows-1252 when the bytes are plausible."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        refuse(_("Le fichier est encodé en UTF-16 : enregistrez-le en UTF-8 et recommencez."))
    if data.startswith(codecs.BOM_UTF8):
        try:
            text, encoding = data[3:].decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            refuse(_undecidable())
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            if not allow_windows_1252:
                refuse(_("Le fichier doit être encodé en UTF-8."))
            try:
                text, encoding = data.decode("cp1252"), "windows-1252"
            except UnicodeDecodeError:
                refuse(_undecidable())
            high = sum(1 for byte in data if byte >= 0x80)
            in_sequences = sum(len(m) for m in _UTF8_SEQUENCE.findall(data))
            if in_sequences and in_sequences * 2 >= high:
                refuse(_undecidable())
    if CONTROL_CHARACTERS.search(text):
        refuse(
            _(
                "Le fichier contient des caractères de contrôle : ce n'est pas un fichier texte "
                "lisible. Enregistrez-le en « CSV UTF-8 » et recommencez."
            )
        )
    return text, encoding


def _header(cells, line):
    """Column names, without the empty cells a spreadsheet leaves at the end of the line."""
    headers = [normalize_header(cell) for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        refuse(
            _("La ligne d'en-tête a plus de %(n)s colonnes : ce n'est pas un référentiel.")
            % {"n": MAX_COLUMNS},
            line=line,
        )
    return headers


def _csv_error_message(error):
    """The csv module's (English) complaint, said in French."""
    text = str(error)
    if "field limit" in text:
        return _("une cellule dépasse %(kb)s Ko : ce n'est pas un référentiel.") % {
            "kb": csv.field_size_limit() // 1024
        }
    if "expected after" in text:
        return _(
            "un guillemet est mal placé : dans une cellule entre guillemets, un guillemet "
            's\'écrit doublé ("").'
        )
    return _("le fichier CSV est mal formé (guillemets non refermés ?).")


def read_csv(data):
    text, encoding = decode_text(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # French spreadsheets write ";"; others ",". The header names contain neither.
    delimiter = ";" if ";" in first_line else ("," if "," in first_line else "\t")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table = Table(headers=[], encoding=encoding, protected=True)
    previous_end = 0
    try:
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not table.headers:
                table.headers = _header(cells, line)
                table.header_line = line
                continue
            if not cells or is_blank(cells):
                continue
            if len(table.rows) >= MAX_ROWS:
                refuse_rows()
            table.rows.append((line, cells))
    except csv.Error as error:
        refuse(_csv_error_message(error), line=previous_end + 1)
    if not table.headers:
        refuse(_("Le fichier est vide."))
    return table


def _json_value_problem(header, value):
    """Why a JSON value cannot be read as the text of its column (None when it can). A whole
    number is written exactly as text; a decimal one is not (1.10 would become "1.1"), nor is
    true or false."""
    if value is None or isinstance(value, str):
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and (header in ORDER_COLUMNS or isinstance(value, int)):
        return None
    if header in ORDER_COLUMNS:
        return _("la valeur de « %(col)s » doit être un nombre entier.") % {"col": header}
    return _("la valeur de « %(col)s » doit être un texte, entre guillemets.") % {"col": header}


def read_json(data):
    text, _encoding = decode_text(data, allow_windows_1252=False)
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        refuse(
            _("Le JSON est invalide (colonne %(col)s) : %(msg)s")
            % {"col": error.colno, "msg": error.msg},
            line=error.lineno,
        )
    except RecursionError:
        refuse(
            _("Le JSON est imbriqué trop profondément : une liste d'objets simples est attendue.")
        )
    except ValueError:
        # Python refuses to read an integer of more than 4 300 digits (a denial-of-service guard).
        refuse(_("Le JSON contient un nombre démesuré : ce n'est pas un référentiel."))
    if not isinstance(records, list):
        refuse(_("Le JSON doit être une liste d'objets, un par critère."))
    if len(records) > MAX_ROWS:
        refuse_rows()
    headers = {}  # an ordered set
    issues = []
    for record in records:
        if isinstance(record, dict):
            for key in record:
                headers[normalize_header(key)] = None
            if len(headers) > MAX_COLUMNS:
                refuse(
                    _("Le JSON a plus de %(n)s clés différentes : ce n'est pas un référentiel.")
                    % {"n": MAX_COLUMNS}
                )
    headers = list(headers)
    table = Table(headers=headers, unit=RECORD, encoding="utf-8", header_line=None)
    for position, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            issues.append(ImportIssue(position, _("ce n'est pas un objet JSON."), RECORD))
            continue
        by_name = {normalize_header(key): value for key, value in record.items()}
        values = []
        for header in headers:
            value = by_name.get(header)
            problem = _json_value_problem(header, value)
            if problem:
                issues.append(ImportIssue(position, problem, RECORD))
                value = ""
            values.append(cell_text(value))
        if not is_blank(values):
            table.rows.append((position, values))
    if issues:
        raise ImportRefused(issues)
    return table


READERS = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json}


def read_table(data, fmt):
    if len(data) > MAX_BYTES:
        _refuse_size()
    if fmt not in READERS:
        refuse(_("Format non pris en charge : choisissez CSV, XLSX ou JSON."))
    return READERS[fmt](data)
