from django import template

from ..formatting import format_hours

register = template.Library()


@register.filter
def hours(value):
    """« 3 h 40 » for 3.6667 hours (see trainings.formatting.format_hours)."""
    return format_hours(value)
