from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from trainings.emails import absolute_url

from .services import EXPORT_DAYS


def export_ready_message(export):
    context = {
        "user": export.user,
        "url": absolute_url(reverse("privacy:my_data")),
        "days": EXPORT_DAYS,
        "hub_name": settings.SOCLE_HUB_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Votre export de données est prêt")
        body = render_to_string("emails/privacy/export_ready.txt", context)
    return EmailMessage(
        subject=f"[Socle] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[export.user.email],
    )


def erasure_done_message(address, first_name):
    """Sent to the address the erasure was asked from, which Socle no longer keeps."""
    context = {"first_name": first_name, "hub_name": settings.SOCLE_HUB_NAME}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Vos données ont été effacées")
        body = render_to_string("emails/privacy/erasure_done.txt", context)
    return EmailMessage(
        subject=f"[Socle] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
