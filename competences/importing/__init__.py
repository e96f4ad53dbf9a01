"""Importing a reference file (CSV, XLSX, JSON) as a new draft version.

reading.py (xlsx.py for workbooks) turns bytes into a table.Table, refusing a file that is too
big, undecodable, malformed or holding formulas; validation.py checks every row, and
competences.resources (django-import-export) writes the draft through competences.services.
Whatever refuses the file, nothing is written and ImportRefused lists every issue with its line.
"""

from .issues import (
    ALL_COLUMNS,
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    OPTIONAL_COLUMNS,
    ImportIssue,
    ImportRefused,
    protect_cell,
    refuse,
    unprotect_cell,
)
from .reading import FORMATS, format_from_filename, read_limited, read_table

__all__ = [
    "ALL_COLUMNS",
    "COLUMNS",
    "FORMATS",
    "MAX_BYTES",
    "MAX_ROWS",
    "OPTIONAL_COLUMNS",
    "ImportIssue",
    "ImportRefused",
    "format_from_filename",
    "import_reference",
    "import_reference_file",
    "protect_cell",
    "read_limited",
    "read_table",
    "unprotect_cell",
]


def import_reference(*, actor, data, fmt, code, title="", notes=""):
    """Create a draft version of referential `code` from the bytes of a file; return it."""
    from django.utils.translation import gettext as _

    from ..resources import FORMAT_CLASSES, ReferentialRowResource

    if fmt not in FORMAT_CLASSES:
        refuse(_("Format non pris en charge : choisissez CSV, XLSX ou JSON."))
    dataset = FORMAT_CLASSES[fmt]().create_dataset(data)
    resource = ReferentialRowResource(code=code, title=title, actor=actor, notes=notes)
    resource.import_data(dataset, dry_run=False)
    if resource.issues:
        raise ImportRefused(resource.issues)
    return resource.version


def import_reference_file(*, actor, fileobj, code, title="", fmt=None, filename="", notes=""):
    """Same, from an open binary file (an upload or a file on disk): the size is checked before
    the content is read, and the format comes from the file name when not given."""
    from django.utils.translation import gettext as _

    fmt = fmt or format_from_filename(filename or getattr(fileobj, "name", "") or "")
    if fmt is None:
        refuse(_("Format de fichier non reconnu : utilisez un fichier .csv, .xlsx ou .json."))
    data = read_limited(fileobj)
    return import_reference(actor=actor, data=data, fmt=fmt, code=code, title=title, notes=notes)
