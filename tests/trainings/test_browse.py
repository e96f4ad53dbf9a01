"""The browse page: filters, "Pour vous", permissions on drafts, and its query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Commune
from tests import factories
from trainings.models import Assessment, AssessmentReview
from trainings.selectors import sessions as selectors
from trainings.services.status import competence_status_refresh_for

from .conftest import at

URL = reverse("trainings:session_list")


def _titles(response):
    return [s.title for s in response.context["page"]]


def test_lists_only_published_sessions_not_over(client_for, user):
    upcoming = factories.make_session()
    running = factories.make_session(start=timezone.now() - datetime.timedelta(hours=1))
    draft = factories.make_session(status="draft")
    cancelled = factories.make_session(status="cancelled")
    past = factories.make_session(start=at(-5))
    response = client_for(user).get(URL)
    assert response.status_code == 200
    titles = _titles(response)
    assert upcoming.title in titles and running.title in titles
    for hidden in (draft, cancelled, past):
        assert hidden.title not in titles


def test_filters(client_for, user):
    lens = Commune.objects.get(insee_code="62498")
    in_62 = factories.make_session(start=at(10))
    in_62.structure = factories.StructureFactory(commune=lens, postal_code="62300")
    in_62.save()
    remote = factories.make_session(start=at(20))
    remote.format = "remote"
    remote.video_url = "https://visio.example.org/x"
    remote.save()
    full = factories.make_session(start=at(30), participants=12)
    client = client_for(user)

    # Remote sessions stay when a département is chosen.
    assert _titles(client.get(URL, {"departement": "62"})) == [in_62.title, remote.title]
    assert _titles(client.get(URL, {"format": "remote"})) == [remote.title]
    assert full.title not in _titles(client.get(URL, {"places": "on"}))
    assert full.title in _titles(client.get(URL))
    window = {
        "date_from": (timezone.localdate() + datetime.timedelta(days=15)).isoformat(),
        "date_to": (timezone.localdate() + datetime.timedelta(days=25)).isoformat(),
    }
    assert _titles(client.get(URL, window)) == [remote.title]
    competence = in_62.competences.order_by("code").first()
    assert _titles(client.get(URL, {"competence": competence.pk})) == [in_62.title]
    # Every make_session targets B1: the bloc filter keeps them all, B2 none.
    assert len(_titles(client.get(URL, {"bloc": "B1"}))) == 3
    assert _titles(client.get(URL, {"bloc": "B2"})) == []


def test_invalid_filters_are_ignored(client_for, user):
    factories.make_session()
    response = client_for(user).get(URL, {"date_from": "pas une date", "competence": "999999"})
    assert response.status_code == 200
    assert len(_titles(response)) == 1


def test_shows_registration_state_and_places_left(client_for, user):
    session = factories.make_session(participants=2)
    factories.RegistrationFactory(session=session, user=user)
    content = client_for(user).get(URL).content.decode()
    assert "9 places restantes" in content
    assert "Vous êtes inscrit·e" in content


@pytest.mark.parametrize("count", [2, 12])
def test_constant_number_of_queries(client_for, user, django_assert_max_num_queries, count):
    for _ in range(count):
        factories.make_session(participants=3)
    client = client_for(user)
    with django_assert_max_num_queries(18):
        response = client.get(URL)
    assert len(response.context["page"]) == count


def _assess(participant, competence, rank, role="accredited"):
    level = competence.version.levels.get(rank=rank)
    assessor = participant if role == "self" else factories.UserFactory()
    assessment = Assessment.objects.create(
        participant=participant,
        competence=competence,
        level=level,
        method="self" if role == "self" else "observation",
        assessor=assessor,
        assessor_role=role,
        assessed_on=timezone.localdate(),
    )
    competence_status_refresh_for(assessment)
    return assessment


def test_for_you_lists_sessions_bringing_missing_competences(db, user):
    session = factories.make_session(competences=2)
    other = factories.make_session(competences=1)
    first, second = session.competences.order_by("code")
    # Acquired by an accredited trainer's assessment at the acquired level (3).
    _assess(user, first, 3)
    # Self-assessment and unconfirmed peer assessment never count.
    _assess(user, second, 4, role="self")
    _assess(user, second, 4, role="peer")
    found = selectors.sessions_for_you(user)
    assert [s.pk for s in found] == [session.pk, other.pk]
    assert found[0].missing_competences == [second]

    peer = _assess(user, second, 3, role="peer")
    AssessmentReview.objects.create(
        assessment=peer, decision="confirmed", reviewer=factories.UserFactory()
    )
    competence_status_refresh_for(peer)
    _assess(user, other.competences.get(), 2)  # below the acquired level
    assert [s.pk for s in selectors.sessions_for_you(user)] == [other.pk]


def test_for_you_follows_the_latest_counting_assessment(db, user):
    """A competence is acquired when the latest counting assessment reaches the level: an
    earlier "acquis" superseded by a lower assessment no longer hides the session."""
    session = factories.make_session(competences=1)
    competence = session.competences.get()
    _assess(user, competence, 3)
    assert selectors.sessions_for_you(user) == []
    _assess(user, competence, 2)
    found = selectors.sessions_for_you(user)
    assert [s.pk for s in found] == [session.pk]
    assert found[0].missing_competences == [competence]
    # A later self-assessment at the top level changes nothing.
    _assess(user, competence, 4, role="self")
    assert [s.pk for s in selectors.sessions_for_you(user)] == [session.pk]


def test_for_you_skips_joined_and_trained_sessions(db, user):
    joined = factories.make_session()
    factories.RegistrationFactory(session=joined, user=user)
    factories.make_session(trainer=user)
    assert selectors.sessions_for_you(user) == []


def test_for_you_block_on_the_page(client_for, user):
    session = factories.make_session()
    content = client_for(user).get(URL).content.decode()
    assert "Pour vous" in content and session.title in content


@pytest.mark.parametrize(
    "params",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_refused_on_the_field(client_for, user, params):
    """date_to + 1 day (and the UTC conversion of the first day) used to overflow: a 500."""
    factories.make_session()
    response = client_for(user).get(URL, params)
    assert response.status_code == 200
    form = response.context["form"]
    for name in params:
        assert "Indiquez une date entre le" in form.errors[name][0]
    assert len(_titles(response)) == 1
