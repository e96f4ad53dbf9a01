"""The hub's exports: a job per request, prepared in the background (files can hold 100 000 rows)
and downloadable by the person who asked for a week."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def export_path(instance, filename):
    # Nominative data: a random folder, served only to the requester through a checked view.
    return f"report-exports/{uuid.uuid4().hex}/{filename}"


class ExportKind(models.TextChoices):
    CERTIFICATIONS = "certifications", _("Certifications et blocs validés (nominatif)")
    ATTESTATIONS = "attestations", _("Attestations (nominatif)")
    ENROLLMENTS = "parcours", _("Inscriptions aux parcours et progression (nominatif)")
    SESSIONS = "sessions", _("Sessions : heures et présence")
    ASSESSMENTS = "evaluations", _("Évaluations (nominatif)")
    STATISTICS = "statistiques", _("Tableaux statistiques (agrégés)")
    OPEN_TERRITORIES = (
        "opendata-territoires",
        _("Open data : indicateurs par département et trimestre"),
    )
    OPEN_PLACES = (
        "opendata-lieux",
        _("Open data : lieux (schéma national de la médiation numérique)"),
    )


# Network-wide publications: the hub's alone.
HUB_ONLY_KINDS = (ExportKind.OPEN_TERRITORIES, ExportKind.OPEN_PLACES)


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (tableur)")
    XLSX = "xlsx", _("Excel (XLSX)")
    JSON = "json", _("JSON")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En préparation")
    READY = "ready", _("Prêt")
    FAILED = "failed", _("Échec")


ACTIVE_STATUSES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class ReportExport(models.Model):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        on_delete=models.CASCADE,
        related_name="report_exports",
    )
    kind = models.CharField(_("contenu"), max_length=24, choices=ExportKind.choices)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    # The statistics filters as GET parameters (start and end resolved at request time), so
    # the file says what the page showed even if it is built after midnight.
    query = models.JSONField(_("filtres"), default=dict, blank=True)
    # The scope at request time: the download is refused if the person's scope no longer
    # covers it (a head of place who left a structure).
    scope_is_hub = models.BooleanField(_("tout le réseau"), default=False)
    scope_structure_ids = models.JSONField(_("structures"), default=list, blank=True)
    status = models.CharField(
        _("état"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("lignes écrites"), default=0)
    rows_total = models.PositiveIntegerField(_("lignes prévues"), null=True, blank=True)
    file = models.FileField(_("fichier"), upload_to=export_path, blank=True)
    size = models.PositiveBigIntegerField(_("taille (octets)"), default=0)
    error = models.TextField(_("message d'erreur"), blank=True)
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    ready_at = models.DateTimeField(_("prêt le"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export du pilotage")
        verbose_name_plural = _("exports du pilotage")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ExportKind.values), name="report_export_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(format__in=ExportFormat.values), name="report_export_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="report_export_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(ready_at__isnull=False, expires_at__isnull=False),
                name="report_export_ready_dated",
            ),
        ]
        indexes = [
            models.Index(fields=["requested_by", "status"]),
            models.Index(fields=["expires_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.format}) — {self.requested_by}"

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self):
        """Progress for the bar; the total is an estimate made before writing."""
        if self.status == ExportStatus.READY:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def filename(self):
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""
