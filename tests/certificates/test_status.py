"""The current-status table: kept by the services in the same transaction as each write, equal to
its rebuild from the history, and read across versions through lineages."""

import pytest
from django.core.management import call_command

from competences.models import Competence
from tests import factories
from tests.assessment_history import random_assessment_history
from trainings.models import CompetenceStatus
from trainings.selectors.assessments import counting_assessment
from trainings.services.status import competence_status_rebuild

pytestmark = pytest.mark.django_db


def _table():
    return sorted(
        CompetenceStatus.objects.values_list("user_id", "lineage", "assessment_id", "level_rank")
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_table_kept_by_the_services_equals_its_rebuild(seed):
    random_assessment_history(
        seed, steps=60, actions=("record", "record", "peer", "self", "review")
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
