"""Erasure of a person (RGPD right to erasure), by pseudonymisation.

Socle cannot delete a person outright: their marks, assessments, decisions and attestations are
proofs that funders, employers and the certification rely on. Erasure therefore removes
everything that names or reaches the person (name, e-mail, password, two-factor devices,
attachments, commune, exports, stored PDFs and badges) and keeps the records, now pointing at an
account called « Personne anonymisée ». The audit log keeps ids only, so it needs no rewrite.

Asking is immediate (the account is closed at once); the work runs in a background task, and
the nightly retention command finishes any request a lost task left behind."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.services.attestations import attestations_anonymise_for
from certificates.services.decisions import decisions_anonymise_for
from certificates.services.enrollments import enrollments_close_for
from core.audit import log_action
from core.exceptions import DomainError
from core.models import MfaGracePeriod
from core.permissions import is_hub_coordinator
from trainings.models import FROZEN_STATUSES, Session
from trainings.services.accreditations import accreditations_end_for
from trainings.services.evidence import evidence_files_of_person, evidence_files_remove
from trainings.services.registrations import registrations_cancel_upcoming_of

from ..models import ErasureReason, ErasureRequest, PersonalDataExport

ERASURE_REASON_TEXT = "Effacement des données personnelles"


class ErasureBlocked(DomainError):
    pass


def anonymised_email(user):
    # `.invalid` is reserved (RFC 2606): nothing can ever be sent there.
    return f"personne-{user.pk}@anonyme.invalid"


def erasure_blockers(user):
    """What must be settled before the person can be erased, as sentences (empty: nothing).
    Sessions they train that have not ended would lose their trainer; the hub must keep a
    coordinator."""
    blockers = []
    # Not closed yet, whether over or to come: marks and assessments may still be recorded.
    sessions = (
        Session.objects.filter(trainers=user)
        .exclude(status__in=FROZEN_STATUSES)
        .order_by("starts_at")
    )
    titles = [s.title for s in sessions[:5]]
    if titles:
        blockers.append(
            _(
                "Vous animez des sessions à venir ou non clôturées (%(titles)s) : confiez-les à "
                "un autre formateur, clôturez-les ou annulez-les d'abord."
            )
            % {"titles": ", ".join(titles)}
        )
    if is_hub_coordinator(user):
        others = (
            get_user_model()
            .objects.filter(groups__name=settings.SOCLE_HUB_COORDINATOR_GROUP, is_active=True)
            .exclude(pk=user.pk)
        )
        if not others.exists():
            blockers.append(
                _(
                    "Vous êtes la seule personne qui coordonne le hub : confiez ce rôle à "
                    "quelqu'un d'autre d'abord."
                )
            )
    return blockers


def erasure_request(*, actor, user, reason=ErasureReason.REQUEST):
    """Ask for `user`'s erasure (the person themselves, or the hub on their written request).
    The account is closed at once; the pseudonymisation runs in a background task."""
    if actor.pk != user.pk and not is_hub_coordinator(actor):
        raise DomainError(
            _("Vous ne pouvez pas demander l'effacement de ce compte."), "not_allowed"
        )
    blockers = erasure_blockers(user)
    if blockers:
        raise ErasureBlocked(" ".join(blockers), "erasure_blocked")
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if user.anonymised_at is not None:
            raise DomainError(_("Ce compte est déjà anonymisé."), "already_anonymised")
        request, created = ErasureRequest.objects.get_or_create(
            user=user, defaults={"requested_by": actor, "reason": reason}
        )
        if created:
            log_action(
                actor=actor, action="personal_data.erasure_request", target=user, reason=reason
            )
        # Closed now: the person is signed out everywhere and cannot come back in meanwhile.
        user.is_active = False
        user.save(update_fields=["is_active"])
        pk = request.pk

        def enqueue():
            from ..tasks import erase_person

            erase_person.enqueue(erasure_request_id=pk)

        transaction.on_commit(enqueue)
    return request


def _drop_files(queryset, field):
    for row in queryset:
        stored = getattr(row, field)
        if stored:
            name, storage = stored.name, stored.storage
            transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    queryset.delete()


def person_erase(*, user, actor=None, reason=ERASURE_REASON_TEXT):
    """Pseudonymise one person (idempotent: an anonymised account is left as it is). Returns
    what was done, as counts, or None when there was nothing to do."""
    from reporting.models import ReportExport

    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if user.anonymised_at is not None:
            return None
        counts = {
            "registrations_cancelled": registrations_cancel_upcoming_of(user=user, actor=actor),
            "enrollments_closed": enrollments_close_for(user=user, actor=actor, reason=reason),
            "accreditations_ended": accreditations_end_for(user=user, actor=actor, reason=reason),
            "decisions": decisions_anonymise_for(user=user),
            "attestations": attestations_anonymise_for(user=user, actor=actor),
            "memberships": user.memberships.count(),
        }
        # Photos and documents kept as evidence show the person: gone, like their name.
        counts["evidence_files"] = evidence_files_remove(evidence_files_of_person(user))
        _drop_files(PersonalDataExport.objects.filter(user=user), "archive")
        _drop_files(ReportExport.objects.filter(requested_by=user), "file")
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        MfaGracePeriod.objects.filter(user=user).delete()
        user.main_membership = None
        user.memberships.all().delete()
        user.groups.clear()
        user.user_permissions.clear()

        # Neutral stored values; pages show ANONYMISED_NAME in the reader's language.
        user.first_name = "Personne"
        user.last_name = "anonymisée"
        user.email = anonymised_email(user)
        user.set_unusable_password()
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.commune = None
        user.statistics_opt_out = True
        user.last_login = None
        user.anonymised_at = timezone.now()
        user.save()
        ErasureRequest.objects.filter(user=user, completed_at__isnull=True).update(
            completed_at=user.anonymised_at
        )
        log_action(actor=actor, action="personal_data.erase", target=user, **counts)
    return counts


def erasure_complete(*, erasure_request_id):
    """The background half of a request: erase, then say so to the address it was made from."""
    request = ErasureRequest.objects.select_related("user").filter(pk=erasure_request_id).first()
    if request is None or request.completed_at is not None:
        return None
    address, first_name = request.user.email, request.user.first_name
    counts = person_erase(user=request.user, actor=request.requested_by)
    if counts is not None and request.reason == ErasureReason.REQUEST:
        from ..emails import erasure_done_message

        transaction.on_commit(lambda: erasure_done_message(address, first_name).send())
    return counts


def erasures_pending():
    return ErasureRequest.objects.filter(completed_at__isnull=True)
