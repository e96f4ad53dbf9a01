"""The accreditation form's person picker, and the e-mail to the accredited trainer."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from trainings.models import TrainerAccreditation

SEARCH = "trainings:accreditation_person_search"
GRANT = "trainings:accreditation_grant"


@pytest.fixture
def bloc(db):
    return factories.make_reference(blocs=2).blocs.order_by("code").first()


@pytest.fixture
def marie(db):
    return factories.UserFactory(
        first_name="Marie", last_name="Dupont", email="mdupont@example.org"
    )


def _data(person, bloc, **overrides):
    today = timezone.localdate()
    data = {
        "email": person,
        "blocs": [bloc.pk],
        "valid_from": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=365)).isoformat(),
    }
    data.update(overrides)
    return data


def test_search_finds_people_by_name_words_for_the_hub_only(client_for, hub_user, user, marie):
    factories.UserFactory(first_name="Marc", last_name="Durand")
    factories.UserFactory(first_name="Mariette", last_name="Dupont", is_active=False)
    client = client_for(hub_user)
    page = client.get(reverse(SEARCH), {"email": "dup mar"}).content.decode()
    assert 'data-person-email="mdupont@example.org"' in page
    assert "Durand" not in page and "Mariette" not in page  # other name; inactive account
    page = client.get(reverse(SEARCH), {"email": "zzz"}).content.decode()
    assert "Aucun compte ne correspond" in page
    # A whole address needs no list; an empty field shows nothing.
    assert (
        "data-person-email"
        not in client.get(reverse(SEARCH), {"email": marie.email}).content.decode()
    )
    assert client.get(reverse(SEARCH), {"email": ""}).content.decode().strip() == ""
    assert client_for(user).get(reverse(SEARCH), {"email": "dup"}).status_code == 403


def test_form_has_the_picker(client_for, hub_user):
    page = client_for(hub_user).get(reverse(GRANT)).content.decode()
    assert f'hx-get="{reverse(SEARCH)}"' in page
    assert "data-person-chosen" in page


def test_a_name_matching_one_account_is_enough_without_javascript(
    client_for, hub_user, marie, bloc, django_capture_on_commit_callbacks, mailoutbox
):
    client = client_for(hub_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(GRANT), _data("Marie Dupont", bloc))
    assert response.status_code == 302
    accreditation = TrainerAccreditation.objects.get(user=marie)
    assert accreditation.bloc == bloc

    (message,) = mailoutbox
    assert message.to == [marie.email]
    assert bloc.code in message.subject
    body = message.body
    assert f"{bloc.code} — {bloc.title}" in body
    assert accreditation.valid_from.strftime("%Y") in body
    assert "http://testserver" + reverse("trainings:session_create") in body


def test_ambiguous_or_unknown_names_are_refused_naming_the_field(client_for, hub_user, marie, bloc):
    factories.UserFactory(first_name="Marie", last_name="Duval")
    client = client_for(hub_user)
    response = client.post(reverse(GRANT), _data("Marie", bloc))
    assert response.status_code == 400
    assert "Plusieurs comptes correspondent à « Marie »" in response.content.decode()
    response = client.post(reverse(GRANT), _data("Personne Inconnue", bloc))
    assert response.status_code == 400
    assert "Aucun compte ne correspond à « Personne Inconnue »" in response.content.decode()
    response = client.post(reverse(GRANT), _data("pas@une@adresse", bloc))
    assert response.status_code == 400
    assert not TrainerAccreditation.objects.exists()


def test_no_mail_when_the_grant_is_refused(
    client_for, hub_user, marie, bloc, django_capture_on_commit_callbacks, mailoutbox
):
    factories.AccreditationFactory(user=marie, bloc=bloc)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hub_user).post(reverse(GRANT), _data(marie.email, bloc))
    assert response.status_code == 400
    assert mailoutbox == []
