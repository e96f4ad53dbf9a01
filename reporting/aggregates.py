"""Pre-aggregated attendance and assessment figures for the dashboard.

Counting 1.2 M attendance marks and 1.8 M assessments on every visit of `/pilotage/` took seconds
at national scale. The tables of `reporting.models` hold them already filtered as
`selectors.base` filters them, grouped per person and day (`ParticipationDay`, `AssessmentDay`),
per person and month (`ParticipationMonth`, with the days of the month as bits, so that a person
is counted once over any period) and per month (`AssessmentMonth`). `AggregatedFigures` reads
the whole months of a period from the monthly tables, the days at its ends from the daily ones,
and everything from the daily ones when a session filter (bloc, pathway, trainer) is chosen. The
figures are those of the live selectors (`selectors.statistics.LiveFigures`): the test
`tests/test_dashboard_aggregates.py` compares them on random data for every filter.
Attestations (`AttestationDay`: their table holds the facts, 220 MB) and the funnel's people
(`PersonSummary`: territory, first day in training) are aggregated too; decisions and sessions
are small tables with their own snapshot columns and stay live.

Every day is held, past and future (a registration to a coming session counts on the day the
session starts). The page says when the aggregates were computed. Refresh (the
`refresh_reporting_aggregates` command for cron, the `refresh_reporting_figures` task):
- `aggregates_rebuild()` recomputes everything: nightly, and at the end of `bench_data`;
- `aggregates_refresh_days(days, since=…)` recomputes some days: every few minutes the days from
  yesterday on (today's marks, registrations to coming sessions), and the days a write touched
  (`tasks.enqueue_refresh`) for the services that correct a past mark, record a late assessment,
  or change a registration or a session after it took place;
- `aggregates_refresh_people(user_ids)` rewrites the territory of record of some people, after
  a change of main structure or commune (the nightly rebuild does it for everyone).
"""

import datetime
import time
from dataclasses import replace

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractDay,
    Least,
    Power,
    TruncDate,
    TruncMonth,
)
from django.utils import timezone

from accounts.models import User
from certificates.models import Attestation, AttestationStatus
from trainings.models import (
    ATTENDED_STATUSES,
    Assessment,
    AssessorRole,
    Attendance,
    Registration,
    RegistrationStatus,
)
from trainings.selectors.attendance import SLOT_LENGTH

from .filters import NO_STRUCTURE
from .models import (
    AggregatesState,
    AssessmentDay,
    AssessmentMonth,
    AttestationDay,
    ParticipationDay,
    ParticipationMonth,
    PersonSummary,
)
from .scope import ReportScope
from .selectors import base

PERSON_COLUMNS = ("departement_code", "region_code", "structure_id", "structure_kind", "function")

# Building ----------------------------------------------------------------------------------------


def person_columns(prefix):
    """The territory of record of the person at `prefix`, as `selectors.base.person_q` reads it:
    the main structure's commune, or the person's own commune without a main structure."""
    no_main = Q(**{f"{prefix}main_membership__isnull": True})
    main = f"{prefix}main_membership__structure__"

    def either(own, of_main):
        return Coalesce(
            Case(When(no_main, then=F(f"{prefix}{own}")), default=F(f"{main}{of_main}")),
            Value(""),
        )

    return {
        "departement_code": either("commune__departement_id", "commune__departement_id"),
        "region_code": either("commune__departement__region_id", "commune__departement__region_id"),
        "structure_id": F(f"{prefix}main_membership__structure_id"),
        "structure_kind": Coalesce(F(f"{main}kind"), Value("")),
        "function": Coalesce(F(f"{prefix}main_membership__function"), Value("")),
    }


def _named(columns, prefix="p_"):
    # values() refuses an expression named after a field of the model queried.
    return {f"{prefix}{name}": expression for name, expression in columns.items()}


def _marks_rows():
    """Current marks grouped per person, session, day and whether they count."""
    attended = Q(status__in=ATTENDED_STATUSES)
    counted = ExpressionWrapper(
        Q(
            registration__status=RegistrationStatus.REGISTERED,
            registration__session__status__in=base.HELD_STATUSES,
        ),
        output_field=BooleanField(),
    )
    person = _named(person_columns("registration__user__"))
    return (
        Attendance.objects.filter(is_current=True)
        .values(
            p_user=F("registration__user_id"),
            p_session=F("registration__session_id"),
            p_day=TruncDate("slot__starts_at"),
            p_opens=Value(False),
            p_counted=counted,
            **person,
        )
        .annotate(
            p_marks=Count("pk"),
            p_attended=Count("pk", filter=attended),
            p_time=Sum(SLOT_LENGTH, filter=attended),
        )
        .values_list(
            "p_user",
            "p_session",
            "p_day",
            "p_opens",
            "p_counted",
            "p_marks",
            "p_attended",
            "p_time",
            *person,
        )
    )


def _registration_rows():
    """Registrations counted by `base.registrations`, on the day their session starts."""
    return (
        Registration.objects.filter(
            status=RegistrationStatus.REGISTERED,
            session__status__in=base.HELD_STATUSES,
            session__starts_at__isnull=False,
        )
        .order_by()
        .values_list(
            "user_id",
            "session_id",
            TruncDate("session__starts_at"),
            Value(True),  # opens the session
            Value(True),  # counted
            Value(0),
            Value(0),
            Value(None, output_field=DurationField()),
            *person_columns("user__").values(),
        )
    )


_DAY_COLUMNS = (
    "user_id",
    "session_id",
    "day",
    "opens_session",
    "counted",
    "marks",
    "attended",
    "attended_time",
    *PERSON_COLUMNS,
)


def _assessment_rows():
    person = _named(person_columns("participant__"))
    return (
        Assessment.objects.exclude(assessor_role=AssessorRole.SELF)
        # The person's columns are functions of the participant: they do not split the groups.
        .values(
            "participant_id", "assessed_on", "competence__bloc__lineage", "assessor_role", **person
        )
        .annotate(n=Count("pk"))
        .values_list(
            "participant_id",
            "assessed_on",
            "competence__bloc__lineage",
            "assessor_role",
            "n",
            *person,
        )
    )


_ASSESSMENT_COLUMNS = ("user_id", "day", "bloc_lineage", "assessor_role", "count", *PERSON_COLUMNS)


def _day_bit(day_field):
    """1 << (day of month - 1), as a number SQLite and PostgreSQL both compute."""
    return Cast(Power(Value(2), ExtractDay(day_field) - 1), IntegerField())


def _month_rows(participations):
    counted = participations.filter(counted=True)
    attended_bit = Case(When(opens_session=False, attended__gt=0, then=_day_bit("day")))
    registered_bit = Case(When(opens_session=True, then=_day_bit("day")))
    return (
        counted.values("user_id", *PERSON_COLUMNS, p_month=TruncMonth("day"))
        .annotate(
            p_marks=Sum("marks"),
            p_attended=Sum("attended"),
            p_time=Sum("attended_time"),
            # One bit per day: DISTINCT adds each day once, whatever the sessions that day.
            p_attended_days=Coalesce(Sum(attended_bit, distinct=True), 0),
            p_registered_days=Coalesce(Sum(registered_bit, distinct=True), 0),
        )
        .values_list(
            "user_id",
            "p_month",
            "p_marks",
            "p_attended",
            "p_time",
            "p_attended_days",
            "p_registered_days",
            *PERSON_COLUMNS,
        )
    )


_MONTH_COLUMNS = (
    "user_id",
    "month",
    "marks",
    "attended",
    "attended_time",
    "attended_days",
    "registered_days",
    *PERSON_COLUMNS,
)


_TERRITORY_COLUMNS = ("departement_code", "region_code", "structure_kind", "function")


def _assessment_month_rows(assessments):
    return (
        assessments.values(
            "bloc_lineage", "assessor_role", *_TERRITORY_COLUMNS, p_month=TruncMonth("day")
        )
        .annotate(n=Sum("count"))
        .values_list("p_month", "bloc_lineage", "assessor_role", "n", *_TERRITORY_COLUMNS)
    )


_ASSESSMENT_MONTH_COLUMNS = (
    "month",
    "bloc_lineage",
    "assessor_role",
    "count",
    *_TERRITORY_COLUMNS,
)


def _insert_from(model, columns, queryset):
    """INSERT … SELECT: the rows never travel through Python (a national rebuild writes about
    two million of them)."""
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)


def _month_start(day):
    return day.replace(day=1)


def _next_month(day):
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _refill(first_day=None, last_day=None):
    """Delete then recompute the rows of [first_day, last_day] (either open), and of the months
    those days lie in."""
    marks, registrations, assessed = _marks_rows(), _registration_rows(), _assessment_rows()
    days = ParticipationDay.objects.all()
    assessment_days = AssessmentDay.objects.all()
    months = ParticipationMonth.objects.all()
    assessment_months = AssessmentMonth.objects.all()
    if first_day is not None:
        low = base.day_bounds(first_day, first_day)[0]
        marks = marks.filter(slot__starts_at__gte=low)
        registrations = registrations.filter(session__starts_at__gte=low)
        assessed = assessed.filter(assessed_on__gte=first_day)
        days = days.filter(day__gte=first_day)
        assessment_days = assessment_days.filter(day__gte=first_day)
        months = months.filter(month__gte=_month_start(first_day))
        assessment_months = assessment_months.filter(month__gte=_month_start(first_day))
    if last_day is not None:
        high = base.day_bounds(last_day, last_day)[1]
        marks = marks.filter(slot__starts_at__lt=high)
        registrations = registrations.filter(session__starts_at__lt=high)
        assessed = assessed.filter(assessed_on__lte=last_day)
        days = days.filter(day__lte=last_day)
        assessment_days = assessment_days.filter(day__lte=last_day)
        months = months.filter(month__lte=last_day)
        assessment_months = assessment_months.filter(month__lte=last_day)
    for qs in (days, assessment_days, months, assessment_months):
        qs.delete()
    # In date order: a period's rows then lie side by side on disk.
    _insert_from(ParticipationDay, _DAY_COLUMNS, marks.order_by("p_day"))
    _insert_from(ParticipationDay, _DAY_COLUMNS, registrations.order_by("session__starts_at"))
    _insert_from(AssessmentDay, _ASSESSMENT_COLUMNS, assessed.order_by("assessed_on"))
    # The months are summed from the days: whole months, around the days recomputed.
    in_months = Q()
    if first_day is not None:
        in_months &= Q(day__gte=_month_start(first_day))
    if last_day is not None:
        in_months &= Q(day__lt=_next_month(last_day))
    _insert_from(
        ParticipationMonth,
        _MONTH_COLUMNS,
        _month_rows(ParticipationDay.objects.filter(in_months)).order_by("p_month"),
    )
    _insert_from(
        AssessmentMonth,
        _ASSESSMENT_MONTH_COLUMNS,
        _assessment_month_rows(AssessmentDay.objects.filter(in_months)).order_by("p_month"),
    )
    _refill_people()
    _refill_attestations()


def _refill_people():
    """Every person's territory of record and first day in training (50,000 rows: whole)."""
    PersonSummary.objects.all().delete()
    person = OuterRef("pk")
    # The first row in the (user, day) index: one probe a person, not an aggregate.
    attended = (
        ParticipationDay.objects.filter(user_id=person, opens_session=False, attended__gt=0)
        .order_by("day")
        .values("day")[:1]
    )
    assessed = AssessmentDay.objects.filter(user_id=person).order_by("day").values("day")[:1]
    a, b = Subquery(attended), Subquery(assessed)
    rows = (
        User.objects.order_by()
        # The earlier of the two, either may be missing.
        .values_list("pk", Least(Coalesce(a, b), Coalesce(b, a)), *person_columns("").values())
    )
    _insert_from(PersonSummary, ("user_id", "first_trained_on", *PERSON_COLUMNS), rows)


def _attestation_rows():
    revoked = Case(
        When(status=AttestationStatus.REVOKED, then=TruncDate("status_changed_at")),
        output_field=DateField(),
    )
    person = _named(person_columns("holder__"))
    return (
        Attestation.objects.order_by()
        .values(
            "holder_id",
            p_issued=TruncDate("issued_at"),
            p_revoked=revoked,
            p_pathway=Coalesce(
                "certification__enrollment__pathway_id", "bloc_validation__enrollment__pathway_id"
            ),
            p_lineage=F("bloc_validation__bloc_lineage"),
            **person,
        )
        .annotate(n=Count("pk"))
        .values_list("holder_id", "p_issued", "p_revoked", "p_pathway", "p_lineage", "n", *person)
    )


_ATTESTATION_COLUMNS = (
    "user_id",
    "issued_on",
    "revoked_on",
    "pathway_id",
    "bloc_lineage",
    "count",
    *PERSON_COLUMNS,
)


def _refill_attestations():
    # Small (one row an attestation at most) and changed by revocations of any age: whole.
    AttestationDay.objects.all().delete()
    _insert_from(AttestationDay, _ATTESTATION_COLUMNS, _attestation_rows())


def _state():
    return AggregatesState.objects.order_by("pk").first()


def aggregates_rebuild():
    """Recompute every aggregate (the nightly command); returns the state saved."""
    began = time.monotonic()
    with transaction.atomic():
        # One refresh at a time: two would delete and insert the same rows side by side.
        state = AggregatesState.objects.select_for_update().order_by("pk").first()
        _refill()
        state = state or AggregatesState()
        state.rebuilt_at = state.refreshed_at = timezone.now()
        state.rebuild_seconds = round(time.monotonic() - began, 3)
        state.save()
    if connection.vendor == "postgresql":
        # The rows were all rewritten: reclaim the old ones (VACUUM cannot run inside a
        # transaction, as in bench_data) and give the planner fresh statistics.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in (
                ParticipationDay,
                ParticipationMonth,
                AssessmentDay,
                AssessmentMonth,
                AttestationDay,
                PersonSummary,
            ):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    return state


def aggregates_refresh_days(days=(), *, since=None):
    """Recompute the aggregates of the given days (dates), and of every day from `since` on.
    Nothing to do before the first rebuild. Returns the state, or None."""
    with transaction.atomic():
        state = AggregatesState.objects.select_for_update().order_by("pk").first()
        if state is None:
            return None
        if since is not None:
            _refill(first_day=since)
        for day in sorted({day for day in days if since is None or day < since}):
            _refill(first_day=day, last_day=day)
        state.refreshed_at = timezone.now()
        state.save(update_fields=["refreshed_at"])
    return state


def aggregates_refresh_people(user_ids):
    """Rewrite the territory of record of these people in the aggregates (after a change of
    main structure or commune). Returns the state, or None before the first rebuild."""
    user_ids = list(user_ids)
    with transaction.atomic():
        state = AggregatesState.objects.select_for_update().order_by("pk").first()
        if state is None:
            return None
        person = {
            name: Subquery(
                User.objects.filter(pk=OuterRef("user_id")).values(**{f"v_{name}": expression})
            )
            for name, expression in person_columns("").items()
        }
        for model in (
            ParticipationDay,
            ParticipationMonth,
            AssessmentDay,
            AttestationDay,
            PersonSummary,
        ):
            model.objects.filter(user_id__in=user_ids).update(**person)
        # Monthly assessment rows have no person: recompute them from the daily ones.
        AssessmentMonth.objects.all().delete()
        _insert_from(
            AssessmentMonth,
            _ASSESSMENT_MONTH_COLUMNS,
            _assessment_month_rows(AssessmentDay.objects.all()),
        )
        state.refreshed_at = timezone.now()
        state.save(update_fields=["refreshed_at"])
    return state


def days_of_sessions(session_ids):
    """The days a session's figures lie on (its slots' days and its start day), for the services
    that change a past session or its registrations."""
    from trainings.models import Session, Slot

    days = set(
        Slot.objects.filter(session_id__in=session_ids)
        .annotate(day=TruncDate("starts_at"))
        .values_list("day", flat=True)
    )
    days.update(
        Session.objects.filter(pk__in=session_ids, starts_at__isnull=False)
        .annotate(day=TruncDate("starts_at"))
        .values_list("day", flat=True)
    )
    return days


# Reading -----------------------------------------------------------------------------------------


def split_period(start, end):
    """The whole months within [start, end] (their first days), and the (first, last) days of
    the months it covers only in part (at most two)."""
    months, edges = [], []
    month = _month_start(start)
    while month <= end:
        last = _next_month(month) - datetime.timedelta(days=1)
        if start <= month and last <= end:
            months.append(month)
        else:
            edges.append((max(start, month), min(end, last)))
        month = _next_month(month)
    return months, edges


def _days_mask(first, last):
    """The bits of the days first … last of one month."""
    return ((1 << last.day) - 1) ^ ((1 << (first.day - 1)) - 1)


def _person_q(scope, filters):
    """`selectors.base.person_q` and the scope, on the territory copied on the rows."""
    q = Q()
    if not scope.is_hub:
        q &= Q(structure_id__in=scope.structure_ids)
    if filters.departement:
        q &= Q(departement_code=filters.departement)
    if filters.region:
        q &= Q(region_code=filters.region)
    if filters.structure_kind == NO_STRUCTURE:
        q &= Q(structure_kind="")  # every structure has a kind
    elif filters.structure_kind:
        q &= Q(structure_kind=filters.structure_kind)
    if filters.function:
        q &= Q(function=filters.function)
    return q


def _edges_q(edges, field="day"):
    q = Q(pk__in=[])
    for first, last in edges:
        q |= Q(**{f"{field}__gte": first, f"{field}__lte": last})
    return q


def _by_session(filters):
    """Whether a session filter is chosen: the monthly rows have no session."""
    return bool(filters.bloc_lineage or filters.pathway is not None or filters.trainer_kind)


class AggregatedFigures:
    """The attendance and assessment figures of `selectors.statistics.LiveFigures`, read from the
    aggregates."""

    def __init__(self, state):
        self.state = state
        self._by_role = {}  # the key figure and the table of assessors read the same counts

    # Rows ---------------------------------------------------------------------------------------

    def _days(self, scope, filters, *, edges=None):
        """Counted daily rows of the period (or of the given ranges of days)."""
        days = (
            _edges_q(edges)
            if edges is not None
            else Q(day__gte=filters.start, day__lte=filters.end)
        )
        return ParticipationDay.objects.filter(
            _person_q(scope, filters),
            days,
            *base._session_exists_filters(filters, outer="session_id"),
            counted=True,
        )

    def _months(self, scope, filters):
        return ParticipationMonth.objects.filter(
            _person_q(scope, filters),
            month__gte=_month_start(filters.start),
            month__lte=filters.end,
        )

    def _assessment_filters(self, filters):
        q = Q()
        if filters.bloc_lineage:
            q &= Q(bloc_lineage=filters.bloc_lineage)
        if filters.pathway is not None:
            q &= Q(bloc_lineage__in=filters.pathway.blocs.values("lineage"))
        if filters.trainer_kind:
            q &= Q(assessor_role=base.assessor_role_of(filters.trainer_kind))
        return q

    def _assessment_parts(self, scope, filters):
        """(monthly rows of the whole months, daily rows of the other days): the monthly rows
        have no person, so a head of place's scope reads the daily ones only."""
        q = _person_q(scope, filters) & self._assessment_filters(filters)
        if not scope.is_hub:
            return None, AssessmentDay.objects.filter(
                q, day__gte=filters.start, day__lte=filters.end
            )
        months, edges = split_period(filters.start, filters.end)
        return (
            AssessmentMonth.objects.filter(q, month__in=months),
            AssessmentDay.objects.filter(q, _edges_q(edges)),
        )

    # Figures ------------------------------------------------------------------------------------

    def period_figures(self, scope, filters):
        """Marks, attended marks, attended time, people who attended, participants."""
        if _by_session(filters):
            days = self._days(scope, filters)
            marked = days.filter(opens_session=False)
            row = marked.aggregate(
                all=Sum("marks"), attended=Sum("attended"), time=Sum("attended_time")
            )
            row["active"] = marked.filter(attended__gt=0).values("user_id").distinct().count()
            row["participants"] = (
                days.filter(opens_session=True).values("user_id").distinct().count()
            )
        else:
            months, edges = split_period(filters.start, filters.end)
            attended, registered = (
                Q(month__in=months, attended_days__gt=0),
                Q(month__in=months, registered_days__gt=0),
            )
            masks = {}
            for i, (first, last) in enumerate(edges):
                mask = _days_mask(first, last)
                masks[f"attended_{i}"] = F("attended_days").bitand(mask)
                masks[f"registered_{i}"] = F("registered_days").bitand(mask)
                attended |= Q(month=_month_start(first), **{f"attended_{i}__gt": 0})
                registered |= Q(month=_month_start(first), **{f"registered_{i}__gt": 0})
            whole = Q(month__in=months)
            row = (
                self._months(scope, filters)
                .annotate(**masks)
                .aggregate(
                    all=Sum("marks", filter=whole),
                    attended=Sum("attended", filter=whole),
                    time=Sum("attended_time", filter=whole),
                    active=Count("user_id", distinct=True, filter=attended),
                    participants=Count("user_id", distinct=True, filter=registered),
                )
            )
            if edges:
                ends = (
                    self._days(scope, filters, edges=edges)
                    .filter(opens_session=False)
                    .aggregate(
                        all=Sum("marks"), attended=Sum("attended"), time=Sum("attended_time")
                    )
                )
                for key in ("all", "attended", "time"):
                    if ends[key] is not None:
                        row[key] = ends[key] if row[key] is None else row[key] + ends[key]
        row["all"], row["attended"] = row["all"] or 0, row["attended"] or 0
        return row

    def assessment_count(self, scope, filters):
        return sum(self.assessments_by_role(scope, filters).values())

    def assessments_by_role(self, scope, filters):
        key = (scope, filters)
        if key not in self._by_role:
            self._by_role[key] = self._count_by_role(scope, filters)
        return dict(self._by_role[key])

    def _count_by_role(self, scope, filters):
        counts = {}
        for part in self._assessment_parts(scope, filters):
            if part is None:
                continue
            for row in part.values("assessor_role").annotate(n=Sum("count")).order_by():
                counts[row["assessor_role"]] = counts.get(row["assessor_role"], 0) + row["n"]
        return counts

    def hours_per_bucket(self, scope, filters, per_bucket):
        if _by_session(filters):
            marked = self._days(scope, filters).filter(opens_session=False)
            return per_bucket(marked, "day", filters, Sum("attended_time"))
        months, edges = split_period(filters.start, filters.end)
        hours = per_bucket(
            self._months(scope, filters).filter(month__in=months),
            "month",
            filters,
            Sum("attended_time"),
        )
        if edges:
            marked = self._days(scope, filters, edges=edges).filter(opens_session=False)
            for bucket, value in per_bucket(marked, "day", filters, Sum("attended_time")).items():
                if value is not None:
                    hours[bucket] = value if hours.get(bucket) is None else hours[bucket] + value
        return hours

    def attestation_counts(self, scope, filters):
        """Attestations issued, and revoked, within the period."""
        issued = Q(issued_on__gte=filters.start, issued_on__lte=filters.end)
        revoked = Q(revoked_on__gte=filters.start, revoked_on__lte=filters.end)
        q = _person_q(scope, filters) & (issued | revoked)
        if filters.pathway is not None:
            q &= Q(pathway_id=filters.pathway.pk)
        if filters.bloc_lineage:
            q &= Q(bloc_lineage=filters.bloc_lineage)
        row = AttestationDay.objects.filter(q).aggregate(
            issued=Sum("count", filter=issued), revoked=Sum("count", filter=revoked)
        )
        return {"issued": row["issued"] or 0, "revoked": row["revoked"] or 0}

    def in_training(self, person, end):
        """Attended a slot (any registration, as the live funnel) or was assessed (not by
        themselves) by `end`."""
        started = PersonSummary.objects.filter(first_trained_on__lte=end).values("user_id")
        return ExpressionWrapper(Q(user_id__in=started), output_field=BooleanField())

    def enrollments(self, scope, filters):
        """`selectors.base.enrollments`, the people filtered on their summary's territory."""
        person = _person_q(scope, filters)
        if not person:
            return base.enrollments(scope, filters)
        anyone = replace(filters, region="", departement="", structure_kind="", function="")
        people = PersonSummary.objects.filter(person).values("user_id")
        return base.enrollments(ReportScope(is_hub=True), anyone).filter(user_id__in=people)


def figures_source(live, scope=None):
    """The aggregated figures once they have been built, else the live ones. A head of place's
    scope (a few structures) is read live: the indexes from their structures' people find
    their rows faster than a scan of the aggregates' months, and the figures are fresh."""
    if scope is not None and not scope.is_hub:
        return live
    state = _state()
    if state is None:
        return live
    return AggregatedFigures(state)
