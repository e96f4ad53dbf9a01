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


# Rows as tuples: the biggest file without the resource's per-row cost ---------------------------

ASSESSMENT_COLUMNS = (
    "participant__last_name",
    "participant__first_name",
    "competence__code",
    "level__rank",
    "level__label",
    "method",
    "assessor_role",
    "assessed_on",
)


def _labels(model, field):
    """{stored value: its label in the active language}, looked up once per file."""
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


class _Converted(dict):
    """value → convert(value), each distinct value converted once (a lookup in C afterwards)."""

    def __init__(self, convert, initial=()):
        super().__init__(initial)
        self.convert = convert

    def __missing__(self, value):
        converted = self[value] = self.convert(value)
        return converted


def assessment_rows(parts, *, chunk_size, prepared=False):
    """The rows AssessmentResource gives, the same values in the same order, read with
    `values_list` (no model instance, no related objects), every text, label and day converted
    once per distinct value rather than once per row: the national export has 1.5 million rows,
    and the resource cost about 110 µs each.

    `prepared`: the text cells come out as the CSV and XLSX writers would make them
    (reporting.exports.csv.safe_text), so that they can be written as they are (see
    writers.write_table); JSON keeps the raw text, as the resource gives it."""
    from trainings.models import Assessment

    from .csv import safe_text

    clean = safe_text if prepared else str

    def text(value):
        return "" if value is None else clean(value)

    def choice(labels):
        # A value outside the choices shows as itself, as get_FOO_display does.
        return _Converted(text, {k: clean(v) for k, v in labels.items()})

    # Names and codes repeat (50,000 people, 21 competences), as do days and labels.
    texts = _Converted(text)
    days = _Converted(lambda day: day.isoformat() if day is not None else "")
    methods = choice(_labels(Assessment, "method"))
    roles = choice(_labels(Assessment, "assessor_role"))
    for queryset in parts:
        rows = queryset.values_list(*ASSESSMENT_COLUMNS).iterator(chunk_size=chunk_size)
        for last, first, code, rank, label, method, role, day in rows:
            yield (
                texts[last],
                texts[first],
                texts[code],
                rank,
                texts[label],
                methods[method],
                roles[role],
                days[day],
            )


# kind → the fast row builder (same rows as the resource's), where the volume calls for one.
FAST_ROWS = {ExportKind.ASSESSMENTS: assessment_rows}
