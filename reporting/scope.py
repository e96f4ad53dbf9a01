"""Whose figures a person may see: the whole network for the hub, their own structures for the
head of a place (« responsable de lieu », approved). Every reporting read goes through a scope."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from accounts.models import MediatorFunction, Membership, MembershipStatus
from core.permissions import is_hub_coordinator


@dataclass(frozen=True)
class ReportScope:
    is_hub: bool
    structure_ids: frozenset = frozenset()

    # Each model reaches "its" structure by another path: a person through their main attachment,
    # a session through its place, a decision through the structure snapshotted on it.
    def people(self, prefix=""):
        if self.is_hub:
            return Q()
        return Q(**{f"{prefix}main_membership__structure_id__in": self.structure_ids})

    def sessions(self, prefix=""):
        if self.is_hub:
            return Q()
        return Q(**{f"{prefix}structure_id__in": self.structure_ids})

    def decisions(self, prefix=""):
        if self.is_hub:
            return Q()
        return Q(**{f"{prefix}holder_structure_id__in": self.structure_ids})


def headed_structure_ids(user):
    return frozenset(
        Membership.objects.filter(
            user=user, status=MembershipStatus.APPROVED, function=MediatorFunction.RESPONSABLE
        ).values_list("structure_id", flat=True)
    )


def scope_for(user):
    """The reporting scope of `user`, or None when they may see no figures."""
    if is_hub_coordinator(user):
        return ReportScope(is_hub=True)
    structure_ids = headed_structure_ids(user)
    if structure_ids:
        return ReportScope(is_hub=False, structure_ids=structure_ids)
    return None


def require_scope(user):
    scope = scope_for(user)
    if scope is None:
        raise PermissionDenied
    return scope
