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
from django.utils import translation
from django.utils.translation import gettext as _

from . import ics
from .models import Registration, RegistrationStatus, Slot

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
