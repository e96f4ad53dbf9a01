"""How durations read in Socle's pages and documents: « 3 h 40 », « 7 h », « 0 h 05 »."""

from decimal import ROUND_HALF_UP, Decimal


def format_hours(value):
    """Hours (a Decimal, float or int; None reads as 0) as French hours and minutes, rounded to
    the minute: 3.6667 → « 3 h 40 », 7 → « 7 h », 0.0833 → « 0 h 05 ». Never « 3,67 h »: a
    decimal fraction of an hour is easy to misread on a timesheet."""
    minutes = int((Decimal(str(value or 0)) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours} h {rest:02d}" if rest else f"{sign}{hours} h"
