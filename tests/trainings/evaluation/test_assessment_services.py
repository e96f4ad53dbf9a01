import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories
from tests.factories import level_of
from trainings.models import (
    Assessment,
    AssessmentReview,
    AssessorRole,
    RegistrationStatus,
    ReviewDecision,
    SessionStatus,
)
from trainings.selectors.assessments import (
    assessment_history,
    counting_assessment,
    counting_assessments,
)
from trainings.services import assessments as services
from trainings.services.status import competence_status_rebuild

pytestmark = pytest.mark.django_db


class _Peers:
    def add(self, user_pk):
        factories.make_peer_trainer(User.objects.get(pk=user_pk))


@pytest.fixture
def peer_sources(db):
    """Users added here hold a validation of every bloc: peer trainers."""
    return _Peers()


@pytest.fixture
def competence(session_now):
    return session_now.competences.order_by("order").first()


def _waive_confirmation(version, waived=True):
    """Peer confirmation is a rule of the version, frozen once published: tests flip it on the
    row, then rebuild the status table as an operator would after such a change."""
    type(version).objects.filter(pk=version.pk).update(
        peer_assessment_needs_confirmation=not waived
    )
    competence_status_rebuild()


def record(session, actor, participant, competence, rank=3, **kwargs):
    kwargs.setdefault("method", "observation")
    kwargs.setdefault("assessed_on", timezone.localdate())
    return services.assessment_record(
        actor=actor,
        session=session,
        participant=participant,
        competence=competence,
        level=level_of(session.version, rank),
        **kwargs,
    )


def test_trainer_records_an_assessment(session_now, trainer, participant, competence):
    criteria = list(competence.criteria.all()[:1])
    assessment = record(
        session_now,
        trainer,
        participant,
        competence,
        criteria=criteria,
        comment="A su guider une démarche CAF.",
        evidence="Grille d'observation",
    )
    assert assessment.assessor_role == AssessorRole.ACCREDITED
    assert assessment.session == session_now and assessment.assessor == trainer
    assert list(assessment.criteria_met.all()) == criteria
    assert AuditLog.objects.filter(action="assessment.record").count() == 1


def test_a_new_assessment_supersedes_and_history_stays(
    session_now, trainer, participant, competence
):
    first = record(session_now, trainer, participant, competence, rank=2)
    second = record(session_now, trainer, participant, competence, rank=3)
    first.refresh_from_db()
    assert first.level.rank == 2  # never updated
    assert list(assessment_history(participant, [competence])) == [second, first]
    found = counting_assessment(participant, competence)
    assert found == second


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("not_targeted", "competence_not_targeted"),
        ("not_trainer", "not_session_trainer"),
        ("trainer_not_allowed_for_bloc", "not_allowed_for_bloc"),
        ("level_other_scale", "level_out_of_scale"),
        ("criterion_of_other_competence", "criterion_not_of_competence"),
        ("self_method", "invalid_method"),
        ("future", "assessed_in_future"),
        ("before_session", "assessed_before_session"),
        ("not_registered", "participant_not_registered"),
        ("waiting", "participant_not_registered"),
        ("frozen", "session_frozen"),
    ],
)
def test_bad_assessments_are_refused(case, code, session_now, trainer, participant, competence):
    kwargs = {
        "actor": trainer,
        "session": session_now,
        "participant": participant,
        "competence": competence,
        "level": level_of(session_now.version, 3),
        "criteria": [],
        "method": "observation",
        "assessed_on": timezone.localdate(),
    }
    if case == "not_targeted":
        kwargs["competence"] = session_now.version.competences.get(code="B2.C1")
    elif case == "not_trainer":
        kwargs["actor"] = factories.UserFactory()
    elif case == "trainer_not_allowed_for_bloc":
        # A co-trainer of the session whose accreditation has expired.
        co_trainer = factories.UserFactory()
        factories.AccreditationFactory(
            user=co_trainer,
            bloc=competence.bloc,
            valid_from=datetime.date(2020, 1, 1),
            valid_until=datetime.date(2021, 1, 1),
        )
        session_now.trainers.add(co_trainer)
        kwargs["actor"] = co_trainer
    elif case == "level_other_scale":
        kwargs["level"] = level_of(factories.make_reference(blocs=1), 3)
    elif case == "criterion_of_other_competence":
        kwargs["criteria"] = [session_now.version.criteria.exclude(competence=competence).first()]
    elif case == "self_method":
        kwargs["method"] = "self"
    elif case == "future":
        kwargs["assessed_on"] = timezone.localdate() + datetime.timedelta(days=2)
    elif case == "before_session":
        kwargs["assessed_on"] = timezone.localdate() - datetime.timedelta(days=30)
    elif case == "not_registered":
        kwargs["participant"] = factories.UserFactory()
    elif case == "waiting":
        kwargs["participant"] = factories.RegistrationFactory(
            session=session_now, status=RegistrationStatus.WAITING
        ).user
    elif case == "frozen":
        session_now.status = SessionStatus.CLOSED
    with pytest.raises(DomainError) as error:
        services.assessment_record(**kwargs)
    assert error.value.code == code
    assert error.value.message
    assert Assessment.objects.count() == 0


def test_self_assessment_never_counts(session_now, trainer, participant, competence):
    mine = services.self_assessment_record(
        actor=participant,
        competence=competence,
        level=level_of(session_now.version, 4),
        comment="Je me sens à l'aise.",
    )
    assert mine.assessor_role == AssessorRole.SELF and mine.method == "self"
    assert mine.assessor == participant == mine.participant
    assert counting_assessment(participant, competence) is None
    trainers = record(session_now, trainer, participant, competence, rank=2)
    services.self_assessment_record(
        actor=participant, competence=competence, level=level_of(session_now.version, 4)
    )
    assert counting_assessment(participant, competence) == trainers


def test_self_assessment_linked_to_a_session(session_now, participant, competence):
    mine = services.self_assessment_record(
        actor=participant,
        competence=competence,
        level=level_of(session_now.version, 1),
        criteria=list(competence.criteria.all()),
        session=session_now,
    )
    assert mine.session == session_now
    assert mine.criteria_met.count() == competence.criteria.count()


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("draft_version", "version_not_published"),
        ("level_other_scale", "level_out_of_scale"),
        ("criterion_of_other_competence", "criterion_not_of_competence"),
        ("session_not_mine", "not_registered"),
        ("session_not_targeting", "competence_not_targeted"),
        ("session_frozen", "session_frozen"),
    ],
)
def test_bad_self_assessments_are_refused(case, code, session_now, participant, competence):
    kwargs = {
        "actor": participant,
        "competence": competence,
        "level": level_of(session_now.version, 2),
        "criteria": [],
        "session": None,
    }
    if case == "draft_version":
        draft = factories.make_reference(blocs=1, status="draft")
        kwargs["competence"] = draft.competences.first()
        kwargs["level"] = level_of(draft, 2)
    elif case == "level_other_scale":
        kwargs["level"] = level_of(factories.make_reference(blocs=1), 2)
    elif case == "criterion_of_other_competence":
        kwargs["criteria"] = [session_now.version.criteria.exclude(competence=competence).first()]
    elif case == "session_not_mine":
        kwargs["session"] = session_now
        kwargs["actor"] = factories.UserFactory()
    elif case == "session_not_targeting":
        kwargs["session"] = session_now
        kwargs["competence"] = session_now.version.competences.get(code="B2.C1")
    elif case == "session_frozen":
        session_now.status = SessionStatus.CLOSED
        kwargs["session"] = session_now
    with pytest.raises(DomainError) as error:
        services.self_assessment_record(**kwargs)
    assert error.value.code == code
    assert Assessment.objects.count() == 0


# Peer trainers and reviews.


@pytest.fixture
def peer_session(peer_sources):
    session = factories.make_session(
        participants=2, start=timezone.now() - datetime.timedelta(hours=1)
    )
    peer = factories.UserFactory()
    peer_sources.add(peer.pk)
    session.trainers.set([peer])
    return session


@pytest.fixture
def peer_assessment(peer_session):
    peer = peer_session.trainers.get()
    participant = peer_session.registrations.order_by("pk").first().user
    competence = peer_session.competences.order_by("order").first()
    return record(peer_session, peer, participant, competence, rank=3)


@pytest.fixture
def accredited_reviewer(peer_session):
    reviewer = factories.UserFactory()
    factories.AccreditationFactory(
        user=reviewer, bloc=peer_session.competences.order_by("order").first().bloc
    )
    return reviewer


def test_peer_assessment_counts_only_once_confirmed(peer_assessment, accredited_reviewer):
    participant, competence = peer_assessment.participant, peer_assessment.competence
    assert peer_assessment.assessor_role == AssessorRole.PEER
    assert counting_assessment(participant, competence) is None
    # On a version that does not require confirmation, it counts at once.
    _waive_confirmation(competence.version)
    assert counting_assessment(participant, competence) == peer_assessment
    _waive_confirmation(competence.version, waived=False)
    assert counting_assessment(participant, competence) is None
    review = services.assessment_review(
        actor=accredited_reviewer,
        assessment=peer_assessment,
        decision=ReviewDecision.CONFIRMED,
        comment="Vu en situation.",
    )
    assert review.replacement is None
    assert counting_assessment(participant, competence) == peer_assessment


def test_override_keeps_both_and_the_replacement_counts(peer_assessment, accredited_reviewer):
    participant, competence = peer_assessment.participant, peer_assessment.competence
    review = services.assessment_review(
        actor=accredited_reviewer,
        assessment=peer_assessment,
        decision=ReviewDecision.OVERRIDDEN,
        replacement_level=level_of(competence.version, 2),
        comment="Pas encore autonome.",
    )
    replacement = review.replacement
    assert replacement.assessor == accredited_reviewer
    assert replacement.assessor_role == AssessorRole.ACCREDITED
    assert replacement.session == peer_assessment.session
    assert Assessment.objects.filter(pk=peer_assessment.pk).exists()
    for waived in (False, True):
        _waive_confirmation(competence.version, waived=waived)
        assert counting_assessment(participant, competence) == replacement
    assert set(assessment_history(participant, [competence])) == {peer_assessment, replacement}


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("peer_reviewer", "reviewer_not_accredited"),
        ("assessor_reviews_self", "reviewer_is_assessor"),
        ("participant_reviews_self", "reviewer_is_participant"),
        ("already", "already_reviewed"),
        ("override_without_level", "replacement_level_required"),
        ("override_level_other_scale", "level_out_of_scale"),
        ("not_peer", "not_peer_assessment"),
    ],
)
def test_bad_reviews_are_refused(
    case, code, peer_session, peer_assessment, accredited_reviewer, peer_sources
):
    actor, assessment = accredited_reviewer, peer_assessment
    decision, level = ReviewDecision.CONFIRMED, None
    expected_reviews = 0
    if case == "peer_reviewer":
        actor = factories.UserFactory()
        peer_sources.add(actor.pk)
    elif case == "assessor_reviews_self":
        actor = peer_session.trainers.get()
        factories.AccreditationFactory(user=actor, bloc=assessment.competence.bloc)
    elif case == "participant_reviews_self":
        # An accredited trainer assessed by a peer does not confirm their own level.
        actor = assessment.participant
        factories.AccreditationFactory(user=actor, bloc=assessment.competence.bloc)
    elif case == "already":
        services.assessment_review(actor=actor, assessment=assessment, decision=decision)
        expected_reviews = 1
    elif case == "override_without_level":
        decision = ReviewDecision.OVERRIDDEN
    elif case == "override_level_other_scale":
        decision = ReviewDecision.OVERRIDDEN
        level = level_of(factories.make_reference(blocs=1), 2)
    elif case == "not_peer":
        session = factories.make_session(participants=1)
        assessment = factories.AssessmentFactory(
            session=session,
            participant=session.registrations.get().user,
            competence=session.competences.first(),
        )
    count_before = Assessment.objects.count()
    with pytest.raises(DomainError) as error:
        services.assessment_review(
            actor=actor, assessment=assessment, decision=decision, replacement_level=level
        )
    assert error.value.code == code
    assert AssessmentReview.objects.count() == expected_reviews
    assert Assessment.objects.count() == count_before


def test_review_stays_possible_after_closing(peer_session, peer_assessment, accredited_reviewer):
    type(peer_session).objects.filter(pk=peer_session.pk).update(status=SessionStatus.CLOSED)
    review = services.assessment_review(
        actor=accredited_reviewer, assessment=peer_assessment, decision=ReviewDecision.CONFIRMED
    )
    assert review.pk


def test_counting_in_bulk(session_now, trainer, registrations, competence):
    other_competence = session_now.competences.order_by("order")[1]
    a = record(session_now, trainer, registrations[0].user, competence, rank=2)
    b = record(session_now, trainer, registrations[0].user, competence, rank=4)
    c = record(session_now, trainer, registrations[1].user, other_competence, rank=1)
    assert counting_assessments(registrations[0].user, [competence, other_competence]) == {
        competence.pk: b
    }
    assert counting_assessments(registrations[1].user, [competence, other_competence]) == {
        other_competence.pk: c
    }
    assert a.pk != b.pk


def test_a_trainer_who_is_also_a_participant_cannot_assess_themselves(
    session_now, participant, competence
):
    """Recorded as an accredited trainer's assessment, one's own level would count."""
    factories.AccreditationFactory(user=participant, bloc=competence.bloc)
    session_now.trainers.add(participant)  # rows written directly: the service refuses it now
    with pytest.raises(DomainError) as error:
        record(session_now, participant, participant, competence, rank=4)
    assert error.value.code == "assessor_is_participant"
    assert not Assessment.objects.exists()


def test_accreditation_is_checked_on_the_day_assessed(db):
    """The session's rules check the trainer on the session's dates: an accreditation ending
    with the session's last day still covers the assessments recorded the day after, dated in
    the session; not those dated after it ended."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(9)))
    session = factories.make_session(participants=1, slots=2, start=start)
    trainer = session.trainers.get()
    trainer.accreditations.update(valid_until=yesterday)
    participant = session.registrations.get().user
    competence = session.competences.order_by("order").first()
    assessment = record(session, trainer, participant, competence, assessed_on=yesterday)
    assert assessment.assessor_role == AssessorRole.ACCREDITED
    with pytest.raises(DomainError) as error:
        record(session, trainer, participant, competence, assessed_on=timezone.localdate())
    assert error.value.code == "not_allowed_for_bloc"
    assert error.value.field == "assessed_on"
    assert Assessment.objects.count() == 1


def test_database_refuses_a_trainer_assessment_of_oneself(session_now, participant, competence):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            participant=participant,
            competence=competence,
            level=level_of(session_now.version, 4),
            method="observation",
            assessor=participant,
            assessor_role=AssessorRole.ACCREDITED,
            session=session_now,
            assessed_on=timezone.localdate(),
        )
    assert not Assessment.objects.exists()
