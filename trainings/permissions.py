"""Who may train and assess a bloc.

A user may run sessions on a bloc and assess its competences when the hub accredited them for it
(a TrainerAccreditation valid on the day concerned: each session day, the day assessed), or when
they hold a valid certification of that bloc (peer trainer). Certifications live in a later app
that depends on this one, so it registers its check with `register_peer_trainer_source` instead
of being imported here.

Blocs are matched by referential and code, so an accreditation granted on version 1's bloc B2
still covers bloc B2 of version 2.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import AssessorRole, TrainerAccreditation

_peer_sources = []


def register_peer_trainer_source(func):
    """func(user, bloc, on_date) -> bool: does the user hold a valid certification of the bloc?

    Optional attributes on func: `has_any(user) -> bool` (any valid certification at all, for the
    trainer role) and `candidates(referential_id, on_date) -> queryset of user ids` (who may train
    blocs of that referential, to offer them as co-trainers).
    """
    if func not in _peer_sources:
        _peer_sources.append(func)


def accreditations_valid_on(user, on_date=None):
    on_date = on_date or timezone.localdate()
    return TrainerAccreditation.objects.filter(
        user=user, revoked_at__isnull=True, valid_from__lte=on_date, valid_until__gte=on_date
    )


def is_accredited_for(user, bloc, on_date=None):
    return (
        accreditations_valid_on(user, on_date)
        .filter(bloc__code=bloc.code, bloc__version__referential_id=bloc.version.referential_id)
        .exists()
    )


def is_peer_trainer_for(user, bloc, on_date=None):
    on_date = on_date or timezone.localdate()
    return any(source(user, bloc, on_date) for source in _peer_sources)


def trainer_role_for(user, bloc, on_date=None):
    """AssessorRole.ACCREDITED, AssessorRole.PEER, or None when the user may not train the bloc."""
    if not user.is_authenticated:
        return None
    if is_accredited_for(user, bloc, on_date):
        return AssessorRole.ACCREDITED
    if is_peer_trainer_for(user, bloc, on_date):
        return AssessorRole.PEER
    return None


def can_train_bloc(user, bloc, on_date=None):
    return trainer_role_for(user, bloc, on_date) is not None


def is_trainer(user):
    """The trainer role: a valid accreditation, a peer source that says so, or a session to run."""
    if not user.is_authenticated:
        return False
    if accreditations_valid_on(user).exists():
        return True
    if user.trained_sessions.exists():
        return True
    return any(getattr(source, "has_any", lambda u: False)(user) for source in _peer_sources)


def trainer_candidates(version, on_date=None):
    """Users who may train at least one bloc of the version's referential on that date: the
    session form offers them as co-trainers (the session service still checks each bloc)."""
    on_date = on_date or timezone.localdate()
    accredited = TrainerAccreditation.objects.filter(
        revoked_at__isnull=True,
        valid_from__lte=on_date,
        valid_until__gte=on_date,
        bloc__version__referential_id=version.referential_id,
    ).values("user_id")
    users = get_user_model().objects.filter(is_active=True)
    condition = users.filter(pk__in=accredited)
    for source in _peer_sources:
        candidates = getattr(source, "candidates", None)
        if candidates is not None:
            condition = condition | users.filter(pk__in=candidates(version.referential_id, on_date))
    return condition.order_by("last_name", "first_name")
