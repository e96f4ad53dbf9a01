import pytest
from django.utils import timezone

from accounts import demo as accounts_demo
from tests import factories
from trainings import demo
from trainings.models import Registration, Session, SessionStatus, TrainerAccreditation


@pytest.fixture
def network(db):
    network = accounts_demo.build()
    network["referential_version"] = factories.make_reference(blocs=4, competences=3)
    return network


def test_demo_builds_past_running_and_upcoming_sessions(
    network, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = demo.build(network)
    assert network["sessions"] is result
    assert [len(result[key]) for key in ("past", "running", "upcoming")] == [3, 2, 4]
    now = timezone.now()
    today = timezone.localdate()

    past_statuses = sorted(s.status for s in result["past"])
    assert past_statuses == ["closed", "held", "held"]
    assert all(s.ends_at < now for s in result["past"])
    for session in result["running"]:
        assert session.status == SessionStatus.PUBLISHED
        assert any(timezone.localdate(slot.starts_at) == today for slot in session.slots.all())
        assert session.starts_at <= now < session.ends_at
    assert all(s.starts_at > now for s in result["upcoming"])
    full = [s for s in result["upcoming"] if s.registrations.filter(status="waiting").exists()]
    assert len(full) == 1
    assert full[0].registrations.filter(status="registered").count() == full[0].capacity
    for session in result["past"] + result["running"]:
        assert session.registrations.filter(status="registered").count() >= 5
    assert Session.objects.filter(status="draft").count() == 1
    # Every session is run by accredited trainers, all five accredited.
    assert TrainerAccreditation.objects.values("user").distinct().count() == 5


def test_demo_is_idempotent(network):
    demo.build(network)
    counts = (
        Session.objects.count(),
        Registration.objects.count(),
        TrainerAccreditation.objects.count(),
    )
    again = demo.build(network)
    assert (
        Session.objects.count(),
        Registration.objects.count(),
        TrainerAccreditation.objects.count(),
    ) == counts
    assert [len(again[key]) for key in ("past", "running", "upcoming")] == [3, 2, 4]
