"""Reads about a mediator's own registrations."""

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from ..models import (
    ATTENDED_STATUSES,
    Attendance,
    Registration,
    RegistrationStatus,
    SessionStatus,
    Slot,
)


def _attended_marks():
    return Attendance.objects.filter(is_current=True, status__in=ATTENDED_STATUSES)


def registration_has_attended(registration):
    """Has the person signed (present or late, current mark) at least one slot? Such a
    registration can no longer be cancelled: its hours count for a certification."""
    return _attended_marks().filter(registration=registration).exists()


def with_has_attended(queryset):
    """Registrations annotated with `has_attended` (see registration_has_attended), in the same
    query, so a page hides its « Annuler » / « Retirer » buttons without a query per row."""
    return queryset.annotate(
        has_attended=Exists(_attended_marks().filter(registration=OuterRef("pk")))
    )


def _with_session(queryset):
    return with_has_attended(
        queryset.select_related("session__structure__commune").prefetch_related(
            Prefetch("session__slots", queryset=Slot.objects.order_by("starts_at"))
        )
    )


HISTORY_PER_PAGE = 20


def registrations_of_user(user, *, now=None, history_page=None):
    """The user's registrations: upcoming ones (registered or waiting, session published and
    not over) whole, soonest first; the history (everything else) a page at a time, newest
    first, since it grows with the years."""
    now = now or timezone.now()
    mine = _with_session(Registration.objects.filter(user=user))
    running = Q(session__status=SessionStatus.PUBLISHED) & (
        Q(session__ends_at__gt=now) | Q(session__ends_at__isnull=True)
    )
    active = ~Q(status=RegistrationStatus.CANCELLED)
    upcoming = list(mine.filter(active & running).order_by("session__starts_at", "pk"))
    history = Paginator(
        mine.exclude(active & running).order_by("-session__starts_at", "-pk"), HISTORY_PER_PAGE
    ).get_page(history_page)
    return upcoming, history


def next_registrations(user, *, limit=3, now=None):
    now = now or timezone.now()
    return list(
        _with_session(
            Registration.objects.filter(
                user=user,
                status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.WAITING),
                session__status=SessionStatus.PUBLISHED,
                session__ends_at__gt=now,
            )
        ).order_by("session__starts_at", "pk")[:limit]
    )


def registration_of_user(user, pk):
    """One of the user's own registrations; 404 for anyone else's."""
    registration = _with_session(Registration.objects.filter(pk=pk, user=user)).first()
    if registration is None:
        raise Http404
    return registration
