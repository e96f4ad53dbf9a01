"""allauth's account adapter: a first login leads to the profile when it is incomplete.

A person who has just signed up has neither a commune nor a structure, so Socle can neither
count them on a territory nor offer them the sessions near where they work. Their first login
goes once to the profile page with a short explanation. Once only (the first login, known from
`last_login` being empty before it), and never instead of an explicit destination (`?next=`,
such as the session they were registering for): it must never loop nor block.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Membership

FIRST_LOGIN_ATTRIBUTE = "_socle_first_login"


def missing_profile_parts(user):
    """What the person has not told Socle yet: "commune", "structure" (any membership, even
    one awaiting approval, counts as told)."""
    missing = []
    if not user.commune_id:
        missing.append("commune")
    if not Membership.objects.filter(user=user).exists():
        missing.append("structure")
    return missing


def _profile_prompt(missing):
    if missing == ["commune"]:
        return _(
            "Bienvenue sur Socle ! Indiquez votre commune d'exercice (rubrique « Où je suis "
            "compté·e ») : nous vous proposerons les sessions proches de chez vous."
        )
    if missing == ["structure"]:
        return _(
            "Bienvenue sur Socle ! Rattachez-vous à la structure où vous travaillez (rubrique « "
            "Mes structures ») : nous vous proposerons les sessions proches de chez vous."
        )
    return _(
        "Bienvenue sur Socle ! Complétez votre profil : rattachez-vous à la structure où vous "
        "travaillez et indiquez votre commune d'exercice. Nous vous proposerons les sessions "
        "proches de chez vous. Vous pouvez aussi le faire plus tard."
    )


class AccountAdapter(DefaultAccountAdapter):
    def login(self, request, user):
        # Read before Django's login stamps last_login.
        setattr(request, FIRST_LOGIN_ATTRIBUTE, user.last_login is None)
        super().login(request, user)

    def _first_login_destination(self, request, default):
        if not getattr(request, FIRST_LOGIN_ATTRIBUTE, False):
            return default
        # Once: a second call in the same request (or a later login) leaves the default.
        setattr(request, FIRST_LOGIN_ATTRIBUTE, False)
        missing = missing_profile_parts(request.user)
        if not missing:
            return default
        messages.info(request, _profile_prompt(missing))
        return reverse("accounts:profile")

    def get_login_redirect_url(self, request):
        return self._first_login_destination(request, super().get_login_redirect_url(request))

    def get_signup_redirect_url(self, request):
        default = super().get_signup_redirect_url(request)
        if not request.user.is_authenticated:
            return default
        return self._first_login_destination(request, default)
