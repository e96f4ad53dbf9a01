"""Hostile or malformed input on the trainings forms: refused on the field with a French
message (status 400), never a server error, and nothing written."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from trainings.models import Assessment, Session, TrainerAccreditation

from .conftest import at
from .test_session_views import _form_data

pytestmark = pytest.mark.django_db

# Past 64 bits: no id column holds it (SQLite used to raise OverflowError on it).
HUGE_ID = "9" * 20


@pytest.mark.parametrize("field", ["competences", "co_trainers"])
def test_session_form_refuses_ids_past_64_bits(client_for, trainer, reference, bloc1, field):
    data = _form_data(reference, bloc1, [(at(7, 9), at(7, 12))], **{field: [HUGE_ID]})
    response = client_for(trainer).post(reverse("trainings:session_create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Session.objects.exists()


def test_assessment_and_self_assessment_refuse_ids_past_64_bits(client_for):
    session = factories.make_session(
        participants=1, start=timezone.now() - datetime.timedelta(hours=1)
    )
    registration = session.registrations.get()
    competence = session.competences.order_by("order").first()
    level = session.version.levels.get(rank=3)
    prefix = f"a{registration.pk}-{competence.pk}"
    url = reverse("trainings:assessment_cell", args=[session.pk, registration.pk, competence.pk])
    response = client_for(session.trainers.get()).post(
        url,
        {
            f"{prefix}-level": level.pk,
            f"{prefix}-criteria": [HUGE_ID],
            f"{prefix}-method": "observation",
            f"{prefix}-assessed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["criteria"]
    response = client_for(registration.user).post(
        reverse("trainings:self_assessment"),
        {"competence": competence.pk, "level": level.pk, "criteria": [HUGE_ID]},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["criteria"]
    assert not Assessment.objects.exists()


def test_accreditation_grant_refuses_ids_past_64_bits(client_for, hub_user, reference):
    before = TrainerAccreditation.objects.count()
    response = client_for(hub_user).post(
        reverse("trainings:accreditation_grant"),
        {
            "email": hub_user.email,
            "blocs": [HUGE_ID],
            "valid_from": "2030-01-01",
            "valid_until": "2031-01-01",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["blocs"]
    assert TrainerAccreditation.objects.count() == before


def test_session_title_with_a_line_break_is_refused_on_the_field(
    client_for, trainer, reference, bloc1
):
    data = _form_data(reference, bloc1, [(at(7, 9), at(7, 12))], title="Atelier\r\nsuite")
    response = client_for(trainer).post(reverse("trainings:session_create"), data)
    assert response.status_code == 400
    assert "tient sur une ligne" in response.context["form"].errors["title"][0]
    assert not Session.objects.exists()


def test_session_form_refuses_more_slots_than_offered(client_for, trainer, reference, bloc1):
    """max_num only limited the blank rows shown: a POST with 61 rows created 61 slots."""
    start = at(7, 8)
    slots = [
        (start + datetime.timedelta(hours=2 * n), start + datetime.timedelta(hours=2 * n + 1))
        for n in range(61)
    ]
    data = _form_data(reference, bloc1, slots)
    response = client_for(trainer).post(reverse("trainings:session_create"), data)
    assert response.status_code == 400
    assert response.context["formset"].non_form_errors()
    assert not Session.objects.exists()
