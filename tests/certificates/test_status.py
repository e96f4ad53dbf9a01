"""The current-status table: kept by the services in the same transaction as each write, equal to
its rebuild from the history, and read across versions through lineages."""

import datetime
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from competences.models import Competence
from tests import factories
from tests.factories import level_of
from trainings.models import CompetenceStatus, ReviewDecision
from trainings.selectors.assessments import counting_assessment
from trainings.services import assessments as assessment_services
from trainings.services.status import competence_status_rebuild

pytestmark = pytest.mark.django_db


def _table():
    return sorted(
        CompetenceStatus.objects.values_list("user_id", "lineage", "assessment_id", "level_rank")
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_table_kept_by_the_services_equals_its_rebuild(seed):
    rng = random.Random(seed)
    start = timezone.now() - datetime.timedelta(days=6)
    session = factories.make_session(participants=4, competences=3, start=start)
    accredited = session.trainers.get()
    peer = factories.UserFactory()
    factories.make_peer_trainer(peer, [session.competences.first().bloc])
    session.trainers.add(peer)
    people = [r.user for r in session.registrations.all()]
    competences = list(session.competences.all())
    peer_assessments = []
    for _ in range(60):
        action = rng.choice(["record", "record", "peer", "self", "review"])
        person, competence = rng.choice(people), rng.choice(competences)
        level = level_of(session.version, rng.randint(1, 4))
        day = timezone.localdate() - datetime.timedelta(days=rng.randint(0, 5))
        if action in ("record", "peer"):
            assessment = assessment_services.assessment_record(
                actor=accredited if action == "record" else peer,
                session=session,
                participant=person,
                competence=competence,
                level=level,
                method="observation",
                assessed_on=day,
            )
            if action == "peer":
                peer_assessments.append(assessment)
        elif action == "self":
            assessment_services.self_assessment_record(
                actor=person, competence=competence, level=level
            )
        elif peer_assessments:
            assessment = peer_assessments.pop(rng.randrange(len(peer_assessments)))
            decision = rng.choice([ReviewDecision.CONFIRMED, ReviewDecision.OVERRIDDEN])
            assessment_services.assessment_review(
                actor=accredited,
                assessment=assessment,
                decision=decision,
                replacement_level=level if decision == ReviewDecision.OVERRIDDEN else None,
            )
    maintained = _table()
    assert maintained  # the sequence did write something
    CompetenceStatus.objects.all().delete()
    call_command("rebuild_competence_status", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _table() == maintained
    # A second rebuild finds nothing to change.
    assert competence_status_rebuild() == (0, 0)


def test_rebuild_repairs_a_damaged_table(world_assessed):
    person, statuses = world_assessed
    CompetenceStatus.objects.filter(pk=statuses[0].pk).delete()
    CompetenceStatus.objects.filter(pk=statuses[1].pk).update(level_rank=1)
    written, deleted = competence_status_rebuild()
    assert (written, deleted) == (2, 0)
    assert CompetenceStatus.objects.filter(user=person).count() == 3
    assert not CompetenceStatus.objects.filter(level_rank=1).exists()


@pytest.fixture
def world_assessed(world):
    from .conftest import assess_all

    assess_all(world)
    return world.person, list(CompetenceStatus.objects.filter(user=world.person).order_by("pk"))


def _next_version(version, *, changed=()):
    """A published version 2 cloned by hand: same codes and lineages, except the competences
    in `changed` (substantially changed: a lineage of their own)."""
    import uuid

    new = factories.make_reference(referential=version.referential)
    for competence in Competence.objects.filter(version=new):
        old = Competence.objects.get(version=version, code=competence.code)
        competence.lineage = uuid.uuid4() if competence.code in changed else old.lineage
        competence.save()
    return new


def test_evidence_on_version_1_counts_on_version_2_unless_substantially_changed(world):
    from .conftest import assess_all

    assess_all(world)
    v2 = _next_version(world.version, changed={"B1.C2"})
    same = Competence.objects.get(version=v2, code="B1.C1")
    changed = Competence.objects.get(version=v2, code="B1.C2")
    assert counting_assessment(world.person, same).competence.version == world.version
    assert counting_assessment(world.person, changed) is None
