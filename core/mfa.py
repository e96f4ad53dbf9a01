"""Two-factor authentication required for the roles that can change other people's records.

Hub coordinators and trainers must protect their account with a TOTP authenticator (allauth's
MFA); mediators may. Someone first seen with such a role and no authenticator gets a grace
period (SOCLE_MFA_GRACE_DAYS, recorded as a `MfaGracePeriod` row): every page shows a banner
with the way to turn it on. Once it is over, `core.middleware.MfaRequiredMiddleware` sends every
request to the activation page, except the pages that activation itself needs.

The answer is worked out at login (core.apps connects `remember_at_login`) and kept in the
session as a cache of the data, so that a request costs no query: it is worked out again after
RECHECK_SECONDS (a role or an authenticator changed elsewhere) and after any MFA page.
"""

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

from .models import MfaGracePeriod
from .permissions import user_roles

# Roles (core.permissions.user_roles) that must use two-factor authentication.
MFA_REQUIRED_ROLES = frozenset({"hub", "trainer"})

# Reachable whatever the state: allauth's MFA pages (activation, recovery codes, the code asked
# on reauthentication) and what activation needs or a person must always be able to do.
EXEMPT_VIEW_NAMES = frozenset(
    {"account_logout", "admin:logout", "account_reauthenticate", "set_language"}
)
EXEMPT_VIEW_NAME_PREFIX = "mfa_"
# Public pages that anyone may see without an account (attestation verification).
EXEMPT_PATH_PREFIXES = ("/verifier/",)

SESSION_KEY = "socle_mfa"
RECHECK_SECONDS = 15 * 60


@dataclass(frozen=True)
class MfaGrace:
    """A person who must turn on two-factor authentication and has not yet."""

    started_at: datetime
    ends_at: datetime
    now: datetime

    @property
    def expired(self):
        return self.now >= self.ends_at

    @property
    def days_left(self):
        """Whole days left, counting a started day as one (0 once it is over)."""
        if self.expired:
            return 0
        return max(1, math.ceil((self.ends_at - self.now) / timedelta(days=1)))


def requires_mfa(user):
    return bool(MFA_REQUIRED_ROLES & user_roles(user))


def grace_started_at(user):
    """None when the person needs nothing (no role that requires it, or an authenticator
    already); otherwise when their grace period started, which is now if this is the first time
    they are seen so."""
    if not user.is_authenticated or not requires_mfa(user):
        return None
    state = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            has_authenticator=Exists(
                Authenticator.objects.filter(user=OuterRef("pk")).exclude(
                    type=Authenticator.Type.RECOVERY_CODES
                )
            ),
            grace_started_at=Subquery(
                MfaGracePeriod.objects.filter(user=OuterRef("pk")).values("started_at")
            ),
        )
        .values("has_authenticator", "grace_started_at")
        .first()
    )
    if state is None or state["has_authenticator"]:
        return None
    if state["grace_started_at"] is not None:
        return state["grace_started_at"]
    grace, _created = MfaGracePeriod.objects.get_or_create(
        user_id=user.pk, defaults={"started_at": timezone.now()}
    )
    return grace.started_at


def _remember(session, user):
    started_at = grace_started_at(user)
    session[SESSION_KEY] = {
        "user": user.pk,
        "checked": time.time(),
        "grace_started_at": started_at.isoformat() if started_at else None,
    }
    return session[SESSION_KEY]


def remember_at_login(sender, request, user, **kwargs):
    """user_logged_in receiver: every way in (allauth's login, the admin through it, tests'
    force_login) works the answer out once."""
    session = getattr(request, "session", None)
    if session is not None:
        _remember(session, user)


def forget(request):
    """The answer may change (an MFA page was used): work it out again on the next request."""
    if SESSION_KEY in request.session:
        del request.session[SESSION_KEY]


def grace_for(request):
    """The grace period of the person making the request, or None if nothing is asked of them."""
    user = request.user
    if not user.is_authenticated:
        return None
    state = request.session.get(SESSION_KEY)
    if (
        not isinstance(state, dict)
        or state.get("user") != user.pk
        or not 0 <= time.time() - state.get("checked", 0) < RECHECK_SECONDS
    ):
        state = _remember(request.session, user)
    if not state["grace_started_at"]:
        return None
    started_at = datetime.fromisoformat(state["grace_started_at"])
    ends_at = started_at + timedelta(days=settings.SOCLE_MFA_GRACE_DAYS)
    return MfaGrace(started_at=started_at, ends_at=ends_at, now=timezone.now())


def is_exempt(request):
    """The pages a person who must turn on two-factor authentication can always reach."""
    if request.path_info.startswith(EXEMPT_PATH_PREFIXES):
        return True
    # STATIC_URL and MEDIA_URL carry the script prefix, as request.path does.
    if request.path.startswith((settings.STATIC_URL, settings.MEDIA_URL)):
        return True
    match = request.resolver_match
    name = match.view_name if match else ""
    return name in EXEMPT_VIEW_NAMES or name.startswith(EXEMPT_VIEW_NAME_PREFIX)


def grace_banner(days_left):
    """The banner shown on every page during the grace period (HTML: it links to activation)."""
    text = ngettext(
        "Les coordinateurs du hub et les formateurs doivent protéger leur compte par une "
        "authentification à deux facteurs. Il vous reste %(days)d jour pour l'activer ; passé "
        "ce délai, Socle vous le demandera avant toute autre page.",
        "Les coordinateurs du hub et les formateurs doivent protéger leur compte par une "
        "authentification à deux facteurs. Il vous reste %(days)d jours pour l'activer ; passé "
        "ce délai, Socle vous le demandera avant toute autre page.",
        days_left,
    ) % {"days": days_left}
    return format_html(
        '{} <a href="{}">{}</a>',
        text,
        reverse("mfa_activate_totp"),
        gettext("Activer l'authentification à deux facteurs"),
    )


def required_message():
    """Why the person lands on the activation page once the grace period is over."""
    return gettext(
        "Les coordinateurs du hub et les formateurs doivent protéger leur compte par une "
        "authentification à deux facteurs, et le délai pour l'activer est écoulé : activez-la "
        "maintenant pour continuer (il vous faut une application d'authentification, sur votre "
        "téléphone par exemple)."
    )
