from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError
from core.permissions import is_hub_coordinator

from .models import MediatorFunction, Membership, MembershipStatus, Structure, User
from .selectors import first_approved_membership

STRUCTURE_FIELDS = ("name", "kind", "commune", "postal_code", "address", "siret")


@transaction.atomic
def structure_create(*, actor, join_as=None, **fields):
    """Create a structure; with `join_as` (a MediatorFunction) the actor is attached to it, and
    approved (nobody else is there to approve them). A structure the hub creates is verified; one
    a mediator adds waits for the hub before other trainers see it as a place."""
    structure = Structure(**{key: fields[key] for key in STRUCTURE_FIELDS if key in fields})
    structure.verified = is_hub_coordinator(actor)
    structure.full_clean()
    structure.save()
    log_action(actor=actor, action="structure.create", target=structure)
    if join_as:
        membership_create(
            actor=actor, user=actor, structure=structure, function=join_as, approved=True
        )
    return structure


@transaction.atomic
def structure_verify(*, actor, structure):
    if not is_hub_coordinator(actor):
        raise DomainError(_("Seule la coordination du hub peut vérifier une structure."), "not_hub")
    if not structure.verified:
        structure.verified = True
        structure.save(update_fields=["verified"])
        log_action(actor=actor, action="structure.verify", target=structure)
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


def can_approve_members(user, structure):
    """The hub, or an approved member of the structure who is its « responsable de lieu »."""
    return (
        is_hub_coordinator(user)
        or Membership.objects.filter(
            user=user,
            structure=structure,
            status=MembershipStatus.APPROVED,
            function=MediatorFunction.RESPONSABLE,
        ).exists()
    )


@transaction.atomic
def membership_create(*, actor, user, structure, function, approved=False):
    """Attach a person to a structure: approved at once when the hub does it (or `approved`, for
    the creator of a new structure), pending otherwise until the structure's head or the hub
    approves it."""
    if Membership.objects.filter(user=user, structure=structure).exists():
        raise _already_member()
    membership = Membership(user=user, structure=structure, function=function)
    if approved or is_hub_coordinator(actor):
        membership.status = MembershipStatus.APPROVED
        membership.approved_by = actor
        membership.approved_at = timezone.now()
    membership.full_clean()
    try:
        # The same form sent twice at once (a double click) passes the check above twice: the
        # unique constraint decides.
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:
        raise _already_member() from error
    log_action(actor=actor, action="membership.create", target=membership, status=membership.status)
    if membership.status == MembershipStatus.APPROVED:
        main_membership_refresh(user=user)
    return membership


@transaction.atomic
def membership_approve(*, actor, membership):
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not can_approve_members(actor, membership.structure):
        raise DomainError(
            _("Seul·e le ou la responsable de la structure ou la coordination du hub le peut."),
            "not_allowed",
        )
    if membership.status == MembershipStatus.APPROVED:
        raise DomainError(_("Ce rattachement est déjà validé."), "already_approved")
    membership.status = MembershipStatus.APPROVED
    membership.approved_by = actor
    membership.approved_at = timezone.now()
    membership.save(update_fields=["status", "approved_by", "approved_at"])
    log_action(actor=actor, action="membership.approve", target=membership)
    main_membership_refresh(user=membership.user)
    return membership


@transaction.atomic
def membership_refuse(*, actor, membership):
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not can_approve_members(actor, membership.structure):
        raise DomainError(
            _("Seul·e le ou la responsable de la structure ou la coordination du hub le peut."),
            "not_allowed",
        )
    if membership.status != MembershipStatus.PENDING:
        raise DomainError(_("Seule une demande en attente peut être refusée."), "not_pending")
    log_action(actor=actor, action="membership.refuse", target=membership)
    membership.delete()


@transaction.atomic
def membership_delete(*, actor, membership):
    log_action(actor=actor, action="membership.delete", target=membership)
    user = membership.user
    membership.delete()
    main_membership_refresh(user=user)


@transaction.atomic
def main_membership_refresh(*, user):
    """Keep the territory of record pointing at an approved attachment: the first approved one
    when the person has none (or just left it), nothing when they have no approved attachment."""
    user = User.objects.select_for_update().get(pk=user.pk)
    current = None
    if user.main_membership_id:
        current = Membership.objects.filter(
            pk=user.main_membership_id, user=user, status=MembershipStatus.APPROVED
        ).first()
    if current is None:
        current = first_approved_membership(user)
    new_id = current.pk if current else None
    if user.main_membership_id != new_id:
        user.main_membership_id = new_id
        user.save(update_fields=["main_membership"])


@transaction.atomic
def user_set_territory(*, actor, user, main_membership=None, commune=None, statistics_opt_out):
    """Choose where one is counted: the main structure among one's approved attachments, one's own
    commune (counted when there is no structure), and whether one appears in nominative exports."""
    if actor != user:
        raise DomainError(_("Seule la personne elle-même choisit où elle est comptée."), "not_self")
    if main_membership is not None and (
        main_membership.user_id != user.pk or main_membership.status != MembershipStatus.APPROVED
    ):
        raise DomainError(
            _("Choisissez une structure à laquelle votre rattachement est validé."),
            "main_not_approved",
            field="main_membership",
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    if main_membership is not None:
        user.main_membership = main_membership
    user.commune = commune
    user.statistics_opt_out = statistics_opt_out
    user.full_clean()
    user.save(update_fields=["main_membership", "commune", "statistics_opt_out"])
    log_action(
        actor=actor,
        action="user.set_territory",
        target=user,
        main_membership=user.main_membership_id,
        commune=user.commune_id or "",
        statistics_opt_out=statistics_opt_out,
    )
    return user


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
