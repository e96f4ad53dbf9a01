"""Aggregate tables (the dashboard's, and open data) written to CSV, XLSX or JSON under the
small-cell rule: every count of people between 1 and SOCLE_STATS_SMALL_CELL - 1 is written
"< N", since a count of 1 or 2 in a small département names someone. Zero stays 0 (nobody to
recognise). Every aggregate file Socle writes leaves the hub, so the rule applies to all.

A table is any object with `slug`, `title`, `columns` ([(key, header)]), `rows` ([{key: value}])
and `count_keys` (the keys whose values count people), like
`reporting.selectors.statistics.AggregateTable`."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from .csv import SPREADSHEET
from .writers import write_tables

PLAIN = (str, int, float, Decimal, type(None))


def threshold():
    return settings.SOCLE_STATS_SMALL_CELL


def small_cell(value, limit=None):
    """A count below the threshold (but above 0) as "< N"; anything else unchanged."""
    limit = threshold() if limit is None else limit
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < limit:
        return f"< {limit}"
    return value


def _plain(value):
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value if isinstance(value, PLAIN) else str(value)


def protected_rows(table, limit=None, hide_with=None):
    """The table's rows as lists in column order, counts of people masked. `hide_with` maps a
    column to a count column: when that count is masked, the column is masked too (the hours of
    two people are theirs)."""
    hide_with = hide_with or {}
    for row in table.rows:
        values = {}
        for key, _header in table.columns:
            value = _plain(row.get(key))
            values[key] = small_cell(value, limit) if key in table.count_keys else value
        for key, count_key in hide_with.items():
            if values[count_key] != row.get(count_key):
                values[key] = None
        yield [values[key] for key, _header in table.columns]


def write_aggregates(fmt, path, tables, *, meta=None, style=SPREADSHEET, limit=None):
    """Write the tables in one file (see writers.write_tables); returns the rows written."""
    limit = threshold() if limit is None else limit
    prepared = [
        (
            table.slug,
            table.title,
            [header for _key, header in table.columns],
            list(protected_rows(table, limit, getattr(table, "hide_with", None))),
        )
        for table in tables
    ]
    document = {
        "seuil_secret_statistique": limit,
        "note": _(
            "Les effectifs de personnes compris entre 1 et %(below)s sont remplacés par "
            "« < %(limit)s »."
        )
        % {"below": limit - 1, "limit": limit},
        **(meta or {}),
    }
    write_tables(fmt, path, prepared, meta=document, style=style)
    return sum(len(rows) for _slug, _title, _headers, rows in prepared)
