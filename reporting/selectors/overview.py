"""Reads for the hub coordinator's overview. Every figure is one aggregate query."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Structure
from trainings.models import (
    Assessment,
    AssessorRole,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
    TrainerAccreditation,
)


def hub_overview(now=None):
    now = now or timezone.now()
    sessions = Session.objects.aggregate(
        upcoming=Count("pk", filter=Q(status=SessionStatus.PUBLISHED, starts_at__gt=now)),
        running=Count(
            "pk",
            filter=Q(status=SessionStatus.PUBLISHED, starts_at__lte=now, ends_at__gt=now),
        ),
        to_close=Count("pk", filter=Q(status=SessionStatus.HELD)),
    )
    return {
        "people": get_user_model().objects.filter(is_active=True).count(),
        "structures": Structure.objects.count(),
        "trainers": TrainerAccreditation.objects.filter(
            revoked_at__isnull=True,
            valid_from__lte=timezone.localdate(now),
            valid_until__gte=timezone.localdate(now),
        )
        .values("user")
        .distinct()
        .count(),
        "sessions": sessions,
        "waiting": Registration.objects.filter(
            status=RegistrationStatus.WAITING, session__status=SessionStatus.PUBLISHED
        ).count(),
        "peer_awaiting_review": Assessment.objects.filter(
            assessor_role=AssessorRole.PEER, review__isnull=True
        ).count(),
    }
