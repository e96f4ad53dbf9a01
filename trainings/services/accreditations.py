"""Trainer accreditations: the hub allows a user to train and assess blocs for a period, and may
revoke that permission. Revoking keeps the row (revoked_at), so the history stays."""

import datetime

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from competences.models import VersionStatus
from core.audit import log_action
from core.exceptions import DomainError
from core.permissions import is_hub_coordinator

from ..emails import notify_accredited
from ..models import AccreditationSource, TrainerAccreditation
from .session_rules import full_clean_or_error


def _check_hub(actor):
    if not is_hub_coordinator(actor):
        raise DomainError(
            _("Seule la coordination du hub peut gérer les habilitations."), "not_hub"
        )


def _day(value):
    return formats.date_format(value, "SHORT_DATE_FORMAT")


@transaction.atomic
def accreditation_grant(*, actor, user, blocs, valid_from, valid_until, note="", notify=True):
    """Accredit `user` on each bloc (of published versions) from valid_from to valid_until.
    Refused when one of them is already covered by an accreditation overlapping that period.
    The person is e-mailed once it commits (unless `notify` is false). Returns the new
    accreditations."""
    _check_hub(actor)
    blocs = list(blocs)
    if not blocs:
        raise DomainError(_("Choisissez au moins un bloc."), "no_bloc", field="blocs")
    if not user.is_active:
        raise DomainError(
            _("Le compte de %(user)s est désactivé.") % {"user": user},
            "user_inactive",
            field="user",
        )
    if valid_until < valid_from:
        raise DomainError(
            _("La fin de validité (%(end)s) doit suivre le début (%(start)s).")
            % {"end": _day(valid_until), "start": _day(valid_from)},
            "dates_unordered",
            field="valid_until",
        )
    accreditations = []
    for bloc in blocs:
        if bloc.version.status != VersionStatus.PUBLISHED:
            raise DomainError(
                _("Le bloc %(bloc)s appartient à une version non publiée (%(version)s).")
                % {"bloc": bloc.code, "version": bloc.version},
                "version_not_published",
                field="blocs",
            )
        overlapping = TrainerAccreditation.objects.filter(
            user=user,
            source=AccreditationSource.HUB,  # a peer right from a validation may coexist
            revoked_at__isnull=True,
            bloc__code=bloc.code,
            bloc__version__referential_id=bloc.version.referential_id,
            valid_from__lte=valid_until,
            valid_until__gte=valid_from,
        ).first()
        if overlapping is not None:
            raise DomainError(
                _(
                    "%(user)s est déjà habilité·e sur le bloc %(bloc)s du %(start)s au %(end)s : "
                    "retirez cette habilitation avant d'en accorder une autre."
                )
                % {
                    "user": user,
                    "bloc": bloc.code,
                    "start": _day(overlapping.valid_from),
                    "end": _day(overlapping.valid_until),
                },
                "already_accredited",
                field="blocs",
            )
        accreditation = TrainerAccreditation(
            user=user,
            bloc=bloc,
            valid_from=valid_from,
            valid_until=valid_until,
            granted_by=actor,
            note=note,
        )
        full_clean_or_error(accreditation)
        accreditation.save()
        log_action(
            actor=actor,
            action="accreditation.grant",
            target=accreditation,
            user=user.pk,
            bloc=bloc.code,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        accreditations.append(accreditation)
    if notify:
        notify_accredited(accreditations)
    return accreditations


@transaction.atomic
def accreditation_revoke(*, actor, accreditation, reason=""):
    _check_hub(actor)
    accreditation = TrainerAccreditation.objects.select_for_update().get(pk=accreditation.pk)
    if accreditation.revoked_at is not None:
        raise DomainError(_("Cette habilitation est déjà retirée."), "already_revoked")
    if accreditation.source != AccreditationSource.HUB:
        raise DomainError(
            _(
                "Ce droit de formateur pair vient d'une validation de bloc : retirez la "
                "validation pour y mettre fin."
            ),
            "peer_right_from_validation",
        )
    accreditation.revoked_at = timezone.now()
    if reason.strip():
        accreditation.note = "\n".join(
            filter(None, [accreditation.note, _("Retrait : %(reason)s") % {"reason": reason}])
        )
    accreditation.save(update_fields=["revoked_at", "note"])
    log_action(actor=actor, action="accreditation.revoke", target=accreditation, reason=reason)
    return accreditation


def default_validity(today=None):
    """Today until the same day three years later (the usual length of an accreditation)."""
    today = today or timezone.localdate()
    try:
        until = today.replace(year=today.year + 3)
    except ValueError:  # 29 February
        until = today.replace(year=today.year + 3, day=28)
    return today, until - datetime.timedelta(days=1)


__all__ = ["accreditation_grant", "accreditation_revoke", "default_validity"]


@transaction.atomic
def accreditations_end_for(*, user, actor=None, reason=""):
    """Erasure of a person: their accreditations still running end now (whatever their source:
    an erased account trains no one). Earlier days keep their answer. Returns how many ended."""
    now = timezone.now()
    running = TrainerAccreditation.objects.select_for_update().filter(
        user=user, revoked_at__isnull=True, valid_until__gte=timezone.localdate(now)
    )
    count = 0
    for accreditation in running:
        accreditation.revoked_at = now
        accreditation.save(update_fields=["revoked_at"])
        log_action(actor=actor, action="accreditation.revoke", target=accreditation, reason=reason)
        count += 1
    return count
