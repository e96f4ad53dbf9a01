"""A trainer reads a participant's assessments from their own sessions only (issue: a trainer who
added anyone to a session read that person's whole history, other trainers' sessions included)."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_trainer_sees_only_what_was_recorded_in_their_sessions(client):
    elsewhere = factories.make_session(participants=1)
    person = elsewhere.registrations.get().user
    other_trainers = factories.AssessmentFactory(
        session=elsewhere,
        participant=person,
        competence=elsewhere.competences.first(),
        comment="Remarque d'un autre formateur",
    )
    mine = factories.make_session()
    trainer = mine.trainers.get()
    factories.RegistrationFactory(session=mine, user=person)
    factories.AssessmentFactory(
        session=mine, participant=person, competence=mine.competences.first(), comment="Ma remarque"
    )
    url = reverse("trainings:participant_assessments", args=[person.pk])

    client.force_login(trainer)
    page = client.get(url).content.decode()
    assert "Ma remarque" in page
    assert other_trainers.comment.replace("'", "&#x27;") not in page
    assert "sessions que vous animez" in page

    for viewer in (person, factories.HubCoordinatorFactory()):
        client.force_login(viewer)
        page = client.get(url).content.decode()
        assert "Ma remarque" in page and "Remarque d&#x27;un autre formateur" in page
