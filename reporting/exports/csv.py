"""CSV as spreadsheet software in France opens it, and safe to open.

The files meant for a spreadsheet use ';' between cells, UTF-8 with a byte-order mark (without it
Excel reads UTF-8 as Windows-1252) and a decimal comma (with a point, French Excel reads "3.5" as
the 3rd of May). Open-data files follow RFC 4180 instead (',', no BOM, decimal point), as the
national schemas' validators expect.

Every text cell that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) is prefixed with an apostrophe, in every style.
"""

import csv
import io
import itertools
from dataclasses import dataclass
from decimal import Decimal

from trainings.resources.exports import safe_cell

LINE_END = "\r\n"
# A last cell after those being encoded (CsvStyle.piece), removed afterwards.
_SENTINEL = "x"


@dataclass(frozen=True)
class CsvStyle:
    delimiter: str = ";"
    bom: bool = True
    decimal_comma: bool = True

    # The BOM is written once by `start`: Python's utf-8-sig encoder runs in Python at every
    # write (0.5 s of the 1.5 million-row export), the utf-8 one in C.
    encoding = "utf-8"

    def start(self, handle):
        """Begin a text handle opened with `encoding`: the BOM, where the style wants one."""
        if self.bom:
            handle.write("\ufeff")

    def writer(self, handle):
        return csv.writer(handle, delimiter=self.delimiter, lineterminator=LINE_END)

    def piece(self, cells):
        """`cells` (safe text, whole numbers, None) as the csv module writes them anywhere in a
        line, without what follows them: its quoting looks at each cell alone. A sentinel cell
        comes after them, so that a lone empty cell is written as nothing, not as "" (csv's way
        of telling one empty cell from an empty line)."""
        buffer = io.StringIO()
        self.writer(buffer).writerow([*cells, _SENTINEL])
        return buffer.getvalue()[: -len(self.delimiter + _SENTINEL + LINE_END)]


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
    """A text handle on a file path, with the style's encoding, the BOM written."""
    handle = open(path_or_handle, "w", encoding=style.encoding, newline="")  # noqa: SIM115
    style.start(handle)
    return handle


class CsvWriter:
    """Writes rows of Python values (str, int, Decimal, None) to a text handle opened with
    `newline=""`."""

    def __init__(self, handle, style=SPREADSHEET):
        self.style = style
        self._handle = handle
        self._writer = style.writer(handle)

    def header(self, headers):
        self._writer.writerow([safe_text(str(h)) for h in headers])

    def row(self, values):
        self._writer.writerow([cell(v, self.style) for v in values])

    def lines(self, lines, progress=None, every=2000):
        """Write lines already encoded in this style (CsvStyle.piece, each ending with
        LINE_END), `every` lines at a time; `progress(n)` hears of the lines written."""
        done = 0
        for batch in itertools.batched(lines, every):
            self._handle.write("".join(batch))
            done += len(batch)
            if progress is not None:
                progress(done)
        if progress is not None and not done:
            progress(0)
