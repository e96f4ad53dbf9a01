from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError

from .models import Membership, Structure, User

STRUCTURE_FIELDS = ("name", "kind", "commune", "postal_code", "address", "siret")


@transaction.atomic
def structure_create(*, actor, join_as=None, **fields):
    """Create a structure; with `join_as` (a MediatorFunction) the actor is attached to it."""
    structure = Structure(**{key: fields[key] for key in STRUCTURE_FIELDS if key in fields})
    structure.full_clean()
    structure.save()
    log_action(actor=actor, action="structure.create", target=structure)
    if join_as:
        membership_create(actor=actor, user=actor, structure=structure, function=join_as)
    return structure


@transaction.atomic
def structure_update(*, actor, structure, **fields):
    for key in STRUCTURE_FIELDS:
        if key in fields:
            setattr(structure, key, fields[key])
    structure.full_clean()
    structure.save()
    log_action(actor=actor, action="structure.update", target=structure)
    return structure


def _already_member():
    return DomainError(
        _("Vous êtes déjà rattaché·e à cette structure."), "membership_exists", field="structure"
    )


@transaction.atomic
def membership_create(*, actor, user, structure, function):
    if Membership.objects.filter(user=user, structure=structure).exists():
        raise _already_member()
    membership = Membership(user=user, structure=structure, function=function)
    membership.full_clean()
    try:
        # The same form sent twice at once (a double click) passes the check above twice: the
        # unique constraint decides.
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:
        raise _already_member() from error
    log_action(actor=actor, action="membership.create", target=membership)
    return membership


@transaction.atomic
def membership_delete(*, actor, membership):
    log_action(actor=actor, action="membership.delete", target=membership)
    membership.delete()


@transaction.atomic
def user_update_profile(*, actor, user, first_name, last_name):
    user.first_name = first_name
    user.last_name = last_name
    user.full_clean()
    user.save(update_fields=["first_name", "last_name"])
    log_action(actor=actor, action="user.update_profile", target=user)
    return user


def hub_coordinator_group():
    group, _created = Group.objects.get_or_create(name=settings.SOCLE_HUB_COORDINATOR_GROUP)
    return group


@transaction.atomic
def user_set_hub_coordinator(*, actor, user, is_coordinator=True):
    group = hub_coordinator_group()
    if is_coordinator:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    # Coordinators edit drafts and pathways in the Django admin, which requires is_staff.
    if not user.is_superuser and user.is_staff != is_coordinator:
        user.is_staff = is_coordinator
        user.save(update_fields=["is_staff"])
    log_action(actor=actor, action="user.set_hub_coordinator", target=user, value=is_coordinator)


def user_create(*, email, password, first_name, last_name, verified=False):
    """Create a user with a primary e-mail address (used by demo data and tests)."""
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(
        email=email, password=password, first_name=first_name, last_name=last_name
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user
