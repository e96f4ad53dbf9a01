"""The table every reader produces (a header and numbered rows of text cells), and what the
readers share to build it."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .issues import LINE, MAX_ROWS, refuse

# A reference has 12 columns. openpyxl pads every row (empty ones included) to the width the sheet
# declares, up to 16 384 columns, and a JSON file may hold thousands of distinct keys: reading
# no more than this keeps a small hostile file from costing minutes of CPU.
MAX_COLUMNS = 50


@dataclass
class Table:
    headers: list
    rows: list = field(default_factory=list)  # [(line number, [cell values as str])]
    unit: str = LINE
    encoding: str = ""
    header_line: int | None = 1  # None for JSON, which has no header line
    # CSV and XLSX cells may carry the export's anti-formula apostrophe; JSON never does.
    protected: bool = False


def normalize_header(value):
    return str(value if value is not None else "").strip().lower()


def is_blank(values):
    return all(not str(value).strip() for value in values)


def cell_text(value):
    """A spreadsheet or JSON value as the text of a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def refuse_rows():
    refuse(
        _(
            "Le fichier dépasse %(max)s lignes de données : il est refusé. Vérifiez qu'il "
            "s'agit bien d'un référentiel (une ligne par critère)."
        )
        % {"max": f"{MAX_ROWS:_}".replace("_", "\u202f")}
    )
