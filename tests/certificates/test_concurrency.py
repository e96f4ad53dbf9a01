"""Two decision runs at the same instant (a task and the nightly sweep) record one decision."""

import threading

import pytest
from django.db import connection, connections

from certificates import services
from certificates.models import BlocValidation, PathwayCertification

from .conftest import assess_all, attend_all

THREADS = 4


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The enrolment row lock is what is tested; SQLite has one writer anyway.",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_record_one_of_each(world):
    enrollment = services.enrollment_create(
        actor=world.person, user=world.person, pathway=world.pathway
    )
    assess_all(world)
    attend_all(world)
    barrier = threading.Barrier(THREADS)
    recorded, errors = [], []

    def decide():
        try:
            barrier.wait(timeout=10)
            recorded.extend(services.enrollment_decide(enrollment_id=enrollment.pk))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    # The bloc was validated as soon as the assessments committed (the task ran); the four
    # runs at once record the certification once, without an error in the others.
    assert [type(decision) for decision in recorded] == [PathwayCertification]
    assert BlocValidation.objects.count() == 1
    assert PathwayCertification.objects.count() == 1
