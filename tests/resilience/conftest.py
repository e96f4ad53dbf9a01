"""Load and fault tests: a real gunicorn server and child processes on the test database.

Every test here is marked `resilience` and transactional: the server and the children only see
committed rows. Their length comes from SOCLE_LOAD_SECONDS and SOCLE_LOAD_CLIENTS (short
defaults, see support.py); `pytest -m resilience` runs them alone.
"""

import pytest
from django.core.cache import cache
from django.db import connection

from .support import Server, database_url, kill_live_children


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/resilience/" in str(item.fspath):
            item.add_marker(pytest.mark.resilience)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture
def clean_cache(transactional_db):
    """allauth's and Socle's rate-limit counts live in the database cache, a table the flush
    after a transactional test leaves alone: start from none, and leave none to later tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_child_left(transactional_db):
    """Kill the forked workers a failed test left (before the flush: their row locks)."""
    yield
    kill_live_children()


@pytest.fixture
def media_root(settings):
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def _postgresql_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """On PostgreSQL one server serves the whole session: it reads the test database itself,
    so each test's committed rows are there (and it saves seconds of start-up per test)."""
    directory = tmp_path_factory.mktemp("resilience-server")
    with django_db_blocker.unblock():
        url = database_url(directory)
    server = Server(url, directory / "media", directory / "gunicorn.log")
    yield server
    with django_db_blocker.unblock():
        server.stop()
        # stop() waits for the server's sessions through this thread's connection, which
        # after browser tests on the same worker is not the one the databases' teardown closes:
        # left open, it kept the test database from being dropped (and cost seconds).
        connection.close()


@pytest.fixture
def start_server(request, clean_cache, media_root, tmp_path):
    """start_server() -> a running server (gunicorn) that sees the data committed so far.

    PostgreSQL: the session's server. SQLite: a server of its own on a file copy of the test
    database made now, stopped when the test ends."""
    servers = []

    def start():
        if connection.vendor == "postgresql":
            server = request.getfixturevalue("_postgresql_server")
        else:
            server = Server(
                database_url(tmp_path), media_root, tmp_path / f"gunicorn-{len(servers)}.log"
            )
            servers.append(server)
        server.mark_log()
        return server

    yield start
    for server in servers:
        server.stop()
