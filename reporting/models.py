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


# Pre-aggregated figures for the dashboard (reporting/aggregates.py) ---------------------------
#
# Attendance marks (1.2 M at national scale) and assessments (1.8 M) are too many to count on
# every visit. These tables hold them grouped per person and day (and per person and month, and
# per month without the person), filtered as `selectors.base` filters them. Each row carries the
# person's territory of record as `selectors.base.person_q` reads it (so that a filter is one
# column), and the session where a session filter needs it. They are derived data, rebuilt whole
# every night: no foreign key constraints (checking a million keys at commit took longer than the
# rebuild itself); Django still cascades.


def _person_key(**extra):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
        **extra,
    )


class PersonRecord(models.Model):
    """The territory of record of a person as `selectors.base.person_q` reads it: the main
    structure's, or the person's own commune without one (blank when unknown)."""

    departement_code = models.CharField(max_length=3, blank=True)
    region_code = models.CharField(max_length=3, blank=True)
    structure_id = models.IntegerField(null=True, blank=True)  # main structure: the scope
    structure_kind = models.CharField(max_length=20, blank=True)
    function = models.CharField(max_length=20, blank=True)

    class Meta:
        abstract = True


class ParticipationDay(PersonRecord):
    """A person's current attendance marks in one session on one day (`opens_session` false), or
    their registration on the day the session starts (`opens_session` true, no marks)."""

    user = _person_key()
    session = models.ForeignKey(
        "trainings.Session",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    day = models.DateField()
    opens_session = models.BooleanField(default=False)
    # Registration registered and session held (`selectors.base`): what the figures count. Marks
    # of other registrations are kept for the funnel, which counts any attended slot.
    counted = models.BooleanField()
    marks = models.PositiveIntegerField(default=0)
    attended = models.PositiveIntegerField(default=0)
    attended_time = models.DurationField(null=True, blank=True)

    class Meta:
        verbose_name = _("participation d'un jour (agrégat)")
        verbose_name_plural = _("participations par jour (agrégat)")
        indexes = [
            models.Index(fields=["day"], name="reporting_partday_day"),
            models.Index(fields=["user", "day"], name="reporting_partday_user_day"),
        ]

    def __str__(self):
        return f"{self.user_id} / {self.session_id} / {self.day}"


class ParticipationMonth(PersonRecord):
    """A person's counted participation in one month, all sessions together: the sums of their
    `ParticipationDay` rows, and the days (bit d-1 for day d) they attended a slot or a session
    they were registered to started, so that people are counted once over any period."""

    user = _person_key()
    month = models.DateField()  # its first day
    marks = models.PositiveIntegerField(default=0)
    attended = models.PositiveIntegerField(default=0)
    attended_time = models.DurationField(null=True, blank=True)
    attended_days = models.IntegerField(default=0)
    registered_days = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("participation d'un mois (agrégat)")
        verbose_name_plural = _("participations par mois (agrégat)")
        indexes = [models.Index(fields=["month"], name="reporting_partmonth_month")]

    def __str__(self):
        return f"{self.user_id} / {self.month:%Y-%m}"


class AssessmentDay(PersonRecord):
    """Assessments of a person on one day, per bloc and kind of assessor; self-assessments are
    left out, as they never count."""

    user = _person_key()
    day = models.DateField()
    bloc_lineage = models.UUIDField()
    assessor_role = models.CharField(max_length=12)
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("évaluations d'un jour (agrégat)")
        verbose_name_plural = _("évaluations par jour (agrégat)")
        indexes = [
            models.Index(fields=["day"], name="reporting_assessday_day"),
            models.Index(fields=["user", "day"], name="reporting_assessday_user_day"),
        ]

    def __str__(self):
        return f"{self.user_id} / {self.day} / {self.assessor_role}"


class AssessmentMonth(models.Model):
    """Assessments per month, territory of record, bloc and kind of assessor (no person, no
    structure: the hub's figures only; a person without a main structure has no kind)."""

    departement_code = models.CharField(max_length=3, blank=True)
    region_code = models.CharField(max_length=3, blank=True)
    structure_kind = models.CharField(max_length=20, blank=True)
    function = models.CharField(max_length=20, blank=True)
    month = models.DateField()
    bloc_lineage = models.UUIDField()
    assessor_role = models.CharField(max_length=12)
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("évaluations d'un mois (agrégat)")
        verbose_name_plural = _("évaluations par mois (agrégat)")
        indexes = [models.Index(fields=["month"], name="reporting_assessmonth_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} / {self.assessor_role}"


class AttestationDay(PersonRecord):
    """Attestations per holder, day of issue, day of revocation, pathway and bloc: the table of
    attestations holds their facts (220 MB at national scale), too much to scan on each visit."""

    user = _person_key()
    issued_on = models.DateField()
    revoked_on = models.DateField(null=True, blank=True)
    pathway_id = models.IntegerField(null=True, blank=True)
    bloc_lineage = models.UUIDField(null=True, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("attestations d'un jour (agrégat)")
        verbose_name_plural = _("attestations par jour (agrégat)")
        indexes = [
            models.Index(fields=["issued_on"], name="reporting_attday_issued"),
            models.Index(fields=["revoked_on"], name="reporting_attday_revoked"),
        ]

    def __str__(self):
        return f"{self.user_id} / {self.issued_on}"


class PersonSummary(PersonRecord):
    """Each person's territory of record, and the first day they attended a slot (any
    registration) or were assessed by someone else: the funnel's « en formation »."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        db_constraint=False,
    )
    first_trained_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("personne (agrégat)")
        verbose_name_plural = _("personnes (agrégat)")

    def __str__(self):
        return str(self.user_id)


class AggregatesState(models.Model):
    """One row: when the aggregates were last computed, wholly or for some days."""

    rebuilt_at = models.DateTimeField(_("recalcul complet le"))
    refreshed_at = models.DateTimeField(_("dernière mise à jour le"))
    rebuild_seconds = models.FloatField(_("durée du recalcul complet (s)"), default=0)

    class Meta:
        verbose_name = _("état des agrégats du pilotage")
        verbose_name_plural = _("états des agrégats du pilotage")

    def __str__(self):
        return f"{self.rebuilt_at:%Y-%m-%d %H:%M}"
