"""What each figure counts, in one place: the filtered querysets every statistic, list and export
reads. Three rules decide where something is counted (docs/decisions.md):

- a person (participant, assessed person, enrolled person, attestation holder) is counted on their
  territory of record today: their main structure's commune, or their own commune;
- a session is counted where it takes place (its structure; a session without a place has none);
- a decision (bloc validated, pathway certified) is counted on the territory, structure and function
  snapshotted on it the day it was taken, so that a past year's figures do not move.
"""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from certificates.models import (
    Attestation,
    AttestationStatus,
    BlocValidation,
    Enrollment,
    PathwayCertification,
)
from trainings.models import (
    ATTENDED_STATUSES,
    AccreditationSource,
    Assessment,
    AssessorRole,
    Attendance,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
    TrainerAccreditation,
)

from ..filters import NO_STRUCTURE, TrainerKind

# Sessions that took place: a published session whose slots are past is held in all but name.
HELD_STATUSES = (SessionStatus.PUBLISHED, SessionStatus.HELD, SessionStatus.CLOSED)


def day_bounds(start, end):
    """Aware datetimes [start 00:00, end+1 00:00) in Europe/Paris, for datetime columns."""
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    )


def person_q(filters, prefix=""):
    """Territory, structure kind and function of a person's record today."""
    p = prefix
    q = Q()
    main = f"{p}main_membership__structure__commune__departement"
    own = f"{p}commune__departement"
    no_main = Q(**{f"{p}main_membership__isnull": True})
    if filters.departement:
        q &= Q(**{f"{main}_id": filters.departement}) | (
            no_main & Q(**{f"{own}_id": filters.departement})
        )
    if filters.region:
        q &= Q(**{f"{main}__region_id": filters.region}) | (
            no_main & Q(**{f"{own}__region_id": filters.region})
        )
    if filters.structure_kind == NO_STRUCTURE:
        q &= no_main
    elif filters.structure_kind:
        q &= Q(**{f"{p}main_membership__structure__kind": filters.structure_kind})
    if filters.function:
        q &= Q(**{f"{p}main_membership__function": filters.function})
    return q


def decision_q(filters):
    """Territory, structure kind, function, pathway and bloc as snapshotted on a decision."""
    q = Q()
    if filters.departement:
        q &= Q(holder_departement_code=filters.departement)
    if filters.region:
        q &= Q(holder_region_code=filters.region)
    if filters.structure_kind == NO_STRUCTURE:
        q &= Q(holder_structure_kind="")
    elif filters.structure_kind:
        q &= Q(holder_structure_kind=filters.structure_kind)
    if filters.function:
        q &= Q(holder_function=filters.function)
    if filters.pathway is not None:
        q &= Q(enrollment__pathway=filters.pathway)
    return q


def _session_targets_bloc(lineage, prefix=""):
    return Q(**{f"{prefix}competences__bloc__lineage": lineage})


def session_q(filters, prefix=""):
    """Place, kind of place, bloc or pathway targeted, kind of trainer of a session."""
    p = prefix
    q = Q()
    if filters.departement:
        q &= Q(**{f"{p}structure__commune__departement_id": filters.departement})
    if filters.region:
        q &= Q(**{f"{p}structure__commune__departement__region_id": filters.region})
    if filters.structure_kind == NO_STRUCTURE:
        q &= Q(**{f"{p}structure__isnull": True})
    elif filters.structure_kind:
        q &= Q(**{f"{p}structure__kind": filters.structure_kind})
    return q


def _session_exists_filters(filters, outer="pk"):
    """Filters that need EXISTS (many-to-many: competences, trainers) rather than joins, which
    would multiply rows."""
    conditions = []
    if filters.bloc_lineage:
        conditions.append(
            Exists(
                Session.competences.through.objects.filter(
                    session_id=OuterRef(outer), competence__bloc__lineage=filters.bloc_lineage
                )
            )
        )
    if filters.pathway is not None:
        lineages = filters.pathway.blocs.values("lineage")
        conditions.append(
            Exists(
                Session.competences.through.objects.filter(
                    session_id=OuterRef(outer), competence__bloc__lineage__in=lineages
                )
            )
        )
    if filters.trainer_kind:
        # A peer trainer ran the session on the strength of a certification of theirs; the hub
        # accredited the others.
        source = (
            AccreditationSource.CERTIFICATION
            if filters.trainer_kind == TrainerKind.PEER
            else AccreditationSource.HUB
        )
        conditions.append(
            Exists(
                TrainerAccreditation.objects.filter(
                    source=source,
                    user__trained_sessions=OuterRef(outer),
                    bloc__lineage__in=Session.competences.through.objects.filter(
                        session_id=OuterRef(OuterRef(outer))
                    ).values("competence__bloc__lineage"),
                )
            )
        )
    return conditions


def sessions(scope, filters, *, statuses=HELD_STATUSES):
    """Sessions that start within the period (all statuses given), in scope and filtered."""
    low, high = day_bounds(filters.start, filters.end)
    qs = Session.objects.filter(
        scope.sessions(),
        session_q(filters),
        *_session_exists_filters(filters),
        starts_at__gte=low,
        starts_at__lt=high,
    )
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    return qs


def attendance_marks(scope, filters):
    """Current attendance marks of active registrations on slots within the period, on sessions
    that took place; the participant in scope and filtered by their territory of record."""
    low, high = day_bounds(filters.start, filters.end)
    return Attendance.objects.filter(
        scope.people("registration__user__"),
        person_q(filters, "registration__user__"),
        *_session_exists_filters(filters, outer="slot__session_id"),
        is_current=True,
        registration__status=RegistrationStatus.REGISTERED,
        slot__session__status__in=HELD_STATUSES,
        slot__starts_at__gte=low,
        slot__starts_at__lt=high,
    )


def registrations(scope, filters):
    """Active registrations on sessions that took place within the period; the participant in
    scope and filtered by their territory of record."""
    low, high = day_bounds(filters.start, filters.end)
    return Registration.objects.filter(
        scope.people("user__"),
        person_q(filters, "user__"),
        *_session_exists_filters(filters, outer="session_id"),
        status=RegistrationStatus.REGISTERED,
        session__status__in=HELD_STATUSES,
        session__starts_at__gte=low,
        session__starts_at__lt=high,
    )


def attended_marks(scope, filters):
    return attendance_marks(scope, filters).filter(status__in=ATTENDED_STATUSES)


def assessments(scope, filters):
    """Assessments dated within the period, self-assessments excluded (they never count)."""
    qs = Assessment.objects.filter(
        scope.people("participant__"),
        person_q(filters, "participant__"),
        assessed_on__gte=filters.start,
        assessed_on__lte=filters.end,
    ).exclude(assessor_role=AssessorRole.SELF)
    if filters.bloc_lineage:
        qs = qs.filter(competence__bloc__lineage=filters.bloc_lineage)
    if filters.pathway is not None:
        qs = qs.filter(competence__bloc__lineage__in=filters.pathway.blocs.values("lineage"))
    if filters.trainer_kind:
        qs = qs.filter(assessor_role=assessor_role_of(filters.trainer_kind))
    return qs


def assessor_role_of(trainer_kind):
    """The kind of assessor behind the « formateur » filter."""
    return AssessorRole.PEER if trainer_kind == TrainerKind.PEER else AssessorRole.ACCREDITED


def _decisions(model, scope, filters, *, decided=True):
    qs = model.objects.filter(scope.decisions(), decision_q(filters), withdrawn_at__isnull=True)
    if decided:
        qs = qs.filter(decided_on__gte=filters.start, decided_on__lte=filters.end)
    return qs


def bloc_validations(scope, filters, *, decided=True):
    """Bloc validations decided within the period and not withdrawn since."""
    qs = _decisions(BlocValidation, scope, filters, decided=decided)
    if filters.bloc_lineage:
        qs = qs.filter(bloc_lineage=filters.bloc_lineage)
    return qs


def certifications(scope, filters, *, decided=True):
    """Pathway certifications decided within the period and not withdrawn since."""
    qs = _decisions(PathwayCertification, scope, filters, decided=decided)
    if filters.bloc_lineage:
        qs = qs.filter(rule_set__pathway__blocs__lineage=filters.bloc_lineage).distinct()
    return qs


def expiring_certifications(scope, filters, *, today=None, days=90):
    """Current certifications whose validity ends within `days` from today (the period's other
    filters apply, not its dates: what expires soon is a today question)."""
    today = today or timezone.localdate()
    return certifications(scope, filters, decided=False).filter(
        is_current=True,
        valid_until__gte=today,
        valid_until__lte=today + datetime.timedelta(days=days),
    )


def attestations(scope, filters):
    """Attestations issued within the period; the holder in scope and filtered by their
    territory of record."""
    low, high = day_bounds(filters.start, filters.end)
    qs = _attestations_base(scope, filters).filter(issued_at__gte=low, issued_at__lt=high)
    return qs


def revoked_attestations(scope, filters):
    low, high = day_bounds(filters.start, filters.end)
    return _attestations_base(scope, filters).filter(
        status=AttestationStatus.REVOKED, status_changed_at__gte=low, status_changed_at__lt=high
    )


def _attestations_base(scope, filters):
    qs = Attestation.objects.filter(scope.people("holder__"), person_q(filters, "holder__"))
    if filters.pathway is not None:
        qs = qs.filter(
            Q(certification__enrollment__pathway=filters.pathway)
            | Q(bloc_validation__enrollment__pathway=filters.pathway)
        )
    if filters.bloc_lineage:
        qs = qs.filter(bloc_validation__bloc_lineage=filters.bloc_lineage)
    return qs


def enrollments(scope, filters):
    """Enrolments that existed during the period (enrolled before its end), in scope."""
    _low, high = day_bounds(filters.start, filters.end)
    qs = Enrollment.objects.filter(
        scope.people("user__"), person_q(filters, "user__"), enrolled_at__lt=high
    )
    if filters.pathway is not None:
        qs = qs.filter(pathway=filters.pathway)
    if filters.bloc_lineage:
        qs = qs.filter(
            Exists(
                Enrollment.pathway.field.related_model.blocs.through.objects.filter(
                    pathway_id=OuterRef("pathway_id"), bloc__lineage=filters.bloc_lineage
                )
            )
        )
    return qs
