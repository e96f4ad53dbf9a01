"""A person's requests about their own data (RGPD): the export of everything Socle holds about
them, prepared in the background and downloadable for a few days."""

import uuid

from django.conf import settings
from django.db import models
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
