"""The hub invites a future trainer who has no account yet.

The hub fills the usual accreditation form with an unknown address and asks for an invitation;
an e-mail carries a signed link (valid INVITATION_DAYS days). The person creates their account
with that address (or signs in, if they made one meanwhile), opens the link and accepts: the
accreditations are then granted exactly as the hub set them, in the hub's name. Sending the
invitation again voids the previous link."""

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError
from core.permissions import is_hub_coordinator

from ..models import TrainerInvitation
from .accreditations import _check_hub, _day, accreditation_grant

INVITATION_DAYS = 30
SALT = "socle.trainer-invitation"


def invitation_token(invitation):
    return signing.dumps({"id": invitation.pk, "key": invitation.key}, salt=SALT)


def invitation_from_token(token):
    """The pending invitation a link names, or None (forged, voided by a newer one, accepted,
    cancelled or expired)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=datetime.timedelta(days=INVITATION_DAYS))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    invitation = (
        TrainerInvitation.objects.filter(pk=data.get("id"), key=str(data.get("key", "")))
        .select_related("invited_by")
        .first()
    )
    if invitation is None or not invitation.is_pending or invitation.expires_at < timezone.now():
        return None
    return invitation


def _send(invitation):
    pk = invitation.pk

    def enqueue():
        from ..tasks import send_trainer_invitation

        send_trainer_invitation.enqueue(pk)

    transaction.on_commit(enqueue)


@transaction.atomic
def invitation_create(*, actor, email, blocs, valid_from, valid_until, note=""):
    """Invite `email` to become a trainer on `blocs`. An address that already has an account is
    accredited directly instead (the form says so). A pending invitation to the same address is
    updated and sent again. Returns the invitation."""
    _check_hub(actor)
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise DomainError(
            _("Un compte utilise déjà l'adresse %(email)s : habilitez-le directement.")
            % {"email": email},
            "account_exists",
            field="email",
        )
    blocs = list(blocs)
    if not blocs:
        raise DomainError(_("Choisissez au moins un bloc."), "no_bloc", field="blocs")
    if valid_until < valid_from:
        raise DomainError(
            _("La fin de validité (%(end)s) doit suivre le début (%(start)s).")
            % {"end": _day(valid_until), "start": _day(valid_from)},
            "dates_unordered",
            field="valid_until",
        )
    invitation = (
        TrainerInvitation.objects.select_for_update()
        .filter(email__iexact=email, accepted_at__isnull=True, cancelled_at__isnull=True)
        .first()
    ) or TrainerInvitation(email=email)
    invitation.valid_from, invitation.valid_until = valid_from, valid_until
    invitation.note = note.strip()
    invitation.invited_by = actor
    invitation.key = secrets.token_hex(16)
    invitation.expires_at = timezone.now() + datetime.timedelta(days=INVITATION_DAYS)
    invitation.full_clean(exclude=["blocs"])
    invitation.save()
    invitation.blocs.set(blocs)
    log_action(
        actor=actor,
        action="invitation.send",
        target=invitation,
        blocs=[b.code for b in blocs],
        valid_from=valid_from,
        valid_until=valid_until,
    )
    _send(invitation)
    return invitation


@transaction.atomic
def invitation_cancel(*, actor, invitation):
    _check_hub(actor)
    invitation = TrainerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise DomainError(_("Cette invitation n'est plus en attente."), "not_pending")
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    log_action(actor=actor, action="invitation.cancel", target=invitation)
    return invitation


@transaction.atomic
def invitation_accept(*, user, invitation):
    """The invited person, signed in with the invited address, accepts: the accreditations are
    granted in the name of the coordinator who invited them. Returns the accreditations."""
    invitation = TrainerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending or invitation.expires_at < timezone.now():
        raise DomainError(_("Cette invitation n'est plus valable."), "not_pending")
    if user.email.lower() != invitation.email.lower():
        raise DomainError(
            _(
                "Cette invitation a été envoyée à %(email)s : connectez-vous avec cette "
                "adresse pour l'accepter."
            )
            % {"email": invitation.email},
            "wrong_account",
        )
    if invitation.invited_by is None or not is_hub_coordinator(invitation.invited_by):
        raise DomainError(
            _("La personne qui vous a invité·e n'est plus là : demandez une nouvelle invitation."),
            "inviter_gone",
        )
    # Today's date may be past the start the hub chose: the accreditation starts today then.
    today = timezone.localdate()
    granted = accreditation_grant(
        actor=invitation.invited_by,
        user=user,
        blocs=invitation.blocs.select_related("version"),
        valid_from=max(invitation.valid_from, min(today, invitation.valid_until)),
        valid_until=invitation.valid_until,
        note=invitation.note,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    log_action(actor=user, action="invitation.accept", target=invitation, subject=user)
    return granted


def invitation_message(invitation_id):
    """The invitation e-mail (None when the invitation is no longer pending)."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    from ..emails import absolute_url

    invitation = (
        TrainerInvitation.objects.filter(pk=invitation_id)
        .select_related("invited_by")
        .prefetch_related("blocs")
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return None
    path = reverse("trainings:invitation", args=[invitation_token(invitation)])
    context = {
        "invitation": invitation,
        "blocs": [f"{b.code} — {b.title}" for b in invitation.blocs.all()],
        "url": absolute_url(path) or path,
        "days": INVITATION_DAYS,
        "hub_name": settings.SOCLE_HUB_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Invitation à former sur Socle")
        body = render_to_string("emails/trainings/invitation.txt", context)
    return EmailMessage(
        subject=f"[Socle] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
