import datetime

import pytest
from django.utils import timezone

from tests import factories


def at(days, hour=9, minute=0):
    """An aware datetime `days` days from today at hour:minute, Europe/Paris."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def reference(db):
    return factories.make_reference(blocs=2, competences=3)


@pytest.fixture
def bloc1(reference):
    return reference.blocs.get(code="B1")


@pytest.fixture
def bloc2(reference):
    return reference.blocs.get(code="B2")


@pytest.fixture
def trainer(bloc1):
    user = factories.UserFactory(first_name="Karim", last_name="Benali")
    factories.AccreditationFactory(user=user, bloc=bloc1)
    return user


@pytest.fixture
def session_kwargs(reference, bloc1, trainer):
    """Arguments for session_create: a valid on-site session of two half-days next week."""
    return {
        "actor": trainer,
        "version": reference,
        "title": "Accompagner les démarches en ligne",
        "capacity": 10,
        "competences": list(bloc1.competences.all()),
        "slots": [(at(7, 9), at(7, 12, 30)), (at(7, 13, 30), at(7, 17))],
        "address": "Espace numérique, 12 rue de la Paix, 59000 Lille",
    }


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run a callable and the on_commit callbacks it registered (e-mails)."""

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run
