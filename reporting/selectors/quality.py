"""Qualiopi-style indicators: per session (completion, attendance, success) and per pathway
(enrolled, certified, success rate), over the same querysets as the dashboard."""

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q

from certificates.models import PathwayCertification
from trainings.models import (
    ATTENDED_STATUSES,
    Assessment,
    AssessorRole,
    Attendance,
    Registration,
    RegistrationStatus,
)

from . import base
from .statistics import ratio


def quality_sessions(scope, filters):
    """Sessions that took place in the period, newest first; paginate, then attach_indicators."""
    return (
        base.sessions(scope, filters)
        .select_related("structure__commune")
        .annotate(
            slot_count=Count("slots", distinct=True),
            target_count=Count("competences", distinct=True),
        )
        .order_by("-starts_at", "-pk")
    )


def attach_indicators(sessions):
    """Set registered, completed (attended every slot), acquired (every targeted competence
    assessed in the session at a level that counts as acquired, by a trainer or a peer), and the
    three rates on each session of a page: three queries whatever the page's size."""
    by_pk = {session.pk: session for session in sessions}
    registered = defaultdict(set)
    for session_id, user_id in Registration.objects.filter(
        session_id__in=by_pk, status=RegistrationStatus.REGISTERED
    ).values_list("session_id", "user_id"):
        registered[session_id].add(user_id)
    attended = defaultdict(lambda: defaultdict(int))
    marks = {}
    for row in (
        Attendance.objects.filter(
            slot__session_id__in=by_pk,
            is_current=True,
            registration__status=RegistrationStatus.REGISTERED,
        )
        .values("slot__session_id", "registration__user_id")
        .annotate(marked=Count("pk"), present=Count("pk", filter=Q(status__in=ATTENDED_STATUSES)))
    ):
        session_id = row["slot__session_id"]
        attended[session_id][row["registration__user_id"]] = row["present"]
        total = marks.setdefault(session_id, [0, 0])
        total[0] += row["present"]
        total[1] += row["marked"]
    acquired = defaultdict(lambda: defaultdict(int))
    for row in (
        Assessment.objects.filter(session_id__in=by_pk, level__counts_as_acquired=True)
        .exclude(assessor_role=AssessorRole.SELF)
        .values("session_id", "participant_id")
        .annotate(n=Count("competence", distinct=True))
    ):
        acquired[row["session_id"]][row["participant_id"]] = row["n"]
    for pk, session in by_pk.items():
        people = registered[pk]
        session.registered = len(people)
        session.completed = sum(
            1 for user in people if session.slot_count and attended[pk][user] >= session.slot_count
        )
        session.acquired = sum(
            1
            for user in people
            if session.target_count and acquired[pk][user] >= session.target_count
        )
        present, marked = marks.get(pk, (0, 0))
        session.completion_rate = ratio(session.completed, session.registered)
        session.attendance_rate = ratio(present, marked)
        session.success_rate = ratio(session.acquired, session.registered)
    return sessions


def pathway_indicators(scope, filters):
    """Per pathway: enrolments that existed in the period, those certified by its end, those
    withdrawn, and the success rate (certified out of enrolled)."""
    certified = Exists(
        PathwayCertification.objects.filter(
            enrollment=OuterRef("pk"), decided_on__lte=filters.end, withdrawn_at__isnull=True
        )
    )
    rows = (
        base.enrollments(scope, filters)
        .annotate(is_certified=certified)
        .values("pathway__title", "pathway__version__number")
        .annotate(
            enrolled=Count("pk"),
            certified=Count("pk", filter=Q(is_certified=True)),
            withdrawn=Count("pk", filter=Q(status="withdrawn")),
        )
        .order_by("pathway__title", "pathway__version__number")
    )
    return [
        {
            "label": f"{row['pathway__title']} (v{row['pathway__version__number']})",
            "enrolled": row["enrolled"],
            "certified": row["certified"],
            "withdrawn": row["withdrawn"],
            "success_rate": ratio(row["certified"], row["enrolled"]),
        }
        for row in rows
    ]
