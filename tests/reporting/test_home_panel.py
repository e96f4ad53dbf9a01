import pytest

from reporting.selectors.overview import hub_overview
from tests import factories
from trainings.models import RegistrationStatus


@pytest.mark.django_db
def test_hub_overview_counts_the_network():
    session = factories.make_session(participants=2)  # upcoming, one accredited trainer
    factories.RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    factories.StructureFactory.create_batch(2)
    overview = hub_overview()
    assert overview["structures"] == 2
    assert overview["trainers"] == 1
    assert overview["sessions"] == {"upcoming": 1, "running": 0, "to_close": 0}
    assert overview["waiting"] == 1
    assert overview["peer_awaiting_review"] == 0


@pytest.mark.django_db
def test_only_the_hub_sees_the_panel_and_it_costs_constant_queries(
    client_for, hub_user, django_assert_max_num_queries
):
    mediator = factories.UserFactory()
    assert "Le réseau en un coup d" not in client_for(mediator).get("/").content.decode()
    client = client_for(hub_user)
    factories.make_session(participants=1)
    with django_assert_max_num_queries(30) as small:
        body = client.get("/").content.decode()
    assert "Le réseau en un coup d" in body
    for _ in range(3):
        factories.make_session(participants=5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/")
