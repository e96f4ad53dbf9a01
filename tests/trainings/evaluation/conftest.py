import datetime

import pytest
from django.utils import timezone

from tests import factories
from trainings.models import RegistrationStatus


@pytest.fixture
def session_now(db):
    """A published session whose first slot runs now (started an hour ago) and a second one
    later today, with a trainer and two registered participants."""
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    return factories.make_session(participants=2, slots=2, competences=3, start=start)


@pytest.fixture
def trainer(session_now):
    return session_now.trainers.get()


@pytest.fixture
def registrations(session_now):
    return list(
        session_now.registrations.filter(status=RegistrationStatus.REGISTERED)
        .select_related("user")
        .order_by("pk")
    )


@pytest.fixture
def participant(registrations):
    return registrations[0].user


@pytest.fixture
def slots(session_now):
    return list(session_now.slots.order_by("starts_at"))


@pytest.fixture
def afternoon(monkeypatch, slots):
    """The clock moved five minutes into the second slot, so that both slots have started: no
    mark is recorded on a slot before it starts."""
    later = slots[1].starts_at + datetime.timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    return later
