"""A person's requests about their own data (RGPD): the export of everything Socle holds about
them, prepared in the background and downloadable for a few days."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def export_path(instance, filename):
    # Personal data: a random folder, served only to its owner through a checked view.
    return f"exports/{uuid.uuid4().hex}/{filename}"


class PersonalDataExport(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="data_exports",
    )
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    ready_at = models.DateTimeField(_("prêt le"), null=True, blank=True)
    archive = models.FileField(_("archive"), upload_to=export_path, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)

    class Meta:
        verbose_name = _("export de données personnelles")
        verbose_name_plural = _("exports de données personnelles")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.user} — {self.requested_at:%Y-%m-%d %H:%M}"


class ErasureReason(models.TextChoices):
    REQUEST = "request", _("à la demande de la personne")
    INACTIVITY = "inactivity", _("compte inactif (durée de conservation écoulée)")


class ErasureRequest(models.Model):
    """The erasure of a person's identity, asked for (by the person, by the hub on their behalf,
    or by the retention rules) and carried out in the background. Kept after it is done: it is
    the proof that the request was honoured, and names no one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        related_name="erasure_request",
    )
    reason = models.CharField(
        _("motif"), max_length=12, choices=ErasureReason.choices, default=ErasureReason.REQUEST
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("effectué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande d'effacement")
        verbose_name_plural = _("demandes d'effacement")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reason__in=ErasureReason.values),
                name="erasure_reason_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} — {self.requested_at:%Y-%m-%d}"
