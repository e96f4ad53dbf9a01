"""E-mails about certifications: the reminders before a certification expires."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from trainings.emails import absolute_url


def expiry_reminder_message(certification, days_before):
    user = certification.enrollment.user
    pathway = certification.rule_set.pathway
    context = {
        "user": user,
        "certification": certification,
        "pathway": pathway,
        "days_before": days_before,
        "progress_url": absolute_url(reverse("certificates:my_progress")),
        "hub_name": settings.SOCLE_HUB_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Votre certification « %(title)s » arrive à échéance") % {
            "title": " ".join(pathway.title.split())
        }
        body = render_to_string("emails/certificates/expiry_reminder.txt", context)
    return EmailMessage(
        subject=f"[Socle] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def notify_status_change(attestation):
    """Tell the holder their attestation was suspended, reinstated or revoked (after commit)."""
    pk = attestation.pk

    def enqueue():
        from .tasks import send_attestation_status_email

        send_attestation_status_email.enqueue(attestation_id=pk)

    transaction.on_commit(enqueue)


def attestation_status_message(attestation):
    context = {
        "attestation": attestation,
        "user": attestation.holder,
        "verify_url": absolute_url(
            reverse("certificates:verify", args=[attestation.verification_code])
        ),
        "hub_name": settings.SOCLE_HUB_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Votre attestation %(serial)s : %(status)s") % {
            "serial": attestation.serial,
            "status": attestation.get_status_display().lower(),
        }
        body = render_to_string("emails/certificates/attestation_status.txt", context)
    return EmailMessage(
        subject=f"[Socle] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[attestation.holder.email],
    )


def attestations_ready_message(user, attestations):
    context = {
        "user": user,
        "attestations": attestations,
        "my_attestations_url": absolute_url(reverse("certificates:my_attestations")),
        "hub_name": settings.SOCLE_HUB_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Vos attestations sont disponibles")
        body = render_to_string("emails/certificates/attestations_ready.txt", context)
    return EmailMessage(
        subject=f"[Socle] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
