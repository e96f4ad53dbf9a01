"""The trainings admin is read-only (writes go through the services' actions), its lists cost
a constant number of queries, and assessments have no add, change or delete path."""

import pytest
from django.urls import reverse

from tests import factories
from trainings.models import Assessment

pytestmark = pytest.mark.django_db

MODELS = ["trainerAccreditation", "session", "registration", "attendance", "assessment"]


@pytest.fixture
def admin_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def _with_rows(count):
    for _ in range(count):
        session = factories.make_session(participants=2)
        session.structure = factories.StructureFactory()
        session.save()
        registration = session.registrations.first()
        factories.AttendanceFactory(slot=session.slots.first(), registration=registration)
        factories.AssessmentFactory(
            session=session,
            participant=registration.user,
            competence=session.competences.first(),
        )


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("count", [1, 8])
def test_changelists_cost_a_constant_number_of_queries(
    admin_client, django_assert_max_num_queries, model, count
):
    """The session list showed each session's place (structure and commune) with two queries
    per row."""
    _with_rows(count)
    url = reverse(f"admin:trainings_{model.lower()}_changelist")
    admin_client.get(url)
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200


def test_assessments_cannot_be_added_changed_or_deleted(admin_client):
    _with_rows(1)
    assessment = Assessment.objects.get()
    level = assessment.level
    change = reverse("admin:trainings_assessment_change", args=[assessment.pk])
    assert admin_client.get(reverse("admin:trainings_assessment_add")).status_code == 403
    assert admin_client.post(change, {"level": level.pk, "comment": "modifié"}).status_code == 403
    delete = reverse("admin:trainings_assessment_delete", args=[assessment.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    response = admin_client.post(
        reverse("admin:trainings_assessment_changelist"),
        {"action": "delete_selected", "_selected_action": [assessment.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assessment.refresh_from_db()
    assert assessment.comment == "" and Assessment.objects.count() == 1
