"""Reads about sessions: browsing with filters, the trainer's pages, the "for you" list."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Commune, Departement, Membership, MembershipStatus
from competences.models import Competence, ProficiencyLevel
from core.permissions import is_hub_coordinator

from ..models import (
    Assessment,
    CompetenceStatus,
    Registration,
    RegistrationStatus,
    Session,
    SessionFormat,
    SessionStatus,
    Slot,
)
from .accreditations import bloc_codes
from .registrations import with_has_attended

ACTIVE_REGISTRATION = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)


def is_session_trainer(user, session):
    """Is the user one of the session's trainers? Uses prefetched trainers when present."""
    if not user.is_authenticated:
        return False
    cache = getattr(session, "_prefetched_objects_cache", {})
    if "trainers" in cache:
        return any(trainer.pk == user.pk for trainer in cache["trainers"])
    return session.trainers.filter(pk=user.pk).exists()


def can_manage_session(user, session):
    return is_hub_coordinator(user) or is_session_trainer(user, session)


def _registrations_count(status):
    """Registrations of the outer session with this status, as a correlated subquery: a join
    with GROUP BY over every registration took 1.5 s on the national browse page."""
    return Coalesce(
        Subquery(
            Registration.objects.filter(session=OuterRef("pk"), status=status)
            .order_by()
            .values("session")
            .annotate(count=Count("pk"))
            .values("count")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def with_counts(queryset):
    return queryset.annotate(
        registered_count=_registrations_count(RegistrationStatus.REGISTERED),
        waiting_count=_registrations_count(RegistrationStatus.WAITING),
    )


def _targets(**conditions):
    """EXISTS: the outer session targets a competence matching `conditions` (no join, so no
    DISTINCT over the whole list)."""
    return Exists(Session.competences.through.objects.filter(session=OuterRef("pk"), **conditions))


def _competences_prefetch():
    return Prefetch(
        "competences",
        queryset=Competence.objects.select_related("bloc").order_by("bloc__order", "order"),
    )


def _detail_queryset():
    return with_counts(
        Session.objects.select_related(
            "version__referential", "structure__commune__departement", "created_by"
        ).prefetch_related(
            "slots",
            _competences_prefetch(),
            "trainers",
        )
    )


def session_for_trainer(user, pk):
    """The session with its slots, competences and trainers, for one of its trainers or the hub.
    404 when it does not exist, PermissionDenied for anyone else."""
    session = _detail_queryset().filter(pk=pk).first()
    if session is None:
        raise Http404
    if not can_manage_session(user, session):
        raise PermissionDenied
    return session


def session_for_viewer(user, pk):
    """A session as a mediator sees it: drafts, and drafts cancelled without ever being
    published, stay hidden from everyone but its trainers and the hub (404, so a draft's
    existence does not leak)."""
    session = _detail_queryset().filter(pk=pk).first()
    if session is None:
        raise Http404
    never_published = session.status == SessionStatus.DRAFT or (
        session.status == SessionStatus.CANCELLED and session.published_at is None
    )
    if never_published and not can_manage_session(user, session):
        raise Http404
    return session


def public_session(pk, *, now=None):
    """A session of the public catalogue (published, not over), as anyone may see it without
    logging in; None for any other."""
    now = now or timezone.now()
    return _detail_queryset().filter(pk=pk, status=SessionStatus.PUBLISHED, ends_at__gt=now).first()


def session_participants(session):
    """Active registrations (registered first, then the waiting list in its order), each with
    `has_attended`."""
    registrations = with_has_attended(
        Registration.objects.filter(session=session, status__in=ACTIVE_REGISTRATION)
        .select_related("user", "added_by")
        .order_by("status_changed_at", "pk")
    )
    registered, waiting = [], []
    for registration in registrations:
        if registration.status == RegistrationStatus.REGISTERED:
            registered.append(registration)
        else:
            waiting.append(registration)
    return registered, waiting


def active_registration(user, session):
    if not user.is_authenticated:
        return None
    return (
        with_has_attended(
            Registration.objects.filter(session=session, user=user, status__in=ACTIVE_REGISTRATION)
        )
        .order_by("-pk")
        .first()
    )


def waiting_position(registration):
    """1 for the first person on the waiting list."""
    return (
        Registration.objects.filter(
            session_id=registration.session_id, status=RegistrationStatus.WAITING
        )
        .filter(
            Q(status_changed_at__lt=registration.status_changed_at)
            | Q(status_changed_at=registration.status_changed_at, pk__lt=registration.pk)
        )
        .count()
        + 1
    )


def waiting_positions(registrations):
    """{registration pk: its rank on its session's waiting list} for the waiting ones among
    `registrations`, in one query whatever their number."""
    waiting = [r for r in registrations if r.status == RegistrationStatus.WAITING]
    if not waiting:
        return {}
    wanted = {r.pk for r in waiting}
    positions, ranks = {}, {}
    lists = Registration.objects.filter(
        session_id__in={r.session_id for r in waiting}, status=RegistrationStatus.WAITING
    ).order_by("session_id", "status_changed_at", "pk")
    for pk, session_id in lists.values_list("pk", "session_id"):
        ranks[session_id] = ranks.get(session_id, 0) + 1
        if pk in wanted:
            positions[pk] = ranks[session_id]
    return positions


# Browsing ------------------------------------------------------------------------------------


def _browse_queryset(now):
    """Published sessions not yet over (upcoming and running)."""
    return with_counts(
        Session.objects.filter(status=SessionStatus.PUBLISHED, ends_at__gt=now)
        .select_related("structure__commune__departement", "version")
        .prefetch_related(
            Prefetch("slots", queryset=Slot.objects.order_by("starts_at")),
            _competences_prefetch(),
        )
    )


def sessions_browse(
    *,
    bloc_code="",
    competence=None,
    departement="",
    date_from=None,
    date_to=None,
    format="",
    places_only=False,
    now=None,
):
    """Published sessions with slots ahead, filtered. `bloc_code` matches blocs of any version
    (B2 of version 1 and of version 2 are the same bloc for a mediator)."""
    now = now or timezone.now()
    qs = _browse_queryset(now)
    if competence is not None:
        qs = qs.filter(_targets(competence=competence))
    if bloc_code:
        qs = qs.filter(_targets(competence__bloc__code=bloc_code))
    if departement:
        # Sessions one can follow remotely are open to every département.
        qs = qs.filter(
            Q(structure__commune__departement_id=departement)
            | Q(format__in=(SessionFormat.REMOTE, SessionFormat.HYBRID))
        )
    if date_from:
        start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min))
        qs = qs.filter(ends_at__gte=start)
    if date_to:
        end = timezone.make_aware(
            datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min)
        )
        qs = qs.filter(starts_at__lt=end)
    if format:
        qs = qs.filter(format=format)
    if places_only:
        qs = qs.filter(registered_count__lt=F("capacity"))
    return qs.order_by("starts_at", "pk")


def browse_filter_options():
    """Blocs (by code, over published versions) and competences offered as filters."""
    competences = (
        Competence.objects.filter(version__status="published")
        .select_related("bloc", "version__referential")
        .order_by("version__referential__code", "-version__number", "bloc__order", "order")
    )
    return bloc_codes(), list(competences)


def departement_filter_choices():
    """The département filter's options: the hub's own départements first
    (SOCLE_HUB_DEPARTEMENTS), then the others, each group in code order."""
    hub_codes = list(settings.SOCLE_HUB_DEPARTEMENTS)
    hub, others = [], []
    for departement in Departement.objects.order_by("code"):
        option = (departement.code, f"{departement.code} — {departement.name}")
        (hub if departement.code in hub_codes else others).append(option)
    choices = [("", _("Tous"))]
    if hub:
        choices.append((_("Départements du hub"), hub))
    if others:
        choices.append((_("Autres départements") if hub else _("Départements"), others))
    return choices


def acquired_competence_ids(user):
    """Competences of published versions whose lineage the user has acquired: the assessment
    that counts (current-status table) reaches the "acquired" level of the competence's version.
    A later, lower assessment supersedes an earlier one at the acquired level."""
    ranks = dict(CompetenceStatus.objects.filter(user=user).values_list("lineage", "level_rank"))
    if not ranks:
        return set()
    thresholds = dict(
        ProficiencyLevel.objects.filter(counts_as_acquired=True).values_list("version_id", "rank")
    )
    return {
        pk
        for pk, lineage, version_id in Competence.objects.filter(
            lineage__in=list(ranks), version__status="published"
        ).values_list("pk", "lineage", "version_id")
        if version_id in thresholds and ranks[lineage] >= thresholds[version_id]
    }


def places_of(user):
    """Where the person works and lives: the communes and départements of the structures they
    are an approved member of, and their own commune. Two queries."""
    rows = list(
        Membership.objects.filter(user=user, status=MembershipStatus.APPROVED).values_list(
            "structure__commune_id", "structure__commune__departement_id"
        )
    )
    if user.commune_id:
        rows += Commune.objects.filter(pk=user.commune_id).values_list("pk", "departement_id")
    return {commune for commune, _d in rows}, {departement for _c, departement in rows}


# How close a session is to the person, for the order of « Pour vous ».
NEAR_COMMUNE, NEAR_DEPARTEMENT, REMOTE, ELSEWHERE = range(4)


def _nearness(communes, departements):
    return Case(
        When(structure__commune_id__in=communes, then=Value(NEAR_COMMUNE)),
        When(structure__commune__departement_id__in=departements, then=Value(NEAR_DEPARTEMENT)),
        When(format__in=(SessionFormat.REMOTE, SessionFormat.HYBRID), then=Value(REMOTE)),
        default=Value(ELSEWHERE),
        output_field=IntegerField(),
    )


def sessions_for_you(user, *, limit=5, now=None):
    """The next open sessions targeting competences the user has not acquired yet, each with
    `missing_competences` (what it would bring), excluding sessions the user trains or has
    already joined. Sessions where the person works come first (their structures' communes,
    then départements, their own commune counting too), then the ones followed remotely, then
    the others; soonest first within each group. Each has `nearness`."""
    now = now or timezone.now()
    acquired = acquired_competence_ids(user)
    communes, departements = places_of(user)
    joined = Registration.objects.filter(
        session=OuterRef("pk"), user=user, status__in=ACTIVE_REGISTRATION
    )
    qs = (
        _browse_queryset(now)
        .filter(starts_at__gt=now)
        .exclude(trainers=user)
        .exclude(Exists(joined))
        .filter(
            Exists(
                Session.competences.through.objects.filter(session=OuterRef("pk")).exclude(
                    competence_id__in=acquired
                )
            )
        )
        .annotate(nearness=_nearness(communes, departements))
        .order_by("nearness", "starts_at", "pk")
    )
    sessions = list(qs[:limit])
    for session in sessions:
        session.missing_competences = [
            competence for competence in session.competences.all() if competence.pk not in acquired
        ]
    return sessions


# The trainer's sessions ----------------------------------------------------------------------


PAST_SESSIONS_PER_PAGE = 20
CANCELLED_SHOWN = 10


def sessions_of_trainer(user, *, now=None, past_page=None):
    """The sessions a user runs, for the "Mes sessions" page: drafts and upcoming (and running)
    ones whole, past ones a page at a time (newest first: they grow with the years), the latest
    cancelled ones and how many there are."""
    now = now or timezone.now()
    mine = with_counts(
        Session.objects.filter(trainers=user)
        .select_related("structure__commune", "version")
        .prefetch_related(Prefetch("slots", queryset=Slot.objects.order_by("starts_at")))
    )
    held = mine.exclude(status__in=(SessionStatus.DRAFT, SessionStatus.CANCELLED))
    running = Q(ends_at__gt=now) | Q(ends_at__isnull=True)
    # Drafts and upcoming sessions are few: one query, split here.
    current = list(
        mine.filter(
            Q(status=SessionStatus.DRAFT) | (running & ~Q(status=SessionStatus.CANCELLED))
        ).order_by("starts_at", "pk")
    )
    cancelled = list(
        mine.filter(status=SessionStatus.CANCELLED).order_by("-starts_at", "-pk")[
            : CANCELLED_SHOWN + 1
        ]
    )
    return {
        "drafts": [s for s in current if s.status == SessionStatus.DRAFT],
        "upcoming": [s for s in current if s.status != SessionStatus.DRAFT],
        "past": Paginator(
            held.filter(ends_at__lte=now).order_by("-starts_at", "-pk"), PAST_SESSIONS_PER_PAGE
        ).get_page(past_page),
        "cancelled": cancelled[:CANCELLED_SHOWN],
        "more_cancelled": len(cancelled) > CANCELLED_SHOWN,
    }


def next_sessions_of_trainer(user, *, limit=3, now=None):
    now = now or timezone.now()
    return list(
        with_counts(
            Session.objects.filter(
                trainers=user,
                status__in=(SessionStatus.PUBLISHED, SessionStatus.DRAFT),
                ends_at__gt=now,
            ).select_related("structure__commune")
        ).order_by("starts_at", "pk")[:limit]
    )


TRAINER_HISTORY_PER_PAGE = 20


def trainer_history(trainer, *, page=None):
    """Who trained whom: a page of the sessions a trainer ran or was to run (every status but
    draft, cancelled ones included), newest first, with their participants, for the hub."""
    registrations = Prefetch(
        "registrations",
        queryset=Registration.objects.filter(status=RegistrationStatus.REGISTERED)
        .select_related("user")
        .order_by("user__last_name", "user__first_name"),
        to_attr="participant_registrations",
    )
    assessments = (
        Assessment.objects.filter(session=OuterRef("pk"), assessor=trainer)
        .order_by()
        .values("session")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    sessions = (
        Session.objects.filter(trainers=trainer)
        .exclude(status=SessionStatus.DRAFT)
        .select_related("structure__commune", "version__referential")
        .prefetch_related(registrations, _competences_prefetch(), "trainers")
        .annotate(assessment_count=Coalesce(Subquery(assessments, output_field=IntegerField()), 0))
        .order_by("-starts_at", "-pk")
    )
    return Paginator(sessions, TRAINER_HISTORY_PER_PAGE).get_page(page)
