"""Progress and the current-status table at national volume: the set-based rebuild gives the rows
the one definition gives (trainings.services.status.candidates + assessment_counts), whatever the
batches, in a number of queries that does not grow with the people; the upcoming sessions of
« Ma progression » come without DISTINCT, each once."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.selectors import UPCOMING_PER_PATHWAY, _upcoming_sessions
from competences.models import ReferentialVersion
from tests import factories
from tests.assessment_history import random_assessment_history
from trainings.models import (
    Assessment,
    CompetenceStatus,
    Registration,
    RegistrationStatus,
)
from trainings.services.status import assessment_counts, candidates, competence_status_rebuild

pytestmark = pytest.mark.django_db


def _history(seed):
    return random_assessment_history(seed)


def _by_definition():
    """The table as the per-person rule defines it, read assessment by assessment."""
    rows = set()
    keys = {(a.participant_id, a.competence.lineage) for a in Assessment.objects.all()}
    for user_id, lineage in keys:
        counting = next((a for a in candidates(user_id, lineage) if assessment_counts(a)), None)
        if counting is not None:
            rows.add((user_id, lineage, counting.pk, counting.level.rank, counting.competence_id))
    return rows


def _table():
    return set(
        CompetenceStatus.objects.values_list(
            "user_id", "lineage", "assessment_id", "level_rank", "competence_id"
        )
    )


@pytest.mark.parametrize("needs_confirmation", [True, False])
@pytest.mark.parametrize("chunk_size", [1, 3, 5000])
def test_the_rebuild_gives_the_definitions_rows(needs_confirmation, chunk_size):
    session, people = _history(seed=chunk_size + needs_confirmation)
    ReferentialVersion.objects.filter(pk=session.version.pk).update(
        peer_assessment_needs_confirmation=needs_confirmation
    )
    expected = _by_definition()
    assert expected  # something counts
    # Damage: a row missing, a row wrong, a row that should not exist.
    rows = list(CompetenceStatus.objects.order_by("pk"))
    rows[0].delete()
    CompetenceStatus.objects.filter(pk=rows[1].pk).update(level_rank=0)
    stray = factories.UserFactory()
    CompetenceStatus.objects.create(
        user=stray,
        lineage=rows[2].lineage,
        competence_id=rows[2].competence_id,
        level_id=rows[2].level_id,
        level_rank=rows[2].level_rank,
        assessment_id=rows[2].assessment_id,
        assessed_on=rows[2].assessed_on,
        changed_at=timezone.now(),
    )
    written, deleted = competence_status_rebuild(chunk_size=chunk_size)
    assert _table() == expected
    assert deleted >= 1 and written >= 2
    assert competence_status_rebuild(chunk_size=chunk_size) == (0, 0)


def test_a_rebuild_of_some_people_touches_only_theirs():
    _session, people = _history(seed=7)
    CompetenceStatus.objects.all().delete()
    competence_status_rebuild(user_ids=[people[0].pk])
    assert set(CompetenceStatus.objects.values_list("user_id", flat=True)) <= {people[0].pk}
    competence_status_rebuild()
    assert _table() == _by_definition()


def test_the_rebuild_costs_the_same_queries_for_more_people():
    _history(seed=3)

    def queries():
        CompetenceStatus.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            competence_status_rebuild()
        return len(captured)

    before = queries()
    _history(seed=4)  # four more people, their own session
    assert queries() == before


# « Ma progression »: the sessions to come -----------------------------------------------------


def test_upcoming_sessions_come_once_each_without_those_joined_or_trained():
    start = timezone.now() + datetime.timedelta(days=10)
    person = factories.UserFactory()
    sessions = [
        factories.make_session(competences=3, start=start + datetime.timedelta(days=i))
        for i in range(3)
    ]
    version = sessions[0].version
    for session in sessions[1:]:
        # The same reference: each session targets the same three competences.
        session.competences.set(sessions[0].competences.all())
    lineages = [str(c.lineage) for c in sessions[0].competences.all()]
    assert version.pk == sessions[0].version_id
    # Three targeted competences each: still once each, in date order.
    assert _upcoming_sessions(person, lineages, timezone.now()) == sessions
    # Registered (or waiting) elsewhere: left out; a cancelled registration does not count.
    factories.RegistrationFactory(session=sessions[0], user=person)
    cancelled = factories.RegistrationFactory(session=sessions[1], user=person)
    Registration.objects.filter(pk=cancelled.pk).update(status=RegistrationStatus.CANCELLED)
    sessions[2].trainers.add(person)
    assert _upcoming_sessions(person, lineages, timezone.now()) == [sessions[1]]
    # Past sessions and other competences: never.
    assert _upcoming_sessions(person, lineages, start + datetime.timedelta(days=5)) == []
    assert _upcoming_sessions(person, [str(uuid.uuid4())], timezone.now()) == []


def test_upcoming_sessions_are_bounded():
    start = timezone.now() + datetime.timedelta(days=3)
    first = factories.make_session(competences=2, start=start)
    for i in range(UPCOMING_PER_PATHWAY + 2):
        other = factories.make_session(competences=2, start=start + datetime.timedelta(hours=i + 1))
        other.competences.set(first.competences.all())
    lineages = [str(c.lineage) for c in first.competences.all()]
    found = _upcoming_sessions(factories.UserFactory(), lineages, timezone.now())
    assert len(found) == UPCOMING_PER_PATHWAY
    assert [s.starts_at for s in found] == sorted(s.starts_at for s in found)
