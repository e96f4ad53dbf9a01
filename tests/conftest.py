import pytest
from django.conf import settings as django_settings

from tests import factories


def _restore_reference_data():
    """Transactional tests (browser, concurrency) truncate every table when they end, including
    the reference data that migrations load. Put it back, much faster than serialized_rollback."""
    from django.contrib.auth.models import Group

    from accounts.models import Commune, Departement, Region
    from accounts.territories import load_territories

    if not Region.objects.exists():
        load_territories(Region, Departement, Commune)
    Group.objects.get_or_create(name=django_settings.SOCLE_HUB_COORDINATOR_GROUP)


@pytest.fixture(autouse=True)
def _reference_data(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    ):
        transactional = True
    if transactional:
        request.getfixturevalue("transactional_db")
        _restore_reference_data()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def user(db):
    return factories.UserFactory()


@pytest.fixture
def hub_user(db):
    return factories.HubCoordinatorFactory()


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client logged in as that user."""

    def login(some_user):
        client.force_login(some_user)
        return client

    return login
