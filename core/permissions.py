"""Roles and access checks shared by every app.

Every user is a mediator. A hub coordinator belongs to the hub coordinators' group (or is a
superuser). The trainer role is derived from accreditations by the trainings app, which registers
its own check here so that core stays free of dependencies.
"""

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied

_role_checks = {}


def register_role(name, check):
    _role_checks[name] = check


def is_hub_coordinator(user):
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_socle_is_hub", None)
    if cached is None:
        cached = user.groups.filter(name=settings.SOCLE_HUB_COORDINATOR_GROUP).exists()
        user._socle_is_hub = cached
    return cached


def user_roles(user):
    """The set of role names a user holds: 'mediator', 'hub', and those registered by apps."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_socle_roles", None)
    if cached is not None:
        return cached
    roles = {"mediator"}
    if is_hub_coordinator(user):
        roles.add("hub")
    for name, check in _role_checks.items():
        if check(user):
            roles.add(name)
    user._socle_roles = frozenset(roles)
    return user._socle_roles


def hub_coordinator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_hub_coordinator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def role_required(role):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if role not in user_roles(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
