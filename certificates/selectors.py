"""Reads for progress pages: a person's enrolments with their verdicts, what is missing and the
upcoming sessions that would bring it. Every figure comes from the current-status table and the
counting hours, through the same eligibility function the decisions use."""

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from competences.models import Pathway, VersionStatus
from trainings.models import Assessment, AssessorRole, Registration, RegistrationStatus, Session
from trainings.selectors.attendance import COUNTING_SESSION_STATUSES

from .models import BlocValidation, Enrollment, EnrollmentStatus, PathwayCertification
from .services.decisions import person_facts, verdict_for

UPCOMING_PER_PATHWAY = 5


def enrollments_of(user):
    return (
        Enrollment.objects.filter(user=user)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("pathway__version__referential", "rule_set")
        .prefetch_related(
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
        .order_by("enrolled_at", "pk")
    )


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


def _upcoming_sessions(user, lineages, now):
    """Open sessions to come that target one of these competence lineages, not joined yet."""
    joined = Registration.objects.filter(session=OuterRef("pk"), user=user).exclude(
        status=RegistrationStatus.CANCELLED
    )
    return list(
        Session.objects.filter(
            status__in=COUNTING_SESSION_STATUSES,
            starts_at__gt=now,
            competences__lineage__in=lineages,
        )
        .exclude(trainers=user)
        .exclude(Exists(joined))
        .select_related("structure__commune")
        .distinct()
        .order_by("starts_at", "pk")[:UPCOMING_PER_PATHWAY]
    )


def progress_of(user, *, now=None, assume=None):
    """[{enrollment, verdict, statuses, hours, self_assessments, upcoming}] for each active
    enrolment. Queries per enrolment are constant (a person follows a handful of pathways)."""
    now = now or timezone.now()
    result = []
    for enrollment in enrollments_of(user):
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
                "upcoming": _upcoming_sessions(user, missing, now) if missing else [],
                "certification": next(iter(enrollment.current_certifications), None),
            }
        )
    return result
