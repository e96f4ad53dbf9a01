"""Registrations: register (or join the waiting list), cancel, promotion from the waiting list,
a trainer adding a participant, and the reminders sent the day before.

No overbooking: every write that counts places first locks the session row
(`select_for_update()` on PostgreSQL; SQLite runs IMMEDIATE transactions, one writer at a time),
so two people taking the last place at the same instant are served one after the other. The
partial unique constraint `registration_one_active_per_user` backs the double-registration check.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError
from core.permissions import is_hub_coordinator

from .. import emails
from ..models import (
    FROZEN_STATUSES,
    AttendanceMode,
    Registration,
    RegistrationStatus,
    Session,
    SessionFormat,
    SessionStatus,
)
from ..selectors.registrations import registration_has_attended
from ..selectors.sessions import ACTIVE_REGISTRATION, is_session_trainer
from .session_rules import check_can_manage, full_clean_or_error, lock, registered_count


def _check_not_trainer(session, user):
    if is_session_trainer(user, session):
        raise DomainError(
            _("Les formateurs d'une session ne peuvent pas s'y inscrire comme participants."),
            "trainer_cannot_register",
        )


def _check_no_active_registration(session, user, *, self_service):
    current = (
        Registration.objects.filter(session=session, user=user, status__in=ACTIVE_REGISTRATION)
        .only("status")
        .first()
    )
    if current is None:
        return
    if self_service:
        message = (
            _("Vous êtes déjà inscrit·e à cette session.")
            if current.status == RegistrationStatus.REGISTERED
            else _("Vous êtes déjà sur la liste d'attente de cette session.")
        )
    else:
        message = _("%(user)s est déjà inscrit·e à cette session (ou en liste d'attente).") % {
            "user": user
        }
    raise DomainError(message, "already_registered")


def _create(registration):
    full_clean_or_error(registration, validate_constraints=False)
    try:
        # A savepoint, so that the constraint's refusal leaves the outer transaction usable.
        with transaction.atomic():
            registration.save()
    except IntegrityError as error:
        raise DomainError(
            _("Cette personne est déjà inscrite à cette session."), "already_registered"
        ) from error
    return registration


def _session_is_upcoming(session, now=None):
    now = now or timezone.now()
    return (
        session.status == SessionStatus.PUBLISHED
        and session.ends_at is not None
        and session.ends_at > now
    )


def _check_attendance_mode(session, attendance_mode):
    """A hybrid session asks each participant whether they come on site or follow remotely
    (the registration form requires an answer; blank stays possible for callers that do not
    ask, such as imports and the demo); the other formats have only one way to attend, so
    nothing is stored for them."""
    if session.format != SessionFormat.HYBRID:
        return ""
    if attendance_mode and attendance_mode not in AttendanceMode.values:
        raise DomainError(
            _("Participation : choisissez « Sur place » ou « À distance »."),
            "attendance_mode_invalid",
            field="attendance_mode",
        )
    return attendance_mode


@transaction.atomic
def registration_register(*, actor, session, attendance_mode=""):
    """The actor registers to a published session that has not started. When it is full they
    join the waiting list (the returned registration says which). For a hybrid session,
    `attendance_mode` says whether they come on site or follow remotely."""
    session = lock(session)
    user = actor
    if session.status != SessionStatus.PUBLISHED:
        raise DomainError(
            _("Cette session n'est pas ouverte aux inscriptions."), "session_not_open"
        )
    now = timezone.now()
    if session.starts_at is None or session.starts_at <= now:
        raise DomainError(
            _("Les inscriptions sont closes : la session a commencé."), "session_started"
        )
    if not user.is_active:
        raise DomainError(_("Ce compte est désactivé."), "user_inactive")
    _check_not_trainer(session, user)
    _check_no_active_registration(session, user, self_service=True)
    attendance_mode = _check_attendance_mode(session, attendance_mode)
    full = registered_count(session) >= session.capacity
    registration = _create(
        Registration(
            session=session,
            user=user,
            status=RegistrationStatus.WAITING if full else RegistrationStatus.REGISTERED,
            status_changed_at=now,
            attendance_mode=attendance_mode,
        )
    )
    log_action(
        actor=actor, action="registration.create", target=registration, status=registration.status
    )
    emails.notify(emails.WAITING if full else emails.REGISTERED, registration)
    return registration


@transaction.atomic
def registration_add_by_trainer(*, actor, session, user, notify=True):
    """A trainer of the session (or the hub) registers someone directly, while places remain.
    `notify=False` for bulk writes that must not e-mail, such as the demo (the e-mail is only
    sent for sessions still to come anyway)."""
    session = lock(session)
    check_can_manage(actor, session)
    if session.status in FROZEN_STATUSES:
        raise DomainError(
            _("La session est clôturée ou annulée : ses inscriptions ne changent plus."),
            "session_frozen",
        )
    if not user.is_active:
        raise DomainError(
            _("Le compte de %(user)s est désactivé.") % {"user": user}, "user_inactive"
        )
    _check_not_trainer(session, user)
    _check_no_active_registration(session, user, self_service=False)
    count = registered_count(session)
    if count >= session.capacity:
        raise DomainError(
            _("La session est complète (%(count)s places sur %(capacity)s).")
            % {"count": count, "capacity": session.capacity},
            "session_full",
        )
    registration = _create(
        Registration(
            session=session,
            user=user,
            status=RegistrationStatus.REGISTERED,
            status_changed_at=timezone.now(),
            added_by=actor,
        )
    )
    log_action(actor=actor, action="registration.add_by_trainer", target=registration)
    if notify and _session_is_upcoming(session):
        emails.notify(emails.ADDED, registration)
    return registration


def promote_waiting(*, session, actor=None):
    """Give free places to the waiting list, first come first served, while the session is not
    over (a place freed after its end goes to nobody: the promoted person would count as a
    participant of a session they never attended). Call it inside a transaction that holds the
    session lock. Returns the promoted registrations."""
    now = timezone.now()
    if session.status in FROZEN_STATUSES or session.status == SessionStatus.HELD:
        return []
    if session.ends_at is not None and session.ends_at <= now:
        return []
    free = session.capacity - registered_count(session)
    if free <= 0:
        return []
    waiting = list(
        session.registrations.filter(status=RegistrationStatus.WAITING).order_by(
            "status_changed_at", "pk"
        )[:free]
    )
    for registration in waiting:
        registration.status = RegistrationStatus.REGISTERED
        registration.status_changed_at = now
        registration.save(update_fields=["status", "status_changed_at"])
        log_action(actor=actor, action="registration.promote", target=registration)
        if _session_is_upcoming(session, now):
            emails.notify(emails.PROMOTED, registration)
    return waiting


def _check_not_attended(registration, *, own):
    """Hours count only for active registrations: cancelling one that has present or late marks
    would silently erase hours the person attended. A trainer who marked someone by mistake
    corrects the marks (absent) first, then removes them."""
    if not registration_has_attended(registration):
        return
    message = (
        _(
            "Vous avez déjà émargé à cette session : votre inscription ne peut plus être annulée "
            "(vos heures de présence comptent pour votre certification)."
        )
        if own
        else _(
            "Cette personne a déjà émargé à cette session : son inscription ne peut plus être "
            "annulée (ses heures de présence comptent pour sa certification)."
        )
    )
    raise DomainError(message, "has_attendance")


@transaction.atomic
def registration_cancel(*, actor, registration):
    """The participant cancels (before the session starts), or a trainer of the session or the
    hub removes them (until the session is closed). A freed place goes to the waiting list.
    Refused once the person has attended a slot (see _check_not_attended)."""
    own = actor.pk == registration.user_id
    _check_not_attended(registration, own=own)
    session = lock(registration.session)
    # Marks are written under the session lock too (lock_open_session, FOR NO KEY UPDATE, which
    # our FOR UPDATE excludes) and then the registration's: same order here, and the check
    # above is made again below, under both locks, so a mark recorded meanwhile is seen.
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=registration.pk)
    )
    if not own:
        check_can_manage(actor, session)
    if registration.status == RegistrationStatus.CANCELLED:
        raise DomainError(_("Cette inscription est déjà annulée."), "already_cancelled")
    if session.status in FROZEN_STATUSES:
        raise DomainError(
            _("La session est clôturée ou annulée : ses inscriptions ne changent plus."),
            "session_frozen",
        )
    now = timezone.now()
    if own and not is_hub_coordinator(actor) and session.starts_at and session.starts_at <= now:
        raise DomainError(
            _("La session a commencé : prévenez le formateur ou la formatrice de votre absence."),
            "session_started",
        )
    _check_not_attended(registration, own=own)
    was_registered = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.status_changed_at = now
    registration.save(update_fields=["status", "status_changed_at"])
    log_action(
        actor=actor,
        action="registration.cancel",
        target=registration,
        by_participant=own,
        was_registered=was_registered,
    )
    if _session_is_upcoming(session, now):
        emails.notify(emails.CANCELLED, registration)
    if was_registered:
        promote_waiting(session=session, actor=actor)
    return registration


def registrations_send_reminders(*, now=None):
    """E-mail every registered participant of a published session starting tomorrow (Europe/
    Paris), once: each registration is claimed by setting reminder_sent_at in one UPDATE, so two
    workers never send the same reminder. Returns the number of reminders sent."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    day_start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    day_end = day_start + datetime.timedelta(days=1)
    candidates = Registration.objects.filter(
        status=RegistrationStatus.REGISTERED,
        reminder_sent_at__isnull=True,
        session__status=SessionStatus.PUBLISHED,
        session__starts_at__gte=day_start,
        session__starts_at__lt=day_end,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(candidates):
        with transaction.atomic():
            claimed = Registration.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if claimed:
                registration = Registration.objects.get(pk=pk)
                log_action(actor=None, action="registration.remind", target=registration)
                emails.notify(emails.REMINDER, registration)
                sent += 1
    return sent


def registrations_cancel_upcoming_of(*, user, actor=None):
    """Erasure of a person: their places in sessions that have not started are given back (to
    the waiting list), without e-mailing them. Past registrations stay (they carry the hours
    and the marks). Returns how many were cancelled."""
    now = timezone.now()
    upcoming = (
        Registration.objects.filter(user=user, status__in=ACTIVE_REGISTRATION)
        .exclude(session__status__in=FROZEN_STATUSES)
        .filter(session__starts_at__gt=now)
        .values_list("pk", "session_id")
    )
    count = 0
    for registration_pk, session_pk in list(upcoming):
        with transaction.atomic():
            session = lock(Session(pk=session_pk))
            registration = Registration.objects.select_for_update(of=("self",)).get(
                pk=registration_pk
            )
            if registration.status not in ACTIVE_REGISTRATION:
                continue
            was_registered = registration.status == RegistrationStatus.REGISTERED
            registration.status = RegistrationStatus.CANCELLED
            registration.status_changed_at = now
            registration.save(update_fields=["status", "status_changed_at"])
            log_action(
                actor=actor,
                action="registration.cancel",
                target=registration,
                by_participant=False,
                was_registered=was_registered,
                erasure=True,
            )
            if was_registered:
                promote_waiting(session=session, actor=actor)
            count += 1
    return count


def participant_invite(*, actor, session, email):
    """A trainer invites someone with no account yet to a published session to come: an e-mail
    with a link to create their account that lands on the session, where they register
    themselves (the place is not held: the session may fill meanwhile, and the e-mail says so).
    The address is kept on no record (only in the queued e-mail task), nor in the audit log."""
    session = lock(session)
    check_can_manage(actor, session)
    email = get_user_model().objects.normalize_email(email.strip())
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise DomainError(
            _("%(email)s a déjà un compte : ajoutez la personne directement.") % {"email": email},
            "invitee_has_account",
            field="email",
        )
    if session.status != SessionStatus.PUBLISHED or (
        session.starts_at is not None and session.starts_at <= timezone.now()
    ):
        raise DomainError(
            _(
                "On ne peut inviter qu'à une session publiée qui n'a pas commencé : la personne "
                "doit pouvoir s'y inscrire."
            ),
            "session_not_open_for_invitation",
            field="email",
        )
    session_id, actor_id = session.pk, actor.pk

    def enqueue():
        from ..tasks import send_participant_invitation

        send_participant_invitation.enqueue(session_id, email, actor_id)

    transaction.on_commit(enqueue)
    log_action(actor=actor, action="session.invite_participant", target=session)
