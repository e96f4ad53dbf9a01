"""Reads about trainer accreditations for the hub's pages."""

from django.db.models import Q
from django.utils import timezone

from competences.models import Bloc

from ..models import AccreditationSource, TrainerAccreditation, TrainerInvitation

VALID, EXPIRED, REVOKED, FUTURE = "valid", "expired", "revoked", "future"


def accreditations_list(*, search="", bloc_code="", state="", today=None):
    today = today or timezone.localdate()
    # The hub's own grants: a peer trainer's right follows their bloc validation.
    qs = TrainerAccreditation.objects.filter(source=AccreditationSource.HUB).select_related(
        "user", "bloc__version__referential", "granted_by"
    )
    if search:
        qs = qs.filter(
            Q(user__email__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__first_name__icontains=search)
        )
    if bloc_code:
        qs = qs.filter(bloc__code=bloc_code)
    if state == VALID:
        qs = qs.filter(revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today)
    elif state == EXPIRED:
        qs = qs.filter(revoked_at__isnull=True, valid_until__lt=today)
    elif state == FUTURE:
        qs = qs.filter(revoked_at__isnull=True, valid_from__gt=today)
    elif state == REVOKED:
        qs = qs.filter(revoked_at__isnull=False)
    return qs.order_by("user__last_name", "user__first_name", "bloc__code", "-valid_until")


def accreditation_state(accreditation, today=None):
    today = today or timezone.localdate()
    if accreditation.revoked_at is not None:
        return REVOKED
    if accreditation.valid_until < today:
        return EXPIRED
    if accreditation.valid_from > today:
        return FUTURE
    return VALID


def bloc_codes():
    """Distinct bloc codes of published versions, for the filter."""
    seen = {}
    for bloc in Bloc.objects.filter(version__status="published").order_by("order", "code"):
        seen.setdefault(bloc.code, bloc)
    return list(seen.values())


def accreditations_of(user):
    return (
        TrainerAccreditation.objects.filter(user=user)
        .select_related("bloc__version__referential", "granted_by")
        .order_by("bloc__code", "-valid_until")
    )


def pending_invitations(now=None):
    """Invitations still waiting for their trainer, newest first."""
    return (
        TrainerInvitation.objects.filter(
            accepted_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gte=now or timezone.now(),
        )
        .select_related("invited_by")
        .prefetch_related("blocs")
        .order_by("-created_at", "-pk")
    )
