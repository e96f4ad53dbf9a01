"""What the import says when it refuses a file: every issue with its line, in French."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

# The eight columns every file must have, then the optional ones (the export writes them all).
COLUMNS = (
    "bloc_code",
    "bloc_title",
    "bloc_description",
    "competence_code",
    "competence_title",
    "competence_description",
    "criterion_code",
    "criterion_text",
)
OPTIONAL_COLUMNS = (
    "bloc_evaluation_modalities",
    "bloc_order",
    "competence_order",
    "criterion_order",
)
ALL_COLUMNS = COLUMNS + OPTIONAL_COLUMNS
ORDER_COLUMNS = ("bloc_order", "competence_order", "criterion_order")

# A real reference has a few hundred criteria; the caps keep a wrong file from eating memory.
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

LINE = "line"  # CSV and XLSX: the line (row) number in the file, the header being line 1
RECORD = "record"  # JSON: the position of the object in the list, from 1


@dataclass(frozen=True)
class ImportIssue:
    line: int | None
    message: str
    unit: str = LINE

    def where(self):
        if self.line is None:
            return ""
        if self.unit == RECORD:
            return _("Enregistrement %(n)s") % {"n": self.line}
        return _("Ligne %(n)s") % {"n": self.line}

    def __str__(self):
        where = self.where()
        return f"{where} : {self.message}" if where else str(self.message)


class ImportRefused(Exception):
    """The whole file is refused; `issues` lists every reason (nothing was written)."""

    def __init__(self, issues):
        self.issues = list(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))


def refuse(message, line=None, unit=LINE):
    raise ImportRefused([ImportIssue(line, message, unit)])


# Spreadsheets run a cell beginning with one of these as a formula. The export protects such a
# cell with a leading apostrophe and the import removes it, so a round trip keeps the text. A
# value that itself begins with an apostrophe is protected too, so that one is never lost.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def protect_cell(value):
    if isinstance(value, str) and value and (value[0] in FORMULA_STARTS or value[0] == "'"):
        return "'" + value
    return value


def unprotect_cell(value):
    if len(value) >= 2 and value[0] == "'" and (value[1] in FORMULA_STARTS or value[1] == "'"):
        return value[1:]
    return value
