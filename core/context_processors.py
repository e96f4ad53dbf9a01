from django.conf import settings

from .navigation import entries_for
from .permissions import user_roles


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": [], "user_roles": frozenset(), "hub_name": settings.SOCLE_HUB_NAME}
    return {
        "nav_items": entries_for(request),
        "user_roles": user_roles(request.user),
        "hub_name": settings.SOCLE_HUB_NAME,
    }
