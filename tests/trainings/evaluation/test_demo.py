import pytest
from django.utils import timezone

from accounts import demo as accounts_demo
from tests import factories
from trainings import demo, demo_evaluation
from trainings.models import (
    Assessment,
    AssessorRole,
    Attendance,
    AttendanceMethod,
    RegistrationStatus,
)
from trainings.selectors.attendance import attended_hours


@pytest.fixture
def network(db):
    network = accounts_demo.build()
    network["referential_version"] = factories.make_reference(blocs=4, competences=3)
    demo.build(network)
    return network


def _counts():
    return (
        Attendance.objects.count(),
        Assessment.objects.count(),
        Assessment.criteria_met.through.objects.count(),
    )


def test_demo_has_attendance_and_assessments(network):
    demo_evaluation.build(network)
    now = timezone.now()
    sessions = network["sessions"]
    open_past = [s for s in sessions["past"] if not s.is_frozen]
    assert open_past
    for session in open_past + sessions["running"]:
        registered = session.registrations.filter(status=RegistrationStatus.REGISTERED).count()
        started = session.slots.filter(starts_at__lte=now).count()
        assert started
        marks = Attendance.objects.filter(slot__session=session, is_current=True)
        # Every started slot is marked for every participant, nothing on future slots.
        assert marks.count() == registered * started
        assert not marks.filter(slot__starts_at__gt=now).exists()
    for session in open_past:
        registered = session.registrations.filter(status=RegistrationStatus.REGISTERED)
        pairs = set(
            Assessment.objects.filter(session=session)
            .exclude(assessor_role=AssessorRole.SELF)
            .values_list("participant_id", "competence_id")
        )
        assert len(pairs) == registered.count() * session.competences.count()
    trainer_assessments = Assessment.objects.exclude(assessor_role=AssessorRole.SELF)
    assert set(trainer_assessments.values_list("level__rank", flat=True)) >= {2, 3}
    # Some history: superseded assessments, a corrected mark, self-signed marks.
    assert trainer_assessments.count() > len(
        set(trainer_assessments.values_list("session", "participant", "competence"))
    )
    assert Attendance.objects.filter(method=AttendanceMethod.CODE).exists()
    assert Attendance.objects.filter(is_current=False).exists()
    assert Assessment.objects.filter(assessor_role=AssessorRole.SELF).exists()
    some = Attendance.objects.filter(status="present").first().registration.user
    assert attended_hours(some) > 0


def test_demo_is_idempotent(network):
    demo_evaluation.build(network)
    counts = _counts()
    demo_evaluation.build(network)
    assert _counts() == counts


def test_demo_fills_closed_sessions_before_closing_and_never_after(network):
    # trainings.demo fills the closed session just before closing it; build() leaves it alone.
    closed = [s for s in network["sessions"]["past"] if s.is_frozen]
    assert closed
    before = Attendance.objects.filter(slot__session__in=closed).count()
    assert before > 0
    demo_evaluation.build(network)
    assert Attendance.objects.filter(slot__session__in=closed).count() == before
