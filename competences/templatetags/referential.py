from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from competences.selectors import fold

register = template.Library()


@register.filter
def highlight(text, query):
    """Wrap the (accent- and case-insensitive) matches of `query` in <mark>, escaping the rest."""
    text = str(text or "")
    needle = fold(str(query or "").strip())
    if not needle:
        return escape(text)
    folded = fold(text)
    parts = []
    start = 0
    while True:
        found = folded.find(needle, start)
        if found < 0:
            break
        parts.append(escape(text[start:found]))
        parts.append(f"<mark>{escape(text[found : found + len(needle)])}</mark>")
        start = found + len(needle)
    parts.append(escape(text[start:]))
    return mark_safe("".join(parts))  # noqa: S308 — every piece is escaped above


@register.inclusion_tag("competences/_status_badge.html")
def status_badge(version):
    return {"version": version}
