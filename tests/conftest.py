import pytest
from django.conf import settings as django_settings

from tests import factories

# Copies of the reference tables, made once per test database: Django's flush does not know
# them, so restoring is one INSERT … SELECT per table instead of reading 35,000 communes from
# the CSV files after every transactional test.
REFERENCE_TABLES = ("accounts_region", "accounts_departement", "accounts_commune")


def _restore_reference_data():
    """Transactional tests (browser, concurrency) truncate every table when they end, including
    the reference data that migrations load. Put it back, much faster than serialized_rollback."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from accounts.models import Commune, Departement, Region
    from accounts.territories import load_territories

    existing = set(connection.introspection.table_names())
    snapshots = {f"socle_ref_{table}" for table in REFERENCE_TABLES}
    if not Region.objects.exists():
        if snapshots <= existing:
            with connection.cursor() as cursor:
                for table in REFERENCE_TABLES:
                    cursor.execute(f"INSERT INTO {table} SELECT * FROM socle_ref_{table}")
        else:
            load_territories(Region, Departement, Commune)
    if not snapshots <= existing:
        with connection.cursor() as cursor:
            for table in REFERENCE_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS socle_ref_{table}")
                cursor.execute(f"CREATE TABLE socle_ref_{table} AS SELECT * FROM {table}")
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
