"""Who may train and assess a bloc.

A user may run sessions on a bloc and assess its competences when they hold an accreditation
valid on the day concerned (each session day, the day assessed): granted by the hub (an
accredited trainer), or written by the certificates app when a validation of that bloc is
recorded for them (a peer trainer, until it expires or is withdrawn). Both are rows of
TrainerAccreditation, so who could train whom on a date stays answerable.

Blocs are matched by referential and code, so an accreditation granted on version 1's bloc B2
still covers bloc B2 of version 2.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from competences.models import Bloc

from .models import AccreditationSource, AssessorRole, TrainerAccreditation


def _valid_on(on_date):
    """Accreditations valid on a day. A revocation ends the right from the day it is made, and
    leaves the days before as they were: "was she accredited on the day she assessed?" keeps its
    answer after a later revocation."""
    return TrainerAccreditation.objects.filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__date__gt=on_date),
        valid_from__lte=on_date,
        valid_until__gte=on_date,
    )


def accreditations_valid_on(user, on_date=None, *, source=AccreditationSource.HUB):
    """The user's accreditations of one source (the hub's by default) valid on the day."""
    return _valid_on(on_date or timezone.localdate()).filter(user=user, source=source)


def _covers(queryset, bloc):
    return queryset.filter(
        bloc__code=bloc.code, bloc__version__referential_id=bloc.version.referential_id
    ).exists()


def is_accredited_for(user, bloc, on_date=None):
    return _covers(accreditations_valid_on(user, on_date), bloc)


def is_peer_trainer_for(user, bloc, on_date=None):
    return _covers(
        accreditations_valid_on(user, on_date, source=AccreditationSource.CERTIFICATION), bloc
    )


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
    """The trainer role: a valid accreditation (the hub's or a peer's) or a session to run."""
    if not user.is_authenticated:
        return False
    if _valid_on(timezone.localdate()).filter(user=user).exists():
        return True
    return user.trained_sessions.exists()


def trainable_bloc_codes(user, referential_id, from_date=None):
    """Codes of the referential's blocs the user holds an accreditation for (the hub's or a
    peer's) on some day from `from_date` (today) on: what the session form offers them."""
    from_date = from_date or timezone.localdate()
    return set(
        TrainerAccreditation.objects.filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__date__gt=from_date),
            user=user,
            valid_until__gte=from_date,
            bloc__version__referential_id=referential_id,
        ).values_list("bloc__code", flat=True)
    )


def trainer_accreditations(version, on_date=None):
    """Accreditations (hub or peer) on the version's referential valid on that date."""
    # The referential's bloc ids first: joined in SQL, a never-analysed table of four blocs
    # made PostgreSQL walk every accreditation of the network for each search.
    blocs = list(
        Bloc.objects.filter(version__referential_id=version.referential_id).values_list(
            "pk", flat=True
        )
    )
    return _valid_on(on_date or timezone.localdate()).filter(bloc_id__in=blocs)


def trainer_candidates(version, on_date=None):
    """Users who may train at least one bloc of the version's referential on that date (hub or
    peer accreditation): the session form offers them as co-trainers (the session service still
    checks each bloc)."""
    holders = trainer_accreditations(version, on_date)
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=holders.values("user_id"))
        .order_by("last_name", "first_name")
    )
