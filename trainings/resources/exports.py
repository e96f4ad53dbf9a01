"""Exports of a session's attendance (one row per participant × slot, with hours, in the
attendance import's format) and assessments (one row per assessment, history included)."""

import re

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field

from ..models import AssessorRole, ReviewDecision
from ..selectors.assessments import review_of

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What an XLSX cell cannot hold (openpyxl refuses it: the whole export failed with a 500) and
# the bidirectional overrides that make a name read backwards.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")


def safe_cell(value):
    """Exported text that every format can hold and no spreadsheet runs as a formula."""
    if not isinstance(value, str):
        return value
    value = UNWRITABLE.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# Exports: rows are prepared by the selectors; the resources name and format the columns.


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


class _ExportResource(resources.Resource):
    def export_field(self, field, instance, **kwargs):
        return safe_cell(super().export_field(field, instance, **kwargs))


class AttendanceExportResource(_ExportResource):
    """One row per participant × slot; columns compatible with the attendance import."""

    last_name = Field(attribute="user__last_name", column_name=gettext_lazy("nom"))
    first_name = Field(attribute="user__first_name", column_name=gettext_lazy("prénom"))
    email = Field(attribute="user__email", column_name="email")
    slot_number = Field(attribute="slot_number", column_name=gettext_lazy("n° de créneau"))
    slot = Field(column_name=gettext_lazy("créneau"))
    slot_end = Field(column_name=gettext_lazy("fin"))
    status = Field(column_name=gettext_lazy("statut"))
    method = Field(column_name=gettext_lazy("mode de saisie"))
    recorded_by = Field(column_name=gettext_lazy("saisi par"))
    recorded_at = Field(column_name=gettext_lazy("saisi le"))
    hours = Field(attribute="hours", column_name=gettext_lazy("heures de présence"))

    class Meta:
        export_order = (
            "last_name",
            "first_name",
            "email",
            "slot_number",
            "slot",
            "slot_end",
            "status",
            "method",
            "recorded_by",
            "recorded_at",
            "hours",
        )

    def dehydrate_slot(self, row):
        return _local(row.slot.starts_at)

    def dehydrate_slot_end(self, row):
        return _local(row.slot.ends_at)

    def dehydrate_status(self, row):
        return row.mark.get_status_display() if row.mark else ""

    def dehydrate_method(self, row):
        return row.mark.get_method_display() if row.mark else ""

    def dehydrate_recorded_by(self, row):
        if row.mark is None or row.mark.recorded_by is None:
            return ""
        return row.mark.recorded_by.get_full_name()

    def dehydrate_recorded_at(self, row):
        return _local(row.mark.recorded_at) if row.mark else ""

    def dehydrate_hours(self, row):
        return float(row.hours)


def assessment_state(assessment):
    review = review_of(assessment)
    if assessment.assessor_role == AssessorRole.PEER:
        if review is None:
            return _("à confirmer")
        if review.decision == ReviewDecision.CONFIRMED:
            return _("confirmée par %(name)s") % {"name": review.reviewer.get_full_name()}
        return _("remplacée par %(name)s") % {"name": review.reviewer.get_full_name()}
    if assessment.assessor_role == AssessorRole.SELF:
        return _("auto-positionnement (ne compte pas)")
    return ""


class AssessmentExportResource(_ExportResource):
    """One row per assessment of the session, history included (superseded ones too)."""

    last_name = Field(attribute="participant__last_name", column_name=gettext_lazy("nom"))
    first_name = Field(attribute="participant__first_name", column_name=gettext_lazy("prénom"))
    email = Field(attribute="participant__email", column_name="email")
    competence_code = Field(attribute="competence__code", column_name=gettext_lazy("compétence"))
    competence_title = Field(attribute="competence__title", column_name=gettext_lazy("intitulé"))
    level_rank = Field(attribute="level__rank", column_name=gettext_lazy("niveau"))
    level_label = Field(attribute="level__label", column_name=gettext_lazy("libellé du niveau"))
    criteria = Field(column_name=gettext_lazy("critères observés"))
    method = Field(column_name=gettext_lazy("méthode"))
    assessor = Field(column_name=gettext_lazy("évaluateur"))
    assessor_role = Field(column_name=gettext_lazy("qualité"))
    assessed_on = Field(column_name=gettext_lazy("date"))
    state = Field(column_name=gettext_lazy("statut"))
    is_latest = Field(column_name=gettext_lazy("en vigueur"))
    comment = Field(attribute="comment", column_name=gettext_lazy("commentaire"))
    evidence = Field(attribute="evidence", column_name=gettext_lazy("preuves"))
    created_at = Field(column_name=gettext_lazy("enregistrée le"))

    class Meta:
        export_order = (
            "last_name",
            "first_name",
            "email",
            "competence_code",
            "competence_title",
            "level_rank",
            "level_label",
            "criteria",
            "method",
            "assessor",
            "assessor_role",
            "assessed_on",
            "state",
            "is_latest",
            "comment",
            "evidence",
            "created_at",
        )

    def dehydrate_criteria(self, assessment):
        return ", ".join(c.code for c in assessment.criteria_met.all())

    def dehydrate_method(self, assessment):
        return assessment.get_method_display()

    def dehydrate_assessor(self, assessment):
        return assessment.assessor.get_full_name()

    def dehydrate_assessor_role(self, assessment):
        return assessment.get_assessor_role_display()

    def dehydrate_assessed_on(self, assessment):
        return assessment.assessed_on.isoformat()

    def dehydrate_state(self, assessment):
        return assessment_state(assessment)

    def dehydrate_is_latest(self, assessment):
        return _("oui") if getattr(assessment, "is_latest", False) else _("non")

    def dehydrate_created_at(self, assessment):
        return _local(assessment.created_at)
