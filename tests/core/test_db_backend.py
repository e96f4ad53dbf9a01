"""The PostgreSQL backend's health check (core.db.postgresql): a kept connection is reused
without a round trip while its server has said nothing, and replaced once the server ended it."""

import time

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


@pytest.fixture
def kept():
    """A connection of its own to the test database, with health checks, as a server keeps one
    between requests."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    wrapper.health_check_enabled = True
    yield wrapper
    wrapper.close()


def asked(wrapper, monkeypatch):
    """Run the check a new request runs; True when it sent `SELECT 1`."""
    calls = []
    real = type(wrapper).is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda: calls.append(1) or real(wrapper))
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()
    return bool(calls)


def pid_of(wrapper):
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_an_idle_connection_the_server_said_nothing_on_is_kept_without_asking(kept, monkeypatch):
    pid = pid_of(kept)
    assert not asked(kept, monkeypatch)
    assert kept.connection is not None and pid_of(kept) == pid


def test_a_connection_the_server_ended_is_replaced(kept, monkeypatch):
    pid = pid_of(kept)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's farewell reaches the socket.
    deadline = time.monotonic() + 5
    while kept._server_said_nothing() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert asked(kept, monkeypatch)
    assert kept.connection is None  # closed by Django's check
    assert pid_of(kept) != pid  # a new session answers


def test_a_connection_inside_a_transaction_gets_djangos_check(kept, monkeypatch):
    kept.connection.execute("BEGIN")
    assert asked(kept, monkeypatch)
    kept.connection.execute("ROLLBACK")


def prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_only_what_a_preparing_cursor_runs_is_prepared(django_assert_num_queries):
    from accounts.models import User

    list(User.objects.filter(email="nobody@example.org"))  # Django's cursors: never prepared
    with connection.prepared_cursor() as cursor:
        for number in (1, 2):
            cursor.execute("SELECT %s + 1", [number])
            assert cursor.fetchone()[0] == number + 1
    statements = prepared_statements()
    assert statements == ["SELECT $1 + 1"], statements
    # Logged like any query, for the tests' query counts.
    with django_assert_num_queries(1), connection.prepared_cursor() as cursor:
        cursor.execute("SELECT %s + 1", [3])
