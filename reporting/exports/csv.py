"""CSV as spreadsheet software in France opens it, and safe to open.

The files meant for a spreadsheet use ';' between cells, UTF-8 with a byte-order mark (without it
Excel reads UTF-8 as Windows-1252) and a decimal comma (with a point, French Excel reads "3.5" as
the 3rd of May). Open-data files follow RFC 4180 instead (',', no BOM, decimal point), as the
national schemas' validators expect.

Every text cell that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) is prefixed with an apostrophe, in every style.
"""

import csv
from dataclasses import dataclass
from decimal import Decimal

from trainings.resources.exports import safe_cell


@dataclass(frozen=True)
class CsvStyle:
    delimiter: str = ";"
    bom: bool = True
    decimal_comma: bool = True

    @property
    def encoding(self):
        return "utf-8-sig" if self.bom else "utf-8"


SPREADSHEET = CsvStyle()
OPEN_DATA = CsvStyle(delimiter=",", bom=False, decimal_comma=False)


def safe_text(value):
    """A text cell no spreadsheet runs as a formula, without characters XLSX cannot hold."""
    return safe_cell(value)


def cell(value, style=SPREADSHEET):
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("Exports write booleans as words (oui/non), not True/False.")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        text = str(value)
        return text.replace(".", ",") if style.decimal_comma else text
    return safe_text(str(value))


def open_csv(path_or_handle, style=SPREADSHEET):
    """A text handle on a file path, with the style's encoding (the BOM comes with it)."""
    return open(path_or_handle, "w", encoding=style.encoding, newline="")


class CsvWriter:
    """Writes rows of Python values (str, int, Decimal, None) to a text handle opened with
    `newline=""`."""

    def __init__(self, handle, style=SPREADSHEET):
        self.style = style
        self._writer = csv.writer(handle, delimiter=style.delimiter, lineterminator="\r\n")

    def header(self, headers):
        self._writer.writerow([safe_text(str(h)) for h in headers])

    def row(self, values):
        self._writer.writerow([cell(v, self.style) for v in values])

    def prepared_rows(self, rows, progress=None, every=2000):
        """Write rows that hold only safe text, whole numbers and None (what `cell` would leave
        as is: csv writes None as an empty cell and a number as str() does), `every` rows at a
        time; `progress(n)` hears of the rows written."""
        done = 0
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == every:
                self._writer.writerows(batch)
                done += every
                batch.clear()
                if progress is not None:
                    progress(done)
        self._writer.writerows(batch)
        done += len(batch)
        if progress is not None:
            progress(done)
