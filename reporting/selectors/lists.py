"""The lists the hub works from, behind the dashboard's figures: the same querysets, with what a
page row shows, ordered for paging."""

from django.db.models import Count, Prefetch, Q

from accounts.models import User
from trainings.models import RegistrationStatus, SessionStatus

from . import base


def session_rows(scope, filters, *, status="", trainer=""):
    """Every session of the network starting in the period (any status unless one is asked;
    « à clôturer » is `held`), with its place, trainers and registered count."""
    qs = base.sessions(scope, filters, statuses=None)
    if status:
        qs = qs.filter(status=status)
    if trainer:
        qs = qs.filter(
            trainers__in=User.objects.filter(
                Q(last_name__icontains=trainer)
                | Q(first_name__icontains=trainer)
                | Q(email__icontains=trainer)
            )
        ).distinct()
    return (
        qs.select_related("structure__commune")
        .prefetch_related(Prefetch("trainers", queryset=User.objects.order_by("last_name")))
        .annotate(
            registered=Count(
                "registrations",
                filter=Q(registrations__status=RegistrationStatus.REGISTERED),
                distinct=True,
            )
        )
        .order_by("-starts_at", "-pk")
    )


def to_close_count(scope, filters):
    return base.sessions(scope, filters, statuses=[SessionStatus.HELD]).count()


def decision_rows(scope, filters, *, kind="pathway", expiring=False, today=None):
    """Bloc validations or pathway certifications decided in the period (or, with `expiring`,
    current certifications ending within 90 days), newest first."""
    if kind == "bloc":
        qs = base.bloc_validations(scope, filters).select_related("bloc")
    elif expiring:
        qs = base.expiring_certifications(scope, filters, today=today).order_by("valid_until")
    else:
        qs = base.certifications(scope, filters)
    qs = qs.select_related("enrollment__pathway__version", "enrollment__user")
    if not (kind == "pathway" and expiring):
        qs = qs.order_by("-decided_on", "-pk")
    return qs


def attestation_rows(scope, filters, *, kind="", status=""):
    qs = (
        base.revoked_attestations(scope, filters)
        if status == "revoked"
        else base.attestations(scope, filters)
    )
    if kind:
        qs = qs.filter(kind=kind)
    if status and status != "revoked":
        qs = qs.filter(status=status)
    return qs.select_related("holder", "session").order_by("-issued_at", "-pk")
