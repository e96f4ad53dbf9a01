"""The rows of each row-per-thing export: the dashboard's querysets (`reporting.selectors.base`,
so that a file counts what the page counts), without the people who opted out of nominative
exports, with what each row needs joined or annotated so that writing 100 000 rows costs a
constant number of queries per chunk."""

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from certificates.models import BlocValidation, PathwayCertification
from competences.models import Pathway
from trainings.models import (
    ATTENDED_STATUSES,
    Attendance,
    Registration,
    RegistrationStatus,
    Slot,
)
from trainings.selectors.attendance import SLOT_LENGTH

from ..models import ExportKind
from ..selectors import base
from . import resources

# A slot's own length (SLOT_LENGTH reads it from an attendance mark, through `slot__`).
OWN_SLOT_LENGTH = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())


def _count(queryset, outer_field):
    """A correlated COUNT(*) subquery (0 when there is no row)."""
    return Coalesce(
        Subquery(
            queryset.values(outer_field).annotate(n=Count("pk")).values("n")[:1],
        ),
        0,
    )


def _length(queryset, outer_field, length):
    return Subquery(
        queryset.values(outer_field).annotate(total=Sum(length)).values("total")[:1],
        output_field=DurationField(),
    )


def decisions(scope, filters):
    """Bloc validations, then pathway certifications, by date of decision."""
    related = ("enrollment__pathway__version",)
    blocs = (
        base.bloc_validations(scope, filters)
        .filter(enrollment__user__statistics_opt_out=False)
        .select_related(*related, "bloc")
        .order_by("decided_on", "pk")
    )
    certifications = (
        base.certifications(scope, filters)
        .filter(enrollment__user__statistics_opt_out=False)
        .select_related(*related)
        .order_by("decided_on", "pk")
    )
    return [blocs, certifications]


def attestations(scope, filters):
    return [
        base.attestations(scope, filters)
        .filter(holder__statistics_opt_out=False)
        .select_related("holder")
        .order_by("issued_at", "pk")
    ]


def enrollments(scope, filters):
    current_blocs = BlocValidation.objects.filter(
        enrollment=OuterRef("pk"), is_current=True, withdrawn_at__isnull=True
    )
    required = Pathway.blocs.through.objects.filter(pathway_id=OuterRef("pathway_id"))
    certified_on = (
        PathwayCertification.objects.filter(
            enrollment=OuterRef("pk"), is_current=True, withdrawn_at__isnull=True
        )
        .order_by("-decided_on")
        .values("decided_on")[:1]
    )
    return [
        base.enrollments(scope, filters)
        .filter(user__statistics_opt_out=False)
        .select_related("user__main_membership__structure", "pathway__version")
        .annotate(
            blocs_validated=_count(current_blocs, "enrollment"),
            blocs_required=_count(required, "pathway"),
            certified_on=Subquery(certified_on),
        )
        .order_by("user__last_name", "user__first_name", "pk")
    ]


def sessions(scope, filters):
    """Sessions as the dashboard counts them; each session's figures are its own (all its
    participants), as a session is counted where it takes place."""
    registered = Registration.objects.filter(
        session=OuterRef("pk"), status=RegistrationStatus.REGISTERED
    )
    slots = Slot.objects.filter(session=OuterRef("pk"))
    marks = Attendance.objects.filter(
        slot__session=OuterRef("pk"),
        is_current=True,
        registration__status=RegistrationStatus.REGISTERED,
    )
    attended = marks.filter(status__in=ATTENDED_STATUSES)
    trainers = (
        get_user_model()
        .objects.order_by("last_name", "first_name")
        .only("first_name", "last_name", "anonymised_at")
    )
    return [
        base.sessions(scope, filters)
        .select_related("structure__commune")
        .prefetch_related(Prefetch("trainers", queryset=trainers))
        .annotate(
            registered_count=_count(registered, "session"),
            slot_count=_count(slots, "session"),
            planned_length=_length(slots, "session", OWN_SLOT_LENGTH),
            attended_length=_length(attended, "slot__session", SLOT_LENGTH),
            mark_count=_count(marks, "slot__session"),
            attended_count=_count(attended, "slot__session"),
        )
        .order_by("starts_at", "pk")
    ]


def assessments(scope, filters):
    return [
        base.assessments(scope, filters)
        .filter(participant__statistics_opt_out=False)
        .select_related("participant", "competence", "level")
        .order_by("assessed_on", "pk")
    ]


# kind → (resource, querysets): the files whose rows are people, decisions or sessions.
NOMINATIVE = {
    ExportKind.CERTIFICATIONS: (resources.DecisionResource, decisions),
    ExportKind.ATTESTATIONS: (resources.AttestationResource, attestations),
    ExportKind.ENROLLMENTS: (resources.EnrollmentResource, enrollments),
    ExportKind.SESSIONS: (resources.SessionResource, sessions),
    ExportKind.ASSESSMENTS: (resources.AssessmentResource, assessments),
}
