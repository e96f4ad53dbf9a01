"""The grids and history pages cost the same number of queries for 3 participants × 2 slots ×
2 competences as for 30 × 6 × 10."""

import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from trainings.models import (
    Assessment,
    AssessmentReview,
    AssessorRole,
    Attendance,
    AttendanceStatus,
    Registration,
    RegistrationStatus,
)

pytestmark = pytest.mark.django_db

GRID_QUERIES = 12
# The page of competences, their totals per kind, the newest few of each, their files.
HISTORY_QUERIES = 12

STATUSES = list(AttendanceStatus.values)


def build(participants, slots, competences):
    """A session with every cell marked and assessed (with history and self-assessments),
    written with bulk_create."""
    start = timezone.now() - datetime.timedelta(days=3)
    session = factories.make_session(slots=slots, competences=competences, start=start)
    trainer = session.trainers.get()
    password = make_password(DEFAULT_PASSWORD)
    users = User.objects.bulk_create(
        User(
            email=f"p{index}-{session.pk}@exemple.test",
            first_name=f"Prénom{index}",
            last_name=f"Nom{index}",
            password=password,
        )
        for index in range(participants)
    )
    now = timezone.now()
    registrations = Registration.objects.bulk_create(
        Registration(
            session=session,
            user=user,
            status=RegistrationStatus.REGISTERED,
            status_changed_at=now,
        )
        for user in users
    )
    slot_list = list(session.slots.all())
    marks = []
    for index, registration in enumerate(registrations):
        for slot in slot_list:
            # A corrected mark (history) and its current replacement.
            marks.append(
                Attendance(
                    slot=slot,
                    registration=registration,
                    status="absent",
                    method="trainer",
                    recorded_by=trainer,
                    is_current=False,
                )
            )
            marks.append(
                Attendance(
                    slot=slot,
                    registration=registration,
                    status=STATUSES[index % 4],
                    method="code",
                    recorded_by=registration.user,
                )
            )
    Attendance.objects.bulk_create(marks)
    levels = list(session.version.levels.order_by("rank"))
    competence_list = list(session.competences.all())
    assessments = []
    for index, user in enumerate(users):
        for competence in competence_list:
            for role, method, assessor in (
                (AssessorRole.ACCREDITED, "observation", trainer),
                (AssessorRole.PEER, "quiz", trainer),
                (AssessorRole.SELF, "self", user),
            ):
                assessments.append(
                    Assessment(
                        participant=user,
                        competence=competence,
                        level=levels[index % len(levels)],
                        method=method,
                        assessor=assessor,
                        assessor_role=role,
                        session=session,
                        assessed_on=timezone.localdate(),
                    )
                )
    created = Assessment.objects.bulk_create(assessments)
    criteria = {c.pk: list(c.criteria.all()) for c in competence_list}
    through = Assessment.criteria_met.through
    through.objects.bulk_create(
        through(assessment_id=a.pk, criterion_id=criterion.pk)
        for a in created
        for criterion in criteria[a.competence_id]
    )
    reviewer = factories.UserFactory()
    factories.AccreditationFactory(user=reviewer, bloc=competence_list[0].bloc)
    AssessmentReview.objects.bulk_create(
        AssessmentReview(assessment=a, decision="confirmed", reviewer=reviewer)
        for a in created[1::6]
        if a.assessor_role == AssessorRole.PEER
    )
    return session, trainer, users, reviewer


@pytest.mark.parametrize("size", [(3, 2, 2), (30, 6, 10)])
def test_attendance_grid_queries(size, client_for, django_assert_max_num_queries):
    session, trainer, users, _reviewer = build(*size)
    client = client_for(trainer)
    url = reverse("trainings:attendance_grid", args=[session.pk])
    client.get(url)  # warm the session/user caches like a real page view
    with django_assert_max_num_queries(GRID_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="mark-select') == size[0] * size[1]


@pytest.mark.parametrize("size", [(3, 2, 2), (30, 6, 10)])
def test_evaluation_grid_queries(size, client_for, django_assert_max_num_queries):
    session, trainer, users, _reviewer = build(*size)
    client = client_for(trainer)
    url = reverse("trainings:evaluation_grid", args=[session.pk])
    client.get(url)
    with django_assert_max_num_queries(GRID_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="eval-cell"') == size[0] * size[2]


@pytest.mark.parametrize("size", [(3, 2, 2), (30, 6, 10)])
def test_export_queries(size, client_for, django_assert_max_num_queries):
    session, trainer, users, _reviewer = build(*size)
    client = client_for(trainer)
    client.get(reverse("trainings:imports_home", args=[session.pk]))
    with django_assert_max_num_queries(GRID_QUERIES):
        attendance = client.get(reverse("trainings:export_attendance", args=[session.pk, "csv"]))
    with django_assert_max_num_queries(GRID_QUERIES):
        assessments = client.get(reverse("trainings:export_assessments", args=[session.pk, "csv"]))
    assert attendance.content.decode().count("\n") == 1 + size[0] * size[1]
    assert assessments.status_code == 200
    sheet_url = reverse("trainings:attendance_sheet", args=[session.pk])
    client.get(sheet_url)  # a task builds the sheet (run at once in tests), then it is served
    with django_assert_max_num_queries(GRID_QUERIES):
        sheet = client.get(sheet_url)
    assert sheet.content.startswith(b"%PDF")


@pytest.mark.parametrize("size", [(3, 2, 2), (30, 6, 10)])
def test_history_pages_queries(size, client_for, django_assert_max_num_queries):
    session, trainer, users, reviewer = build(*size)
    client = client_for(users[0])
    url = reverse("trainings:my_assessments")
    client.get(url)
    with django_assert_max_num_queries(HISTORY_QUERIES):
        response = client.get(url)
    assert response.content.decode().count('class="card eval-competence"') == size[2]
    client = client_for(trainer)
    url = reverse("trainings:participant_assessments", args=[users[0].pk])
    client.get(url)
    with django_assert_max_num_queries(HISTORY_QUERIES):
        response = client.get(url)
    assert response.content.decode().count('class="card eval-competence"') == size[2]
    client = client_for(reviewer)
    client.get(reverse("trainings:review_list"))
    with django_assert_max_num_queries(HISTORY_QUERIES):
        response = client.get(reverse("trainings:review_list"))
    assert response.status_code == 200


@pytest.mark.parametrize("competences", [2, 10])
def test_history_of_overridden_assessments_queries(
    competences, client_for, django_assert_max_num_queries
):
    """Each replacement names the peer whose assessment it replaces: that name cost a query
    per replacement."""
    session = factories.make_session(
        participants=1,
        competences=competences,
        start=timezone.now() - datetime.timedelta(days=1),
    )
    participant = session.registrations.get().user
    reviewer = factories.UserFactory()
    for competence in session.competences.all():
        peer = factories.UserFactory()
        original = factories.AssessmentFactory(
            session=session,
            participant=participant,
            competence=competence,
            assessor=peer,
            assessor_role=AssessorRole.PEER,
            rank=3,
        )
        replacement = factories.AssessmentFactory(
            session=session, participant=participant, competence=competence, assessor=reviewer
        )
        factories.AssessmentReviewFactory(
            assessment=original,
            decision="overridden",
            reviewer=reviewer,
            replacement=replacement,
        )
    client = client_for(participant)
    url = reverse("trainings:my_assessments")
    client.get(url)
    with django_assert_max_num_queries(HISTORY_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("remplace l'évaluation de") == competences
