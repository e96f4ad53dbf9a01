"""Reads for progress pages: a person's enrolments with their verdicts, what is missing and the
upcoming sessions that would bring it. Every figure comes from the current-status table and the
counting hours, through the same eligibility function the decisions use."""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from accounts.models import Membership, MembershipStatus
from competences.models import Criterion, Pathway, VersionStatus
from trainings.models import (
    Assessment,
    AssessorRole,
    CompetenceStatus,
    Registration,
    RegistrationStatus,
    Session,
)
from trainings.selectors.attendance import (
    COUNTING_SESSION_STATUSES,
    counting_hours,
    registered_participants,
)

from .models import (
    Attestation,
    BlocValidation,
    Enrollment,
    EnrollmentStatus,
    PathwayCertification,
)
from .services.decisions import person_facts, rule_lineages, verdict_for

UPCOMING_PER_PATHWAY = 5


def _with_decisions(queryset):
    return queryset.select_related("pathway__version__referential", "rule_set").prefetch_related(
        Prefetch(
            "blocvalidations",
            queryset=BlocValidation.objects.filter(is_current=True).select_related("bloc"),
            to_attr="current_validations",
        ),
        Prefetch(
            "pathwaycertifications",
            queryset=PathwayCertification.objects.filter(is_current=True),
            to_attr="current_certifications",
        ),
    )


def enrollments_of(user):
    return _with_decisions(
        Enrollment.objects.filter(user=user).exclude(status=EnrollmentStatus.WITHDRAWN)
    ).order_by("enrolled_at", "pk")


def enrollment_for_hub(pk):
    """One enrolment with its person, rule set, and every decision taken on it (history)."""
    return (
        _with_decisions(Enrollment.objects.filter(pk=pk))
        .select_related("user", "enrolled_by")
        .first()
    )


def decisions_of(enrollment):
    """Every decision of an enrolment, current or not, newest first."""
    blocs = list(
        BlocValidation.objects.filter(enrollment=enrollment)
        .select_related("bloc", "decided_by", "withdrawn_by", "rule_set")
        .prefetch_related("attestations")
        .order_by("-decided_at", "-pk")
    )
    certifications = list(
        PathwayCertification.objects.filter(enrollment=enrollment)
        .select_related("decided_by", "withdrawn_by", "rule_set")
        .prefetch_related("attestations")
        .order_by("-decided_at", "-pk")
    )
    return blocs, certifications


def enrollments_for_hub(*, search="", pathway=None, status="", departement="", structure=""):
    """Every enrolment of the network, newest first, filtered; paginate it."""
    qs = Enrollment.objects.select_related("user", "pathway__version__referential", "rule_set")
    if search:
        qs = qs.filter(
            Q(user__email__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__first_name__icontains=search)
        )
    if pathway is not None:
        qs = qs.filter(pathway=pathway)
    if status:
        qs = qs.filter(status=status)
    if departement:
        qs = qs.filter(
            Exists(
                Membership.objects.filter(
                    user=OuterRef("user"),
                    status=MembershipStatus.APPROVED,
                    structure__commune__departement_id=departement,
                )
            )
        )
    if structure:
        qs = qs.filter(
            Exists(
                Membership.objects.filter(
                    user=OuterRef("user"),
                    status=MembershipStatus.APPROVED,
                    structure__name__icontains=structure,
                )
            )
        )
    return qs.order_by("-enrolled_at", "-pk")


def attach_verdicts(enrollments):
    """Set `verdict` on each enrolment of a page: two queries per rule set on the page (the
    statuses of its people, their counting hours), whatever the number of rows."""
    by_rule_set = defaultdict(list)
    for enrollment in enrollments:
        by_rule_set[enrollment.rule_set_id].append(enrollment)
    for group in by_rule_set.values():
        rules = group[0].rule_set.rules
        competence_lineages, bloc_lineages = rule_lineages(rules)
        user_ids = [enrollment.user_id for enrollment in group]
        statuses = defaultdict(dict)
        for status in CompetenceStatus.objects.filter(
            user_id__in=user_ids, lineage__in=competence_lineages
        ).select_related("level"):
            statuses[status.user_id][str(status.lineage)] = status
        hours = counting_hours(user_ids, bloc_lineages)
        for enrollment in group:
            enrollment.verdict = verdict_for(
                rules, statuses[enrollment.user_id], hours.get(enrollment.user_id, {})
            )
    return enrollments


def session_participants_progress(session):
    """The session's registered participants, each with their active enrolments and verdicts."""
    registrations = list(registered_participants(session))
    enrollments = list(
        Enrollment.objects.filter(user__in=[r.user_id for r in registrations])
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("pathway", "rule_set")
        .order_by("pathway__title", "pk")
    )
    attach_verdicts(enrollments)
    by_user = defaultdict(list)
    for enrollment in enrollments:
        by_user[enrollment.user_id].append(enrollment)
    return [(registration, by_user[registration.user_id]) for registration in registrations]


def open_pathways_for(user):
    """Pathways of published versions open to enrolment that the user does not follow."""
    following = Enrollment.objects.filter(user=user, pathway=OuterRef("pk")).exclude(
        status=EnrollmentStatus.WITHDRAWN
    )
    return (
        Pathway.objects.filter(is_active=True, version__status=VersionStatus.PUBLISHED)
        .exclude(Exists(following))
        .select_related("version__referential")
        .order_by("title")
    )


def _latest_self_assessments(user, lineages):
    latest = {}
    for assessment in (
        Assessment.objects.filter(
            participant=user,
            assessor_role=AssessorRole.SELF,
            competence__lineage__in=lineages,
        )
        .select_related("level", "competence")
        .order_by("-created_at", "-pk")
    ):
        latest.setdefault(str(assessment.competence.lineage), assessment)
    return latest


def _with_criteria(rules, missing):
    """[{result, criteria}] for the missing competences: what the trainer will observe (the
    criteria of the rule set's version), in one query."""
    if not missing:
        return []
    criteria = defaultdict(list)
    for criterion in (
        Criterion.objects.filter(
            version_id=rules["version"], competence__lineage__in=[c.lineage for c in missing]
        )
        .select_related("competence")
        .order_by("order", "code")
    ):
        criteria[str(criterion.competence.lineage)].append(criterion)
    return [{"result": c, "criteria": criteria[c.lineage]} for c in missing]


def _upcoming_sessions(user, lineages, now):
    """Open sessions to come that target one of these competence lineages, not joined yet.
    Conditions on other tables are EXISTS (the sessions' competences, the person's
    registration): no join that multiplies the sessions, so no DISTINCT to sort them all."""
    joined = Registration.objects.filter(session=OuterRef("pk"), user=user).exclude(
        status=RegistrationStatus.CANCELLED
    )
    targeted = Session.competences.through.objects.filter(
        session=OuterRef("pk"), competence__lineage__in=lineages
    )
    trains = Session.trainers.through.objects.filter(session=OuterRef("pk"), user=user)
    return list(
        Session.objects.filter(
            Exists(targeted),
            status__in=COUNTING_SESSION_STATUSES,
            starts_at__gt=now,
        )
        .exclude(Exists(trains))
        .exclude(Exists(joined))
        .select_related("structure__commune")
        .order_by("starts_at", "pk")[:UPCOMING_PER_PATHWAY]
    )


def progress_of(user, *, now=None, assume=None, enrollments=None):
    """[{enrollment, verdict, hours, blocs: [{result, validation, rows}], upcoming,
    certification}] for each active enrolment (or the given ones, of that user). Queries per
    enrolment are constant (a person follows a handful of pathways)."""
    now = now or timezone.now()
    result = []
    for enrollment in enrollments if enrollments is not None else enrollments_of(user):
        rules = enrollment.rule_set.rules
        statuses, hours = person_facts(user.pk, rules)
        verdict = verdict_for(rules, statuses, hours, assume=assume)
        missing = [c.lineage for bloc in verdict.blocs for c in bloc.missing]
        all_lineages = [c["lineage"] for bloc in rules["blocs"] for c in bloc["competences"]]
        selves = _latest_self_assessments(user, all_lineages)
        validations = {str(v.bloc_lineage): v for v in enrollment.current_validations}
        result.append(
            {
                "enrollment": enrollment,
                "verdict": verdict,
                "hours": verdict.hours,
                "blocs": [
                    {
                        "result": bloc,
                        "validation": validations.get(bloc.lineage),
                        "rows": [
                            {
                                "result": competence,
                                "status": statuses.get(competence.lineage),
                                "self_assessment": selves.get(competence.lineage),
                            }
                            for competence in bloc.competences
                        ],
                    }
                    for bloc in verdict.blocs
                ],
                "missing": _with_criteria(rules, [c for b in verdict.blocs for c in b.missing]),
                "upcoming": _upcoming_sessions(user, missing, now) if missing else [],
                "certification": next(iter(enrollment.current_certifications), None),
            }
        )
    return result


# Attestations --------------------------------------------------------------------------------


def attestations_of(user):
    return Attestation.objects.filter(holder=user).order_by("-issued_at", "-pk")


def session_attestations(session):
    return (
        Attestation.objects.filter(session=session)
        .select_related("holder")
        .order_by("holder__last_name", "holder__first_name", "kind")
    )


def session_attestations_progress(session):
    """How many of a session's documents exist: two per attending participant."""
    from .services.attestations import attended_registrations

    expected = 2 * attended_registrations(session).count()
    attestations = list(session_attestations(session))
    return {"attestations": attestations, "issued": len(attestations), "expected": expected}


# The public verification reads the attestation alone: what it shows comes from its facts (the
# holder's name as issued), never from the account, and the audit entry needs only holder_id.
def attestation_by_code(code):
    return Attestation.objects.filter(verification_code=code).first()


def attestation_by_sha256(digest):
    return Attestation.objects.filter(sha256=digest).first()
