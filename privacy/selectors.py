"""Reads about a person's own data."""

from core.models import AuditLog


def accesses_to(user):
    """Who read or changed this person's records: everyone but the person (Socle's automatic
    work included), newest first. Names are read from the accounts now."""
    return (
        AuditLog.objects.filter(subject=user)
        .exclude(actor=user)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
