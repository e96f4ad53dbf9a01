"""A person's assessment history is shown a page of competences at a time: it grows with the
years, the page does not."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from trainings.selectors.assessments import (
    COMPETENCES_PER_PAGE,
    SELF_ASSESSMENT_RECENT_DAYS,
    SELF_ASSESSMENT_SESSIONS_SHOWN,
)

pytestmark = pytest.mark.django_db


def test_my_assessments_are_paginated_by_competence_in_referential_order(client):
    count = COMPETENCES_PER_PAGE + 2
    session = factories.make_session(participants=1, competences=count)
    person = session.registrations.get().user
    competences = list(session.competences.order_by("order", "code"))
    for competence in competences:
        factories.AssessmentFactory(session=session, participant=person, competence=competence)
    client.force_login(person)
    url = reverse("trainings:my_assessments")
    first = client.get(url)
    assert first.context["history_page"].paginator.count == count
    shown = list(first.context["history"])
    assert shown == competences[:COMPETENCES_PER_PAGE]
    assert "Page 1 sur 2" in first.content.decode()
    second = list(client.get(url, {"page": 2}).context["history"])
    assert second == competences[COMPETENCES_PER_PAGE:]


def test_the_page_costs_the_same_queries_whatever_the_history(
    client, django_assert_max_num_queries
):
    session = factories.make_session(participants=1, competences=COMPETENCES_PER_PAGE + 5)
    person = session.registrations.get().user
    for competence in session.competences.all():
        for _ in range(3):
            factories.AssessmentFactory(session=session, participant=person, competence=competence)
    client.force_login(person)
    with django_assert_max_num_queries(12):
        client.get(reverse("trainings:my_assessments"))


def test_each_competence_shows_its_newest_assessments_and_links_the_rest(client):
    """A long history renders the newest few per competence; the rest is one link away."""
    from trainings.selectors.assessments import LATEST_PER_KIND

    session = factories.make_session(participants=1, status="closed")
    participant = session.registrations.get().user
    competence = session.competences.order_by("code").first()
    trainer = session.trainers.get()
    for n in range(LATEST_PER_KIND + 4):
        factories.AssessmentFactory(
            session=session,
            participant=participant,
            competence=competence,
            assessor=trainer,
            comment=f"Observation numéro {n}",
        )
    client.force_login(participant)
    url = reverse("trainings:my_assessments")
    page = client.get(url).content.decode()
    shown = [n for n in range(LATEST_PER_KIND + 4) if f"Observation numéro {n}\n" in page]
    assert shown == [4, 5, 6]  # the newest three
    assert f"{LATEST_PER_KIND + 4} évaluations en tout." in page
    assert f"?competence={competence.pk}" in page
    whole = client.get(url, {"competence": competence.pk}).content.decode()
    assert all(f"Observation numéro {n}\n" in whole for n in range(LATEST_PER_KIND + 4))
    assert "Toutes les compétences" in whole
    # Someone else's competence id, a forged one: no history leaks, no error.
    for raw in ("999999", "x", "9" * 30):
        response = client.get(url, {"competence": raw})
        assert response.status_code == 200


def test_the_sessions_to_self_assess_on_are_a_few_recent_or_upcoming_ones(client):
    person = factories.UserFactory()
    now = timezone.now()
    long_ago = factories.make_session(
        status="held", start=now - datetime.timedelta(days=SELF_ASSESSMENT_RECENT_DAYS + 5)
    )
    factories.RegistrationFactory(session=long_ago, user=person)
    upcoming = []
    for days in range(1, SELF_ASSESSMENT_SESSIONS_SHOWN + 3):
        session = factories.make_session(start=now + datetime.timedelta(days=days))
        factories.RegistrationFactory(session=session, user=person)
        upcoming.append(session)
    client.force_login(person)
    response = client.get(reverse("trainings:my_assessments"))
    shown = [registration.session for registration in response.context["sessions"]]
    assert shown == upcoming[:SELF_ASSESSMENT_SESSIONS_SHOWN]
    text = response.content.decode()
    assert reverse("trainings:my_registrations") in text and "Mes autres sessions" in text
