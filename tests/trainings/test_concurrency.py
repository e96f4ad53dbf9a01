"""The last place, taken by several people at the same instant: exactly one gets it."""

import threading

import pytest
from django.db import connection, connections

from tests import factories
from trainings.models import Registration, RegistrationStatus
from trainings.services import registrations as services

THREADS = 8


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Row locks (SELECT … FOR UPDATE) are what is tested; SQLite has one writer anyway.",
)
@pytest.mark.django_db(transaction=True)
def test_last_place_goes_to_exactly_one_of_simultaneous_registrations():
    session = factories.make_session(participants=2)
    session.capacity = 3  # one place left
    session.save()
    users = factories.UserFactory.create_batch(THREADS)
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def take_the_last_place(user):
        try:
            barrier.wait(timeout=10)
            registration = services.registration_register(actor=user, session=session)
            results.append(registration.status)
        except Exception as error:  # reported below, so a failure in a thread is not lost
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take_the_last_place, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == ["registered"] + ["waiting"] * (THREADS - 1)
    registered = Registration.objects.filter(
        session=session, status=RegistrationStatus.REGISTERED
    ).count()
    assert registered == session.capacity


@pytest.mark.django_db(transaction=True)
def test_same_person_registering_twice_at_once_gets_one_registration():
    """Two requests from the same person (a double click) never make two registrations."""
    session = factories.make_session()
    user = factories.UserFactory()
    outcomes = []
    barrier = threading.Barrier(2)

    def register():
        try:
            barrier.wait(timeout=10)
            services.registration_register(actor=user, session=session)
            outcomes.append("ok")
        except Exception as error:
            outcomes.append(getattr(error, "code", repr(error)))
        finally:
            connections.close_all()

    if connection.vendor != "postgresql":
        # SQLite in-memory test databases are per-connection: run the two calls one after the
        # other on this connection instead of in threads.
        register_direct = [
            services.registration_register(actor=user, session=session).status,
        ]
        with pytest.raises(Exception) as error:
            services.registration_register(actor=user, session=session)
        assert register_direct == ["registered"]
        assert error.value.code == "already_registered"
    else:
        threads = [threading.Thread(target=register) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["already_registered", "ok"]
    assert Registration.objects.filter(session=session, user=user).count() == 1
