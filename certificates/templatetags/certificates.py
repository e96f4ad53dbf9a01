from django import template

from ..eligibility import format_hours

register = template.Library()


@register.filter
def hours(value):
    """« 3 h 40 » for 3.6667 hours."""
    return format_hours(value or 0)


@register.filter
def isodate(value):
    """An ISO date string of an attestation's facts → a date, for |date:"DATE_FORMAT"."""
    import datetime

    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
