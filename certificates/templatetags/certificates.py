from django import template

from trainings.formatting import format_hours

register = template.Library()


@register.filter
def hours(value):
    """« 3 h 40 » for 3.6667 hours, « 7 h », « 0 h 05 » (one definition, in trainings, which
    shows attended hours too)."""
    return format_hours(value)


@register.filter
def isodate(value):
    """An ISO date string of an attestation's facts → a date, for |date:"DATE_FORMAT"."""
    import datetime

    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
