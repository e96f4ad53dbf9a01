"""The hub's figures, each an aggregate query over the querysets of `base` (their number does not
grow with the data): key figures with their trend, series per period, breakdowns, the funnel."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Departement, MediatorFunction, Region, StructureKind
from certificates.models import BlocValidation, PathwayCertification
from competences.models import Bloc
from trainings.models import ATTENDED_STATUSES, Assessment, AssessorRole, Attendance
from trainings.selectors.attendance import SLOT_LENGTH, duration_to_hours

from ..filters import Granularity
from . import base


def ratio(part, whole):
    if not whole:
        return None
    return round(Decimal(part) * 100 / Decimal(whole), 1)


class LiveFigures:
    """The figures counted on the rows themselves (marks, assessments, attestations, the funnel's
    people), as the exports read them. The dashboard reads the same figures from the aggregates
    (`reporting.aggregates.AggregatedFigures`, same methods) once they have been built."""

    def period_figures(self, scope, filters):
        """Marks, attended marks, attended time, people who attended, participants."""
        attended = Q(status__in=ATTENDED_STATUSES)
        # The people who attended counted in the same pass over the marks.
        row = base.attendance_marks(scope, filters).aggregate(
            all=Count("pk"),
            attended=Count("pk", filter=attended),
            time=Sum(SLOT_LENGTH, filter=attended),
            active=Count("registration__user_id", filter=attended, distinct=True),
        )
        row["participants"] = (
            base.registrations(scope, filters).values("user_id").distinct().count()
        )
        return row

    def assessment_count(self, scope, filters):
        return base.assessments(scope, filters).count()

    def attestation_counts(self, scope, filters):
        """Attestations issued, and revoked, within the period."""
        return {
            "issued": base.attestations(scope, filters).count(),
            "revoked": base.revoked_attestations(scope, filters).count(),
        }

    def assessments_by_role(self, scope, filters):
        rows = base.assessments(scope, filters).values("assessor_role").annotate(n=Count("pk"))
        return {row["assessor_role"]: row["n"] for row in rows}

    def hours_per_bucket(self, scope, filters, per_bucket):
        return per_bucket(
            base.attended_marks(scope, filters), "slot__starts_at", filters, Sum(SLOT_LENGTH)
        )

    def enrollments(self, scope, filters):
        return base.enrollments(scope, filters)

    def in_training(self, person, end):
        """Attended a slot or was assessed (not by themselves) by `end`."""
        _low, high = base.day_bounds(end, end)
        return Exists(
            Attendance.objects.filter(
                registration__user_id=person,
                is_current=True,
                status__in=ATTENDED_STATUSES,
                slot__starts_at__lt=high,
            )
        ) | Exists(
            Assessment.objects.filter(participant_id=person, assessed_on__lte=end).exclude(
                assessor_role=AssessorRole.SELF
            )
        )


LIVE = LiveFigures()


def _figures(scope, filters, source):
    people = source.period_figures(scope, filters)
    attestations = source.attestation_counts(scope, filters)
    return {
        "active_mediators": people["active"],
        "sessions_held": base.sessions(scope, filters).count(),
        "trainee_hours": duration_to_hours(people["time"]),
        "participants": people["participants"],
        "attendance_rate": ratio(people["attended"], people["all"]),
        "assessments": source.assessment_count(scope, filters),
        "blocs_validated": base.bloc_validations(scope, filters).count(),
        "pathways_certified": base.certifications(scope, filters).count(),
        "attestations_issued": attestations["issued"],
        "attestations_revoked": attestations["revoked"],
    }


# The figures in the order of the dashboard, with their French names and the list each opens.
FIGURES = [
    (
        "active_mediators",
        _lazy("Médiateurs actifs"),
        _lazy("personnes ayant suivi au moins un créneau"),
    ),
    ("sessions_held", _lazy("Sessions réalisées"), _lazy("sessions commencées dans la période")),
    (
        "trainee_hours",
        _lazy("Heures de formation"),
        _lazy("heures suivies, additionnées sur les personnes"),
    ),
    ("participants", _lazy("Participants"), _lazy("personnes inscrites à ces sessions")),
    (
        "attendance_rate",
        _lazy("Taux de présence"),
        _lazy("créneaux suivis sur créneaux émargés, en %"),
    ),
    ("assessments", _lazy("Évaluations"), _lazy("hors auto-positionnements")),
    ("blocs_validated", _lazy("Blocs validés"), _lazy("décisions non retirées")),
    ("pathways_certified", _lazy("Parcours certifiés"), _lazy("décisions non retirées")),
    ("attestations_issued", _lazy("Attestations émises"), ""),
    ("attestations_revoked", _lazy("Attestations révoquées"), _lazy("révoquées dans la période")),
]


@dataclass
class KeyFigure:
    key: str
    label: str
    hint: str
    value: object
    previous: object

    @property
    def delta(self):
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def key_figures(scope, filters, *, today=None, source=LIVE):
    """The dashboard's figures for the period, each beside its value over the period of the same
    length just before (the trend), and the certifications expiring within 90 days."""
    now = _figures(scope, filters, source)
    before = _figures(scope, filters.previous(), source)
    figures = [
        KeyFigure(key, str(label), str(hint), now[key], before[key]) for key, label, hint in FIGURES
    ]
    expiring = base.expiring_certifications(scope, filters, today=today).count()
    return figures, expiring


# Periods ------------------------------------------------------------------------------------

_TRUNC = {
    Granularity.MONTH: TruncMonth,
    Granularity.QUARTER: TruncQuarter,
    Granularity.YEAR: TruncYear,
}


def buckets(filters):
    """The periods of the chosen granularity that meet [start, end], in order: (key, label)."""
    return [(day, bucket_label(day, filters.granularity)) for day in filters.bucket_starts()]


def bucket_label(day, granularity):
    if granularity == Granularity.YEAR:
        return str(day.year)
    if granularity == Granularity.QUARTER:
        return _("T%(quarter)s %(year)s") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _per_bucket(queryset, date_field, filters, value=None):
    trunc = _TRUNC[filters.granularity](date_field)
    rows = queryset.annotate(bucket=trunc).values("bucket").annotate(n=value or Count("pk"))
    return {_as_date(row["bucket"]): row["n"] for row in rows}


def time_series(scope, filters, *, source=LIVE):
    """Per period: pathways certified, blocs validated, trainee-hours."""
    certified = _per_bucket(base.certifications(scope, filters), "decided_on", filters)
    validated = _per_bucket(base.bloc_validations(scope, filters), "decided_on", filters)
    hours = source.hours_per_bucket(scope, filters, _per_bucket)
    return [
        {
            "period": day.isoformat(),
            "label": label,
            "certifications": certified.get(day, 0),
            "blocs": validated.get(day, 0),
            "hours": duration_to_hours(hours.get(day)),
        }
        for day, label in buckets(filters)
    ]


# Breakdowns ---------------------------------------------------------------------------------


def by_departement(scope, filters):
    """Certifications and blocs validated per département of the holder (at decision time)."""
    names = dict(Departement.objects.values_list("code", "name"))
    counts = {}
    for key, qs in (
        ("certifications", base.certifications(scope, filters)),
        ("blocs", base.bloc_validations(scope, filters)),
    ):
        for row in qs.values("holder_departement_code").annotate(n=Count("pk")):
            counts.setdefault(row["holder_departement_code"], {})[key] = row["n"]
    rows = [
        {
            "code": code,
            "label": f"{names[code]} ({code})" if code in names else _("Sans territoire"),
            "name": names.get(code, ""),
            "certifications": values.get("certifications", 0),
            "blocs": values.get("blocs", 0),
        }
        for code, values in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row["certifications"], -row["blocs"], row["code"]))


def by_commune(scope, filters, *, limit=50):
    """The communes with the most certifications and blocs validated (holder, at decision
    time); the fifty first, as a long tail of single decisions says little."""
    counts = {}
    for key, qs in (
        ("certifications", base.certifications(scope, filters)),
        ("blocs", base.bloc_validations(scope, filters)),
    ):
        rows = qs.exclude(holder_commune_code="").values(
            "holder_commune_code", "holder_commune_name", "holder_departement_code"
        )
        for row in rows.annotate(n=Count("pk")):
            entry = counts.setdefault(
                row["holder_commune_code"],
                {
                    "code": row["holder_commune_code"],
                    "label": f"{row['holder_commune_name']} ({row['holder_departement_code']})",
                    "certifications": 0,
                    "blocs": 0,
                },
            )
            entry[key] += row["n"]
    rows = sorted(counts.values(), key=lambda r: (-r["certifications"], -r["blocs"], r["label"]))
    return rows[:limit]


def by_region(scope, filters):
    names = dict(Region.objects.values_list("code", "name"))
    rows = (
        base.certifications(scope, filters)
        .values("holder_region_code")
        .annotate(n=Count("pk"))
        .order_by("-n", "holder_region_code")
    )
    return [
        {"label": names.get(row["holder_region_code"], _("Sans territoire")), "value": row["n"]}
        for row in rows
    ]


def _lineage_labels():
    labels = {}
    for lineage, code, title in Bloc.objects.order_by("version__number").values_list(
        "lineage", "code", "title"
    ):
        labels[lineage] = f"{code} — {title}"  # the newest version names it
    return labels


def by_bloc(scope, filters):
    labels = _lineage_labels()
    rows = (
        base.bloc_validations(scope, filters)
        .values("bloc_lineage")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    result = [{"label": labels.get(row["bloc_lineage"], "?"), "value": row["n"]} for row in rows]
    return sorted(result, key=lambda row: (-row["value"], row["label"]))


def by_pathway(scope, filters):
    rows = (
        base.certifications(scope, filters)
        .values("rule_set__pathway__title", "rule_set__pathway__version__number")
        .annotate(n=Count("pk"))
        .order_by("-n", "rule_set__pathway__title")
    )
    return [
        {
            "label": f"{row['rule_set__pathway__title']} "
            f"(v{row['rule_set__pathway__version__number']})",
            "value": row["n"],
        }
        for row in rows
    ]


def _choice_rows(queryset, key, choices, empty_label):
    labels = dict(choices)
    rows = queryset.values(key).annotate(n=Count("pk")).order_by("-n", key)
    return [{"label": labels.get(row[key]) or empty_label, "value": row["n"]} for row in rows]


def by_structure_kind(scope, filters):
    return _choice_rows(
        base.certifications(scope, filters),
        "holder_structure_kind",
        StructureKind.choices,
        _("Sans structure"),
    )


def by_function(scope, filters):
    return _choice_rows(
        base.certifications(scope, filters),
        "holder_function",
        MediatorFunction.choices,
        _("Non renseignée"),
    )


def by_assessor(scope, filters, *, source=LIVE):
    """Assessments per kind of assessor: accredited trainer or peer."""
    labels = dict(AssessorRole.choices)
    counts = source.assessments_by_role(scope, filters)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"label": labels.get(role) or "?", "value": n} for role, n in rows if n]


def funnel(scope, filters, *, source=LIVE):
    """Enrolments that existed in the period: enrolled → in training (attended a slot or was
    assessed by the end of the period) → at least one bloc validated → certified."""
    in_training = source.in_training(OuterRef("user_id"), filters.end)
    decided = {"decided_on__lte": filters.end, "withdrawn_at__isnull": True}

    def decided_for(model):
        # IN (…) rather than EXISTS: PostgreSQL hashes the enrolments decided once instead of
        # probing the index for each of 40,000 enrolments (which also set off its JIT compiler).
        ids = model.objects.filter(**decided).values("enrollment_id")
        return ExpressionWrapper(Q(pk__in=ids), output_field=BooleanField())

    counts = (
        source.enrollments(scope, filters)
        .annotate(
            is_training=in_training,
            has_bloc=decided_for(BlocValidation),
            is_certified=decided_for(PathwayCertification),
        )
        # Aggregate names differ from the annotations': the same name would shadow them.
        .aggregate(
            enrolled=Count("pk"),
            training=Count("pk", filter=Q(is_training=True) | Q(has_bloc=True)),
            with_bloc=Count("pk", filter=Q(has_bloc=True)),
            certified=Count("pk", filter=Q(is_certified=True)),
        )
    )
    return [
        {"label": _("Inscrit·es à un parcours"), "value": counts["enrolled"]},
        {"label": _("En formation"), "value": counts["training"]},
        {"label": _("Au moins un bloc validé"), "value": counts["with_bloc"]},
        {"label": _("Certifié·es"), "value": counts["certified"]},
    ]


# Tables behind every chart, for the page and the exports ---------------------------------


@dataclass
class AggregateTable:
    slug: str
    title: str
    columns: list
    rows: list
    count_keys: tuple = field(default_factory=tuple)


def aggregate_tables(scope, filters, *, source=LIVE):
    series = time_series(scope, filters, source=source)
    departements = by_departement(scope, filters)
    label, value = ("label", _("Catégorie")), ("value", _("Nombre"))
    return [
        AggregateTable(
            "par-periode",
            _("Certifications, blocs validés et heures de formation par période"),
            [
                ("label", _("Période")),
                ("certifications", _("Parcours certifiés")),
                ("blocs", _("Blocs validés")),
                ("hours", _("Heures de formation")),
            ],
            series,
            ("certifications", "blocs"),
        ),
        AggregateTable(
            "par-departement",
            _("Certifications et blocs validés par département"),
            [
                ("code", _("Code")),
                ("name", _("Département")),
                ("certifications", _("Parcours certifiés")),
                ("blocs", _("Blocs validés")),
            ],
            departements,
            ("certifications", "blocs"),
        ),
        AggregateTable(
            "par-commune",
            _("Certifications et blocs validés par commune (les 50 premières)"),
            [
                ("label", _("Commune")),
                ("code", _("Code INSEE")),
                ("certifications", _("Parcours certifiés")),
                ("blocs", _("Blocs validés")),
            ],
            by_commune(scope, filters),
            ("certifications", "blocs"),
        ),
        AggregateTable(
            "par-region",
            _("Parcours certifiés par région"),
            [("label", _("Région")), value],
            by_region(scope, filters),
            ("value",),
        ),
        AggregateTable(
            "par-bloc",
            _("Blocs validés par bloc"),
            [("label", _("Bloc")), value],
            by_bloc(scope, filters),
            ("value",),
        ),
        AggregateTable(
            "entonnoir",
            _("Du parcours à la certification"),
            [("label", _("Étape")), ("value", _("Personnes"))],
            funnel(scope, filters, source=source),
            ("value",),
        ),
        AggregateTable(
            "par-parcours",
            _("Parcours certifiés par parcours"),
            [("label", _("Parcours")), value],
            by_pathway(scope, filters),
            ("value",),
        ),
        AggregateTable(
            "par-type-de-structure",
            _("Parcours certifiés par type de structure"),
            [label, value],
            by_structure_kind(scope, filters),
            ("value",),
        ),
        AggregateTable(
            "par-fonction",
            _("Parcours certifiés par fonction"),
            [label, value],
            by_function(scope, filters),
            ("value",),
        ),
        AggregateTable(
            "par-evaluateur",
            _("Évaluations par type d'évaluateur"),
            [label, value],
            by_assessor(scope, filters, source=source),
            (),
        ),
    ]
