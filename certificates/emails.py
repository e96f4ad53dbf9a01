"""E-mails about certifications: the reminders before a certification expires."""

from django.conf import settings
from django.core.mail import EmailMessage
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
