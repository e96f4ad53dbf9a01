"""Reads for assessments: history, the assessment that counts, the evaluation grid, reviews."""

import datetime
from collections import OrderedDict, defaultdict

from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from competences.models import Competence, ProficiencyLevel
from core.permissions import is_hub_coordinator

from ..models import (
    FROZEN_STATUSES,
    Assessment,
    AssessmentEvidenceFile,
    AssessmentReview,
    AssessorRole,
    CompetenceStatus,
    Registration,
    RegistrationStatus,
    Session,
)
from ..permissions import accreditations_valid_on
from .attendance import registered_participants

HISTORY_RELATED = (
    "level",
    "assessor",
    "competence__bloc",
    "session",
    "review__reviewer",
    "review__replacement__level",
    "replaces_review__assessment__level",
    "replaces_review__assessment__assessor",
)


def with_history_relations(queryset):
    return queryset.select_related(*HISTORY_RELATED).prefetch_related(
        "criteria_met", "evidence_files"
    )


def review_of(assessment):
    """The review of an assessment, or None (without a query when select_related)."""
    try:
        return assessment.review
    except Assessment.review.RelatedObjectDoesNotExist:
        return None


def awaiting_confirmation(assessment, version):
    """A peer's assessment not reviewed yet, on a version that requires confirmation."""
    return (
        assessment.assessor_role == AssessorRole.PEER
        and version.peer_assessment_needs_confirmation
        and review_of(assessment) is None
    )


def counting_assessments(participant, competences):
    """{competence_id: the assessment that counts for the participant} for the given competences
    (of any version: matched by lineage), read from the current-status table in one query."""
    ids_by_lineage = defaultdict(list)
    for competence in competences:
        ids_by_lineage[competence.lineage].append(competence.pk)
    statuses = CompetenceStatus.objects.filter(
        user=participant, lineage__in=list(ids_by_lineage)
    ).select_related("assessment__level", "assessment__assessor", "assessment__competence")
    return {
        competence_id: status.assessment
        for status in statuses
        for competence_id in ids_by_lineage[status.lineage]
    }


def counting_assessment(participant, competence):
    """The assessment of the participant that counts on the competence's lineage, or None."""
    return counting_assessments(participant, [competence]).get(competence.pk)


def assessment_history(participant, competences=None, *, sessions_of=None):
    """Every assessment of a participant (trainers', reviews' replacements, self), newest first;
    with `sessions_of`, only those recorded in sessions that user trains."""
    qs = Assessment.objects.filter(participant=participant)
    if competences is not None:
        qs = qs.filter(competence__in=competences)
    if sessions_of is not None:
        qs = qs.filter(session__in=Session.objects.filter(trainers=sessions_of).values("pk"))
    return with_history_relations(qs).order_by("-created_at", "-pk")


COMPETENCES_PER_PAGE = 10


def _referential_order(competence):
    return (
        competence.version.referential.code,
        -competence.version.number,
        competence.bloc.order,
        competence.order,
        competence.code,
    )


# The newest assessments shown per competence and kind (trainers', self) on a page of the
# history; one competence's whole history is a page of its own. 469 assessments rendered for one
# person's page took 270 ms at national scale.
LATEST_PER_KIND = 3
ONE_COMPETENCE_PER_PAGE = 20


def _kind():
    return Case(When(assessor_role=AssessorRole.SELF, then=Value("self")), default=Value("trainer"))


def history_by_competence(
    participant, competences=None, *, sessions_of=None, page=None, competence=None
):
    """A page of the participant's history, by competence (in referential order), each with
    its newest assessments {"trainer": [...], "self": [...], "trainer_total": n,
    "self_total": n}. Returns (page, OrderedDict): the page of competences, and the history of
    those competences only — a person's history grows with the years, a page stays
    COMPETENCES_PER_PAGE competences of LATEST_PER_KIND assessments each. With `competence`,
    that competence alone, its whole history paginated (the page then pages assessments)."""
    assessed = assessment_history(participant, competences, sessions_of=sessions_of)
    if competence is not None:
        return _one_competence_history(assessed, competence, page)
    assessed_ids = assessed.order_by().values("competence_id").distinct()
    ordered = sorted(
        Competence.objects.filter(pk__in=assessed_ids).select_related(
            "bloc", "version__referential"
        ),
        key=_referential_order,
    )
    current = Paginator(ordered, COMPETENCES_PER_PAGE).get_page(page)
    on_page = assessed.filter(competence__in=list(current))
    grouped = defaultdict(lambda: {"trainer": [], "self": [], "trainer_total": 0, "self_total": 0})
    totals = on_page.order_by().annotate(kind=_kind()).values("competence_id", "kind")
    for row in totals.annotate(n=Count("pk")):
        grouped[row["competence_id"]][f"{row['kind']}_total"] = row["n"]
    newest = on_page.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("competence_id"), _kind()],
            order_by=[F("created_at").desc(), F("pk").desc()],
        )
    ).filter(rank__lte=LATEST_PER_KIND)
    for assessment in newest.order_by("-created_at", "-pk"):
        kind = "self" if assessment.assessor_role == AssessorRole.SELF else "trainer"
        grouped[assessment.competence_id][kind].append(assessment)
    for kinds in grouped.values():
        kinds["more"] = any(
            kinds[f"{kind}_total"] > len(kinds[kind]) for kind in ("trainer", "self")
        )
    return current, OrderedDict((c, grouped[c.pk]) for c in current)


def _one_competence_history(assessed, competence, page):
    current = Paginator(assessed.filter(competence=competence), ONE_COMPETENCE_PER_PAGE).get_page(
        page
    )
    kinds = {"trainer": [], "self": [], "trainer_total": 0, "self_total": 0, "whole": True}
    for assessment in current:
        kind = "self" if assessment.assessor_role == AssessorRole.SELF else "trainer"
        kinds[kind].append(assessment)
    return current, OrderedDict([(competence, kinds)] if current.paginator.count else [])


def session_competences(session):
    return list(session.competences.select_related("bloc").order_by("bloc__order", "order", "code"))


def scale(version):
    return list(ProficiencyLevel.objects.filter(version=version).order_by("rank"))


def evaluation_grid(session):
    """Participants × targeted competences, each cell with the latest assessment recorded in this
    session (the trainers') and the participant's latest self-assessment. Constant queries."""
    competences = session_competences(session)
    registrations = list(registered_participants(session))
    user_ids = [r.user_id for r in registrations]
    latest = {}
    for assessment in (
        Assessment.objects.filter(
            session=session, participant_id__in=user_ids, competence__in=competences
        )
        .exclude(assessor_role=AssessorRole.SELF)
        .select_related("level", "assessor", "review")
        .order_by("-created_at", "-pk")
    ):
        latest.setdefault((assessment.participant_id, assessment.competence_id), assessment)
    latest_self = {}
    for assessment in (
        Assessment.objects.filter(
            participant_id__in=user_ids,
            competence__in=competences,
            assessor_role=AssessorRole.SELF,
        )
        .select_related("level")
        .order_by("-created_at", "-pk")
    ):
        latest_self.setdefault((assessment.participant_id, assessment.competence_id), assessment)
    rows = [
        {
            "registration": registration,
            "cells": [
                grid_cell(
                    session,
                    registration,
                    competence,
                    latest.get((registration.user_id, competence.pk)),
                    latest_self.get((registration.user_id, competence.pk)),
                )
                for competence in competences
            ],
        }
        for registration in registrations
    ]
    return {"competences": competences, "rows": rows}


def grid_cell(session, registration, competence, assessment, self_assessment):
    return {
        "registration": registration,
        "competence": competence,
        "assessment": assessment,
        "self_assessment": self_assessment,
        "awaiting": assessment is not None and awaiting_confirmation(assessment, session.version),
    }


def grid_cell_for(session, registration, competence):
    """One cell of the evaluation grid (after an htmx save)."""
    assessment = (
        Assessment.objects.filter(
            session=session, participant_id=registration.user_id, competence=competence
        )
        .exclude(assessor_role=AssessorRole.SELF)
        .select_related("level", "assessor", "review")
        .order_by("-created_at", "-pk")
        .first()
    )
    self_assessment = (
        Assessment.objects.filter(
            participant_id=registration.user_id,
            competence=competence,
            assessor_role=AssessorRole.SELF,
        )
        .select_related("level")
        .order_by("-created_at", "-pk")
        .first()
    )
    return grid_cell(session, registration, competence, assessment, self_assessment)


def history_scope(user, participant):
    """Whose sessions a viewer may read a participant's assessments from: None for everything
    (the person, the hub), else the viewer's own sessions. A trainer who could add anyone to a
    session must not read that person's history from other trainers' sessions."""
    if user.pk == participant.pk or is_hub_coordinator(user):
        return None
    return user


def can_view_participant(user, participant):
    """A mediator sees their own records, a trainer those of their sessions' participants (from
    their own sessions only: history_scope), the hub everyone's."""
    if not user.is_authenticated:
        return False
    if user.pk == participant.pk or is_hub_coordinator(user):
        return True
    return (
        Registration.objects.filter(user=participant, session__trainers=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .exists()
    )


def _reviewable_competence_ids(user):
    """Ids of the competences whose peer assessments wait for confirmation and that the user
    may review: every one for the hub, those of the blocs they are accredited on otherwise.
    Resolved first, as a short list: joined in the queue's query, the small reference tables
    (never analysed by PostgreSQL) made it sort 128,000 rows instead of walking its index."""
    competences = Competence.objects.filter(version__peer_assessment_needs_confirmation=True)
    if not is_hub_coordinator(user):
        keys = set(
            accreditations_valid_on(user).values_list("bloc__version__referential_id", "bloc__code")
        )
        condition = Q(pk__in=[])
        for referential_id, code in keys:
            condition |= Q(version__referential_id=referential_id, bloc__code=code)
        competences = competences.filter(condition)
    return list(competences.values_list("pk", flat=True))


def pending_reviews(user):
    """Peer assessments awaiting confirmation that this user may review (accredited on the bloc,
    neither the assessor nor the person assessed). The hub sees every pending one but its own."""
    competence_ids = _reviewable_competence_ids(user)
    if not competence_ids:
        return Assessment.objects.none()
    qs = (
        Assessment.objects.filter(assessor_role=AssessorRole.PEER, competence_id__in=competence_ids)
        # NOT EXISTS, not a LEFT JOIN … IS NULL: PostgreSQL then walks the queue's index in
        # order and stops at the page (0.3 ms against 245 ms).
        .filter(~Exists(AssessmentReview.objects.filter(assessment=OuterRef("pk"))))
        .exclude(participant=user)
    )
    if not is_hub_coordinator(user):
        qs = qs.exclude(assessor=user)
    return (
        qs.select_related("participant", "assessor", "level", "competence__bloc", "session")
        .prefetch_related("criteria_met")
        .order_by("created_at", "pk")
    )


def assessment_for_review(pk):
    return (
        Assessment.objects.select_related(
            "participant", "assessor", "level", "competence__bloc__version", "session", "review"
        )
        .prefetch_related("criteria_met", "evidence_files")
        .filter(pk=pk)
        .first()
    )


def published_competences():
    """Competences of published versions, for the self-assessment form."""
    return (
        Competence.objects.filter(version__status="published")
        .select_related("bloc", "version__referential")
        .order_by("version__referential__code", "-version__number", "bloc__order", "order", "code")
    )


def group_competences(competences):
    """[(group label, [competences])] by version and bloc, for a select with optgroups."""
    groups = OrderedDict()
    for competence in competences:
        label = f"{competence.version.referential.title} v{competence.version.number} — " + (
            f"{competence.bloc.code} {competence.bloc.title}"
        )
        groups.setdefault(label, []).append(competence)
    return list(groups.items())


# « Me positionner avant ou après mes sessions »: the sessions a self-assessment is about, to
# come or started at most RECENT_DAYS ago, a few of them (a person's registrations grow with the
# years; every session stays in « Mes inscriptions »).
SELF_ASSESSMENT_SESSIONS_SHOWN = 5
SELF_ASSESSMENT_RECENT_DAYS = 60


def my_open_sessions(user):
    """(The first SELF_ASSESSMENT_SESSIONS_SHOWN of the user's active registrations on sessions
    still open, to come or started at most SELF_ASSESSMENT_RECENT_DAYS ago, in date order, with
    the targeted competences; whether there are more)."""
    since = timezone.now() - datetime.timedelta(days=SELF_ASSESSMENT_RECENT_DAYS)
    registrations = list(
        Registration.objects.filter(user=user, session__starts_at__gte=since)
        .exclude(status=RegistrationStatus.CANCELLED)
        .exclude(session__status__in=FROZEN_STATUSES)
        .select_related("session")
        .prefetch_related(
            Prefetch(
                "session__competences",
                queryset=Competence.objects.select_related("bloc").order_by(
                    "bloc__order", "order", "code"
                ),
            )
        )
        .order_by("session__starts_at", "pk")[: SELF_ASSESSMENT_SESSIONS_SHOWN + 1]
    )
    shown = registrations[:SELF_ASSESSMENT_SESSIONS_SHOWN]
    return shown, len(registrations) > len(shown)


def sessions_for_self_assessment(user, competence):
    """Open sessions the user is registered to that target the competence."""
    if competence is None:
        return Session.objects.none()
    mine = (
        Registration.objects.filter(user=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .values("session_id")
    )
    return (
        Session.objects.filter(pk__in=mine, competences=competence)
        .exclude(status__in=FROZEN_STATUSES)
        .order_by("starts_at")
    )


def assessment_export_rows(session):
    """Every assessment recorded in the session (history and self-assessments included), by
    participant, competence and date; `is_latest` marks the one in force for each pair."""
    assessments = list(
        with_history_relations(Assessment.objects.filter(session=session))
        .select_related("participant", "competence")
        .order_by(
            "participant__last_name",
            "participant__first_name",
            "participant_id",
            "competence__bloc__order",
            "competence__order",
            "-created_at",
            "-pk",
        )
    )
    seen = set()
    for assessment in assessments:
        key = (
            assessment.participant_id,
            assessment.competence_id,
            assessment.assessor_role == AssessorRole.SELF,
        )
        assessment.is_latest = key not in seen
        seen.add(key)
    return assessments


def evidence_file_for(user, pk):
    """An evidence file the user may open, or None: the person assessed, the assessor, the
    trainers of the session, the hub, and whoever may review the peer assessment it backs."""
    evidence_file = (
        AssessmentEvidenceFile.objects.select_related("assessment__participant")
        .filter(pk=pk, removed_at__isnull=True)
        .exclude(file="")
        .first()
    )
    if evidence_file is None or not user.is_authenticated:
        return None
    assessment = evidence_file.assessment
    allowed = (
        user.pk in (assessment.participant_id, assessment.assessor_id)
        or is_hub_coordinator(user)
        or (
            assessment.session_id is not None
            and Session.objects.filter(pk=assessment.session_id, trainers=user).exists()
        )
        or pending_reviews(user).filter(pk=assessment.pk).exists()
    )
    return evidence_file if allowed else None


def latest_self_assessment(participant, competence):
    """The participant's newest self-assessment on the competence's lineage (any version)."""
    return (
        Assessment.objects.filter(
            participant=participant,
            assessor_role=AssessorRole.SELF,
            competence__lineage=competence.lineage,
        )
        .select_related("level", "competence")
        .prefetch_related("criteria_met")
        .order_by("-created_at", "-pk")
        .first()
    )
