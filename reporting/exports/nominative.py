"""The rows of each row-per-thing export: the dashboard's querysets (`reporting.selectors.base`,
so that a file counts what the page counts), without the people who opted out of nominative
exports, with what each row needs joined or annotated so that writing 100 000 rows costs a
constant number of queries per chunk."""

import itertools

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
from competences.models import Competence, Pathway, ProficiencyLevel
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

# What each row reads: ids and stored values only. The names, codes and levels they point to
# are read once each, not joined into 1.5 million rows (at national scale the joined texts
# took 0.8 s more to fetch than the ids).
ASSESSMENT_COLUMNS = (
    "participant_id",
    "competence_id",
    "level_id",
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


def read_once(queryset, convert):
    """{pk: convert(*other values)} for every row of `queryset` (values_list, pk first), read
    once; a row added since (a version published while a file is written) is read when met."""

    def one(pk):
        return convert(*queryset.filter(pk=pk).get()[1:])

    return _Converted(one, ((values[0], convert(*values[1:])) for values in queryset))


def assessment_rows(parts, *, chunk_size, prepared=False, csv_style=None):
    """The rows AssessmentResource gives, the same values in the same order, read with
    `values_list` (no model instance), every name, code, label and day converted once per
    distinct value rather than once per row: the national export has 1.5 million rows, and the
    resource cost about 110 µs each.

    `prepared`: the text cells come out made safe once per value
    (reporting.exports.csv.safe_text), as the XLSX writer would make them again; JSON keeps the
    raw text, as the resource gives it.

    `csv_style`: each row comes out as its line of CSV in that style, made of pieces encoded
    once per distinct value (CsvStyle.piece): per row, a concatenation instead of the csv
    module's work on eight cells."""
    from trainings.models import Assessment

    from .csv import LINE_END, safe_text

    clean = safe_text if prepared or csv_style else str
    if csv_style is None:

        def pack(*cells, last=False):
            return cells
    else:

        def pack(*cells, last=False):
            return csv_style.piece(cells) + (LINE_END if last else csv_style.delimiter)

    def text(value):
        return "" if value is None else clean(value)

    def choice(labels):
        # A value outside the choices shows as itself, as get_FOO_display does.
        return _Converted(
            lambda value: pack(text(value)), {k: pack(clean(v)) for k, v in labels.items()}
        )

    def people_of(ids):
        users = (
            get_user_model().objects.filter(pk__in=ids).values_list("pk", "last_name", "first_name")
        )
        return {pk: pack(text(last), text(first)) for pk, last, first in users}

    # Every version's competences and levels: a few hundred rows.
    competences = read_once(
        Competence.objects.values_list("pk", "code"), lambda code: pack(text(code))
    )
    levels = read_once(
        ProficiencyLevel.objects.values_list("pk", "rank", "label"),
        lambda rank, label: pack(rank, text(label)),
    )
    days = _Converted(lambda day: pack(day.isoformat() if day is not None else "", last=True))
    methods = choice(_labels(Assessment, "method"))
    roles = choice(_labels(Assessment, "assessor_role"))
    people = {}
    for queryset in parts:
        rows = queryset.values_list(*ASSESSMENT_COLUMNS).iterator(chunk_size=chunk_size)
        for chunk in itertools.batched(rows, chunk_size):
            # 50,000 people: each chunk's newcomers in one query, never all of them at once.
            unknown = {row[0] for row in chunk} - people.keys()
            if unknown:
                people.update(people_of(unknown))
            for person, competence, level, method, role, day in chunk:
                # Tuples of cells, or pieces of the line (each ending with its separator).
                yield (
                    people[person]
                    + competences[competence]
                    + levels[level]
                    + methods[method]
                    + roles[role]
                    + days[day]
                )


# kind → the fast row builder (same rows as the resource's), where the volume calls for one.
FAST_ROWS = {ExportKind.ASSESSMENTS: assessment_rows}
