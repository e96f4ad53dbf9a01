"""Factories for attendance marks, sign codes, assessments and reviews.

They write rows directly, for states the services would refuse or to build big grids fast; the
services are exercised by their own tests.
"""

import factory
from django.utils import timezone

from competences.models import ProficiencyLevel
from trainings.models import (
    Assessment,
    AssessmentMethod,
    AssessmentReview,
    AssessorRole,
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    ReviewDecision,
    SlotSignCode,
)
from trainings.services.status import competence_status_refresh_for

__all__ = [
    "AssessmentFactory",
    "AssessmentReviewFactory",
    "AttendanceFactory",
    "SelfAssessmentFactory",
    "SlotSignCodeFactory",
    "level_of",
]


def level_of(version, rank):
    return ProficiencyLevel.objects.get(version=version, rank=rank)


class AttendanceFactory(factory.django.DjangoModelFactory):
    """A current mark; pass slot and registration of the same session."""

    class Meta:
        model = Attendance

    slot = None
    registration = None
    status = AttendanceStatus.PRESENT
    method = AttendanceMethod.TRAINER
    recorded_by = factory.LazyAttribute(lambda o: o.slot.session.trainers.first())
    is_current = True


class SlotSignCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlotSignCode

    slot = None
    created_by = factory.LazyAttribute(lambda o: o.slot.session.trainers.first())


class AssessmentFactory(factory.django.DjangoModelFactory):
    """An accredited trainer's assessment in a session; pass participant, competence, session
    (and assessor, or the session's first trainer is used). `rank` picks the level."""

    class Meta:
        model = Assessment
        skip_postgeneration_save = True

    class Params:
        rank = 3

    participant = None
    competence = None
    session = None
    level = factory.LazyAttribute(lambda o: level_of(o.competence.version, o.rank))
    method = AssessmentMethod.OBSERVATION
    assessor = factory.LazyAttribute(lambda o: o.session.trainers.first())
    assessor_role = AssessorRole.ACCREDITED
    assessed_on = factory.LazyFunction(timezone.localdate)
    comment = ""

    @factory.post_generation
    def criteria(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.criteria_met.set(extracted)

    @factory.post_generation
    def status(obj, create, extracted, **kwargs):
        # As the assessment services do in the same transaction.
        if create:
            competence_status_refresh_for(obj)


class SelfAssessmentFactory(AssessmentFactory):
    session = None
    method = AssessmentMethod.SELF
    assessor = factory.SelfAttribute("participant")
    assessor_role = AssessorRole.SELF


class AssessmentReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentReview
        skip_postgeneration_save = True

    assessment = None
    decision = ReviewDecision.CONFIRMED
    reviewer = None
    replacement = None

    @factory.post_generation
    def status(obj, create, extracted, **kwargs):
        if create:
            competence_status_refresh_for(obj.assessment)
