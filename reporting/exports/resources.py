"""The columns of the nominative exports: django-import-export resources with French headers,
export only. Each value is a plain Python value (text, whole number, Decimal, ISO date) so that
CSV, XLSX and JSON carry the same thing; the rows come from `reporting.exports.nominative`."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field

from accounts.models import MediatorFunction, StructureKind
from certificates.models import (
    Attestation,
    BlocValidation,
    Enrollment,
    PathwayCertification,
)
from trainings.models import Assessment, Session
from trainings.selectors.attendance import duration_to_hours

FUNCTIONS = dict(MediatorFunction.choices)
STRUCTURE_KINDS = dict(StructureKind.choices)


def _day(value):
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localdate(value)
    return value.isoformat()


def _moment(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _yes_no(value):
    return _("oui") if value else _("non")


def _pathway(pathway):
    return f"{pathway.title} (v{pathway.version.number})"


def columns(names):
    """The fields of a resource, in the order of the file (model fields would come first)."""
    return tuple(names.split())


class ExportOnlyResource(resources.ModelResource):
    """Nothing is ever imported from these files: statistics are read from the records, and a
    file edited outside Socle must not write back into them."""

    def import_data(self, *args, **kwargs):
        raise PermissionError("Reporting resources only export; they never import.")

    def headers(self):
        return self.get_export_headers()

    def row(self, instance):
        return self.export_resource(instance)


class DecisionResource(ExportOnlyResource):
    """One row per decision: bloc validations and pathway certifications, with the holder's name,
    function and territory as snapshotted the day it was taken."""

    type = Field(column_name=gettext_lazy("type"))
    holder = Field(attribute="holder_name", column_name=gettext_lazy("titulaire"))
    function = Field(column_name=gettext_lazy("fonction"))
    commune = Field(attribute="holder_commune_name", column_name=gettext_lazy("commune"))
    commune_code = Field(
        attribute="holder_commune_code", column_name=gettext_lazy("code INSEE de la commune")
    )
    departement = Field(
        attribute="holder_departement_code", column_name=gettext_lazy("département")
    )
    region = Field(attribute="holder_region_code", column_name=gettext_lazy("région"))
    structure_kind = Field(column_name=gettext_lazy("type de structure"))
    pathway = Field(column_name=gettext_lazy("parcours"))
    bloc = Field(column_name=gettext_lazy("bloc"))
    basis = Field(column_name=gettext_lazy("fondement"))
    decided_on = Field(column_name=gettext_lazy("date de la décision"))
    valid_until = Field(column_name=gettext_lazy("valable jusqu'au"))
    current = Field(column_name=gettext_lazy("en vigueur"))
    withdrawn_at = Field(column_name=gettext_lazy("retirée le"))

    class Meta:
        model = BlocValidation
        fields = export_order = columns(
            "type holder function commune commune_code departement region "
            "structure_kind pathway bloc basis decided_on valid_until current "
            "withdrawn_at"
        )

    def dehydrate_type(self, decision):
        if isinstance(decision, PathwayCertification):
            return _("Certification de parcours")
        return _("Validation de bloc")

    def dehydrate_function(self, decision):
        return str(FUNCTIONS.get(decision.holder_function, decision.holder_function))

    def dehydrate_structure_kind(self, decision):
        kind = decision.holder_structure_kind
        return str(STRUCTURE_KINDS.get(kind, kind)) if kind else _("Sans structure")

    def dehydrate_pathway(self, decision):
        return _pathway(decision.enrollment.pathway)

    def dehydrate_bloc(self, decision):
        return decision.bloc.code if isinstance(decision, BlocValidation) else ""

    def dehydrate_basis(self, decision):
        return decision.get_basis_display()

    def dehydrate_decided_on(self, decision):
        return _day(decision.decided_on)

    def dehydrate_valid_until(self, decision):
        return _day(decision.valid_until)

    def dehydrate_current(self, decision):
        return _yes_no(decision.is_current and decision.withdrawn_at is None)

    def dehydrate_withdrawn_at(self, decision):
        return _day(decision.withdrawn_at)


class AttestationResource(ExportOnlyResource):
    """One row per attestation; never its verification code (whoever holds it can fetch the
    document from the public verification page)."""

    serial = Field(attribute="serial", column_name=gettext_lazy("numéro"))
    kind = Field(column_name=gettext_lazy("type"))
    last_name = Field(attribute="holder__last_name", column_name=gettext_lazy("nom"))
    first_name = Field(attribute="holder__first_name", column_name=gettext_lazy("prénom"))
    issued_at = Field(column_name=gettext_lazy("émise le"))
    status = Field(column_name=gettext_lazy("statut"))
    valid_until = Field(column_name=gettext_lazy("valable jusqu'au"))

    class Meta:
        model = Attestation
        fields = export_order = columns(
            "serial kind last_name first_name issued_at status valid_until"
        )

    def dehydrate_kind(self, attestation):
        return attestation.get_kind_display()

    def dehydrate_issued_at(self, attestation):
        return _moment(attestation.issued_at)

    def dehydrate_status(self, attestation):
        return attestation.get_status_display()

    def dehydrate_valid_until(self, attestation):
        return _day(attestation.valid_until)


class EnrollmentResource(ExportOnlyResource):
    """One row per enrolment, with where the person stands today (annotated by the queryset)."""

    last_name = Field(attribute="user__last_name", column_name=gettext_lazy("nom"))
    first_name = Field(attribute="user__first_name", column_name=gettext_lazy("prénom"))
    structure = Field(column_name=gettext_lazy("structure"))
    pathway = Field(column_name=gettext_lazy("parcours"))
    status = Field(column_name=gettext_lazy("statut"))
    enrolled_at = Field(column_name=gettext_lazy("inscrit·e le"))
    blocs_validated = Field(column_name=gettext_lazy("blocs validés"))
    blocs_required = Field(column_name=gettext_lazy("blocs du parcours"))
    certified_on = Field(column_name=gettext_lazy("certifié·e le"))

    class Meta:
        model = Enrollment
        fields = export_order = columns(
            "last_name first_name structure pathway status enrolled_at blocs_validated "
            "blocs_required certified_on"
        )

    def dehydrate_structure(self, enrollment):
        membership = enrollment.user.main_membership
        return membership.structure.name if membership else ""

    def dehydrate_pathway(self, enrollment):
        return _pathway(enrollment.pathway)

    def dehydrate_status(self, enrollment):
        return enrollment.get_status_display()

    def dehydrate_enrolled_at(self, enrollment):
        return _day(enrollment.enrolled_at)

    def dehydrate_blocs_validated(self, enrollment):
        return enrollment.blocs_validated

    def dehydrate_blocs_required(self, enrollment):
        return enrollment.blocs_required

    def dehydrate_certified_on(self, enrollment):
        return _day(enrollment.certified_on)


class SessionResource(ExportOnlyResource):
    """One row per session, with its hours and attendance (annotated by the queryset). Not
    nominative, but the trainers are named."""

    title = Field(attribute="title", column_name=gettext_lazy("intitulé"))
    status = Field(column_name=gettext_lazy("statut"))
    starts_at = Field(column_name=gettext_lazy("début"))
    ends_at = Field(column_name=gettext_lazy("fin"))
    format = Field(column_name=gettext_lazy("format"))
    place = Field(column_name=gettext_lazy("lieu"))
    commune = Field(column_name=gettext_lazy("commune"))
    departement = Field(column_name=gettext_lazy("département"))
    trainers = Field(column_name=gettext_lazy("formateurs"))
    capacity = Field(column_name=gettext_lazy("places"))
    registered = Field(column_name=gettext_lazy("inscrits"))
    slots = Field(column_name=gettext_lazy("créneaux"))
    planned_hours = Field(column_name=gettext_lazy("heures prévues par participant"))
    trainee_hours = Field(column_name=gettext_lazy("heures-stagiaires suivies"))
    attendance_rate = Field(column_name=gettext_lazy("taux de présence (%)"))

    class Meta:
        model = Session
        fields = export_order = columns(
            "title status starts_at ends_at format place commune departement trainers "
            "capacity registered slots planned_hours trainee_hours attendance_rate"
        )

    def dehydrate_status(self, session):
        return session.get_status_display()

    def dehydrate_starts_at(self, session):
        return _moment(session.starts_at)

    def dehydrate_ends_at(self, session):
        return _moment(session.ends_at)

    def dehydrate_format(self, session):
        return session.get_format_display()

    def dehydrate_place(self, session):
        return session.structure.name if session.structure else ""

    def dehydrate_commune(self, session):
        return session.structure.commune.name if session.structure else ""

    def dehydrate_departement(self, session):
        return session.structure.commune.departement_id if session.structure else ""

    def dehydrate_trainers(self, session):
        return ", ".join(t.get_full_name() for t in session.trainers.all())

    def dehydrate_capacity(self, session):
        return session.capacity

    def dehydrate_registered(self, session):
        return session.registered_count

    def dehydrate_slots(self, session):
        return session.slot_count

    def dehydrate_planned_hours(self, session):
        return duration_to_hours(session.planned_length)

    def dehydrate_trainee_hours(self, session):
        return duration_to_hours(session.attended_length)

    def dehydrate_attendance_rate(self, session):
        # As on the dashboard: slots attended (present or late) over slots marked.
        if not session.mark_count:
            return None
        return round(Decimal(session.attended_count) * 100 / session.mark_count, 1)


class AssessmentResource(ExportOnlyResource):
    """One row per assessment (self-assessments excluded); never the comment nor the evidence,
    which describe the person at length."""

    last_name = Field(attribute="participant__last_name", column_name=gettext_lazy("nom"))
    first_name = Field(attribute="participant__first_name", column_name=gettext_lazy("prénom"))
    competence = Field(attribute="competence__code", column_name=gettext_lazy("compétence"))
    level = Field(column_name=gettext_lazy("niveau"))
    level_label = Field(attribute="level__label", column_name=gettext_lazy("libellé du niveau"))
    method = Field(column_name=gettext_lazy("méthode"))
    assessor_role = Field(column_name=gettext_lazy("qualité de l'évaluateur"))
    assessed_on = Field(column_name=gettext_lazy("date"))

    class Meta:
        model = Assessment
        fields = export_order = columns(
            "last_name first_name competence level level_label method assessor_role assessed_on"
        )

    def dehydrate_level(self, assessment):
        return assessment.level.rank

    def dehydrate_method(self, assessment):
        return assessment.get_method_display()

    def dehydrate_assessor_role(self, assessment):
        return assessment.get_assessor_role_display()

    def dehydrate_assessed_on(self, assessment):
        return _day(assessment.assessed_on)
