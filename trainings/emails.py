"""E-mails about registrations, each with the session's .ics calendar file.

Services call `notify(kind, registration)` inside their transaction: once it commits, a task is
enqueued that renders and sends the message (so a rolled-back write never e-mails anyone, and
sending does not slow down the request).
"""

from email import policy
from email.message import MIMEPart

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import ics
from .models import Registration, RegistrationStatus, Session, SessionStatus, Slot

REGISTERED = "registered"
WAITING = "waiting"
PROMOTED = "promoted"
ADDED = "added"
CANCELLED = "cancelled"
SESSION_CANCELLED = "session_cancelled"
REMINDER = "reminder"
UPDATED = "updated"

# kind -> (calendar method or None, template name)
KINDS = {
    REGISTERED: (ics.REQUEST, "registered"),
    WAITING: (None, "waiting"),
    PROMOTED: (ics.REQUEST, "promoted"),
    ADDED: (ics.REQUEST, "added"),
    CANCELLED: (ics.CANCEL, "cancelled"),
    SESSION_CANCELLED: (ics.CANCEL, "session_cancelled"),
    REMINDER: (ics.REQUEST, "reminder"),
    UPDATED: (ics.REQUEST, "updated"),
}


def _subject(kind, session):
    subjects = {
        REGISTERED: _("Inscription confirmée : %(title)s"),
        WAITING: _("Liste d'attente : %(title)s"),
        PROMOTED: _("Une place s'est libérée : vous êtes inscrit·e à %(title)s"),
        ADDED: _("Vous êtes inscrit·e à %(title)s"),
        CANCELLED: _("Inscription annulée : %(title)s"),
        SESSION_CANCELLED: _("Session annulée : %(title)s"),
        REMINDER: _("Rappel : %(title)s commence demain"),
        UPDATED: _("Changement de dates ou de lieu : %(title)s"),
    }
    # A header holds one line: older titles may still contain a line break.
    return subjects[kind] % {"title": " ".join(session.title.split())}


def notify(kind, registration):
    """Send the `kind` e-mail to the registration's participant once the transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"Unknown e-mail kind: {kind}")
    registration_id = registration.pk

    def enqueue():
        from .tasks import send_registration_email

        send_registration_email.enqueue(kind, registration_id)

    transaction.on_commit(enqueue)


def absolute_url(path):
    """SOCLE_SITE_URL (e.g. https://socle.example.org) + path, or "" when it is not set."""
    base = getattr(settings, "SOCLE_SITE_URL", "").rstrip("/")
    return f"{base}{path}" if base else ""


def build_message(kind, registration):
    method, template = KINDS[kind]
    session = registration.session
    # As on the session page: the waiting list does not get the video link.
    show_video_url = registration.status == RegistrationStatus.REGISTERED
    session_url = absolute_url(reverse("trainings:session_detail", args=[session.pk]))
    context = {
        "registration": registration,
        "session": session,
        "user": registration.user,
        "slots": sorted(session.slots.all(), key=lambda slot: slot.starts_at),
        "session_url": session_url,
        "my_registrations_url": absolute_url(reverse("trainings:my_registrations")),
        "hub_name": settings.SOCLE_HUB_NAME,
        "show_video_url": show_video_url,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _subject(kind, session)
        body = render_to_string(f"emails/trainings/{template}.txt", context)
    message = EmailMessage(
        subject=f"[Socle] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[registration.user.email],
    )
    if method is not None:
        calendar = ics.session_calendar(
            session,
            method=method,
            attendee=registration.user,
            url=session_url,
            show_video_url=show_video_url,
        )
        message.attach(calendar_part(calendar, method))
    return message


def calendar_part(calendar, method, filename="session.ics"):
    """A text/calendar attachment carrying its iTIP method, as calendar clients expect."""
    part = MIMEPart(policy=policy.default)
    part.set_content(
        calendar,
        subtype="calendar",
        charset="utf-8",
        params={"method": method},
        disposition="attachment",
        filename=filename,
    )
    return part


def send_registration_email(kind, registration_id):
    registration = (
        Registration.objects.select_related(
            "user", "session__structure__commune", "session__version"
        )
        .prefetch_related(Prefetch("session__slots", queryset=Slot.objects.order_by("starts_at")))
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        return False
    build_message(kind, registration).send()
    return True


# Accreditations ----------------------------------------------------------------------------


def notify_accredited(accreditations):
    """E-mail the accredited person once the transaction commits: which blocs, from when to
    when, and where to create a session."""
    ids = [accreditation.pk for accreditation in accreditations]
    if not ids:
        return

    def enqueue():
        from .tasks import send_accreditation_email

        send_accreditation_email.enqueue(ids)

    transaction.on_commit(enqueue)


def build_accreditation_message(accreditations):
    """One message to the person accredited on `accreditations` (granted together)."""
    user = accreditations[0].user
    context = {
        "user": user,
        "accreditations": accreditations,
        "session_create_url": absolute_url(reverse("trainings:session_create")),
        "my_sessions_url": absolute_url(reverse("trainings:my_sessions")),
        "hub_name": settings.SOCLE_HUB_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "Vous êtes habilité·e à former sur le bloc %(blocs)s",
            "Vous êtes habilité·e à former sur les blocs %(blocs)s",
            len(accreditations),
        ) % {"blocs": ", ".join(a.bloc.code for a in accreditations)}
        body = render_to_string("emails/trainings/accredited.txt", context)
    return EmailMessage(
        subject=f"[Socle] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def send_accreditation_email(accreditation_ids):
    from .models import TrainerAccreditation

    accreditations = list(
        TrainerAccreditation.objects.filter(pk__in=accreditation_ids, revoked_at__isnull=True)
        .select_related("user", "bloc__version__referential")
        .order_by("bloc__code")
    )
    # Revoked meanwhile, or the account gone: nothing to announce.
    if not accreditations or not accreditations[0].user.is_active:
        return False
    build_accreditation_message(accreditations).send()
    return True


def build_participant_invitation(session_id, email, inviter_id):
    """The e-mail inviting someone without an account to a session (None when the session can
    no longer be joined, or the address has meanwhile got an account)."""
    from django.contrib.auth import get_user_model

    session = Session.objects.filter(
        pk=session_id, status=SessionStatus.PUBLISHED, starts_at__gt=timezone.now()
    ).first()
    if session is None or get_user_model().objects.filter(email__iexact=email).exists():
        return None
    inviter = get_user_model().objects.filter(pk=inviter_id).first()
    session_path = reverse("trainings:session_detail", args=[session.pk])
    signup_path = f"{reverse('account_signup')}?{urlencode({'next': session_path})}"
    context = {
        "session": session,
        "inviter": inviter,
        "slots": sorted(session.slots.all(), key=lambda slot: slot.starts_at),
        "signup_url": absolute_url(signup_path) or signup_path,
        "email": email,
        "hub_name": settings.SOCLE_HUB_NAME,
        "show_video_url": False,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Invitation à la session « %(title)s »") % {"title": session.title}
        body = render_to_string("emails/trainings/participant_invitation.txt", context)
    return EmailMessage(
        subject=f"[Socle] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email],
    )
