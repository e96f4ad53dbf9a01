from django import template

from ..eligibility import format_hours

register = template.Library()


@register.filter
def hours(value):
    """« 3 h 40 » for 3.6667 hours."""
    return format_hours(value or 0)
