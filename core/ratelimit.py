"""Rate limits for Socle's own public endpoints, counted in the shared cache by allauth's
limiter (the one that already guards logins), so every app process sees the same counts."""

from allauth.core.internal import ratelimit as _allauth
from django.conf import settings


def allow(request, action):
    """Consume one use of `action` for this client; False when over the limit.

    Limits are "<count>/<period>/<ip|user>" strings in settings.SOCLE_RATE_LIMITS.
    """
    return (
        _allauth.consume(
            request,
            app="socle",
            action=action,
            config=settings.SOCLE_RATE_LIMITS,
            limit_get=True,
        )
        is not None
    )
