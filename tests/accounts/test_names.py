"""Names hold no invisible characters; exports and calendar files survive one stored before."""

import pytest
from django.urls import reverse

from accounts.services import user_update_profile
from tests import factories
from trainings import ics
from trainings.resources.exports import safe_cell

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["Jean\nDupont", "Ana\u202eïs", "Zoé\x07", "  ", "1234", "Léa\u2066x\u2069"]
)
def test_signup_refuses_names_with_invisible_characters(client, name):
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": name,
            "last_name": "Martin",
            "email": "nouvelle@exemple.test",
            "password1": "une-phrase-assez-longue-42",
            "password2": "une-phrase-assez-longue-42",
        },
    )
    assert response.status_code == 200
    assert "first_name" in response.context["form"].errors


def test_profile_update_refuses_them_too():
    from django.core.exceptions import ValidationError

    user = factories.UserFactory()
    with pytest.raises(ValidationError):
        user_update_profile(actor=user, user=user, first_name="Ana\u202e", last_name="Martin")


@pytest.mark.parametrize("name", ["José-María", "N'Diaye", "Lê Văn", "Ødegård", "Αλέξης"])
def test_real_names_pass(client, name):
    user = factories.UserFactory()
    user_update_profile(actor=user, user=user, first_name=name, last_name="Martin")


def test_an_export_survives_a_name_stored_before_the_rule(client):
    session = factories.make_session(participants=1)
    user = session.registrations.get().user
    type(user).objects.filter(pk=user.pk).update(last_name="Dupont\x07\u202e\nbis")
    client.force_login(session.trainers.get())
    for fmt in ("xlsx", "csv"):
        response = client.get(reverse("trainings:export_attendance", args=[session.pk, fmt]))
        assert response.status_code == 200


def test_cells_and_calendar_values_lose_invisible_characters():
    assert safe_cell("Dupont\x07\u202e") == "Dupont"
    assert safe_cell("=SUM(A1)") == "'=SUM(A1)"
    assert "\x07" not in ics.escape_text("Atelier\x07") and "\u202e" not in ics.escape_param(
        "A\u202eB"
    )
