"""The database restarting under the server: its connections dropped in the middle of requests
(pg_terminate_backend, what a restart does to every session), then no connection accepted for
a moment, then back. PostgreSQL itself is never restarted (other tests share it): only the
sessions of the test server, named by their application_name, are ended.

Each answer meanwhile is the page it should be or the error page of core.views.server_error
(no traceback, no request left hanging), nothing is half-written, and the requests that follow
succeed: Django opens new connections (CONN_HEALTH_CHECKS tests a kept one before reusing it,
with a round trip only when its socket holds the server's farewell: core.db.postgresql).
"""

import concurrent.futures
import threading
import time

import psycopg
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.models import AuditLog
from tests import factories
from trainings.models import Registration, RegistrationStatus

from .support import (
    LOAD_CLIENTS,
    LOAD_SECONDS,
    REQUEST_TIMEOUT,
    SERVER_APP_NAME,
    SERVER_WORKERS,
    is_error_page,
    pg_only,
    run_clients,
)

pytestmark = pg_only

ADMIN_APP_NAME = "socle-resilience-admin"
# Under load, the server's connections are all ended this often.
TERMINATE_EVERY = 0.3


def pg_connect(dbname=None, **options):
    """A connection of the test's own, outside Django (never one the test terminates)."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=dbname or db["NAME"],
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        application_name=ADMIN_APP_NAME,
        **options,
    )


def terminate_server_connections(admin):
    """What a database restart does to the server: every one of its sessions ends."""
    rows = admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND application_name = %s",
        [SERVER_APP_NAME],
    ).fetchall()
    return len(rows)


def logged_in(server, user):
    """A browser with a session of `user` (made here: the login form has its own test, and its
    per-address limit would refuse many clients) and a CSRF cookie."""
    client = Client()
    client.force_login(user)
    browser = server.browser()
    browser.cookies["sessionid"] = client.cookies["sessionid"].value
    assert browser.get("/profil/").status == 200
    assert browser.csrf_token()
    return browser


def wait_for_blocked_insert(admin, table, pending, timeout=30):
    """Until a server session waits for the lock on `table` to insert into it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert not pending.done(), pending.result().text[:500]
        waiting = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s AND wait_event_type = 'Lock' AND query LIKE %s",
            [SERVER_APP_NAME, f'INSERT INTO "{table}"%'],
        ).fetchone()[0]
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError(f"no request got to its insert into {table} in {timeout} s")


def test_a_restart_midway_through_a_registration(start_server):
    """The registration's transaction is held at its last write (the audit entry, behind a lock
    this test takes) when the connections drop; then the database refuses connections for a
    while; then it is back and the same click registers, once."""
    person = factories.UserFactory()
    session = factories.make_session()
    server = start_server()
    browser = logged_in(server, person)
    register = reverse("trainings:register", args=[session.pk])
    audit = AuditLog._meta.db_table

    with (
        pg_connect(autocommit=True) as admin,
        pg_connect() as locker,
        concurrent.futures.ThreadPoolExecutor(1) as pool,
    ):
        locker.execute(f'LOCK TABLE "{audit}" IN SHARE MODE')  # reads pass, inserts wait
        pending = pool.submit(browser.post, register, {})
        wait_for_blocked_insert(admin, audit, pending)
        assert terminate_server_connections(admin) >= 1
        locker.rollback()
        response = pending.result(timeout=REQUEST_TIMEOUT)
    assert is_error_page(response), (response.status, response.text[:500])
    # The registration was written in that transaction: nothing of it stayed.
    assert not Registration.objects.filter(session=session, user=person).exists()
    assert not AuditLog.objects.filter(action="registration.create").exists()

    # The database down (restarting): an error page at once for each request, no hanging.
    name = connection.settings_dict["NAME"]
    with (
        pg_connect(autocommit=True) as admin,
        pg_connect(dbname="postgres", autocommit=True) as maintenance,
    ):
        maintenance.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            terminate_server_connections(admin)
            for path in ("/profil/", register, "/verifier/"):
                answer = browser.post(path, {}) if path == register else browser.get(path)
                assert is_error_page(answer), (path, answer.status, answer.text[:500])
                assert answer.elapsed < 10
        finally:
            maintenance.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')

    # Back: every server process works again, and the registration is recorded once.
    server.mark_log()
    retry = browser.post(register, {})
    assert retry.status == 302, (retry.status, retry.text[:500])
    assert retry.location == reverse("trainings:session_detail", args=[session.pk])
    registration = Registration.objects.get(session=session, user=person)
    assert registration.status == RegistrationStatus.REGISTERED
    assert AuditLog.objects.filter(action="registration.create").count() == 1
    for _ in range(2 * SERVER_WORKERS):
        assert browser.get("/profil/").status == 200
    assert "Traceback" not in server.log()


def letters(number):
    """A number written in letters (names must be letters): 0 → a, 27 → bb."""
    digits = "abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 26)
        text = digits[digit] + text
        if not number:
            return text


def test_connections_dropped_again_and_again_under_load(start_server):
    """Clients saving their profile non-stop while every server connection is ended several
    times a second: each save answers "saved" or the error page, both names of a person
    always come from the same form, and once it stops everything works."""
    clients = LOAD_CLIENTS
    users = [factories.UserFactory() for _ in range(clients)]
    server = start_server()
    browsers = [logged_in(server, user) for user in users]
    sent = {index: [] for index in range(clients)}  # (form number, "saved" or "error")
    stop, terminations = threading.Event(), []

    def terminate_often():
        with pg_connect(autocommit=True) as admin:
            while not stop.wait(TERMINATE_EVERY):
                terminations.append(terminate_server_connections(admin))

    def client(index, deadline):
        browser, number = browsers[index], 0
        while time.monotonic() < deadline:
            form = {"first_name": f"Prénom{letters(number)}", "last_name": f"Nom{letters(number)}"}
            saved = browser.post("/profil/", form)
            if saved.status == 302:
                assert saved.location == "/profil/"
                sent[index].append((number, "saved"))
            else:
                assert is_error_page(saved), (saved.status, saved.text[:500])
                sent[index].append((number, "error"))
            page = browser.get("/profil/")
            assert page.status == 200 or is_error_page(page), page.status
            number += 1

    terminator = threading.Thread(target=terminate_often, daemon=True)
    terminator.start()
    try:
        errors = run_clients(clients, client, LOAD_SECONDS)
    finally:
        stop.set()
        terminator.join(timeout=30)
    outcomes = [outcome for forms in sent.values() for _number, outcome in forms]
    print(
        f"{clients} clients, {sum(terminations)} connections ended: "
        f"{outcomes.count('saved')} saved, {outcomes.count('error')} error pages"
    )
    assert errors == [], errors[:3]
    assert sum(terminations) > 0

    for index, user in enumerate(users):
        before = (user.first_name, user.last_name)
        user.refresh_from_db()
        forms = sent[index]
        saved = [number for number, outcome in forms if outcome == "saved"]
        # The last form saved, or a later one whose answer was lost after it committed.
        last = saved[-1] if saved else -1
        possible = {(f"Prénom{letters(n)}", f"Nom{letters(n)}") for n, _o in forms if n >= last}
        if not saved:
            possible.add(before)
        assert (user.first_name, user.last_name) in possible
        # Every save committed wrote its audit entry in the same transaction.
        audits = AuditLog.objects.filter(action="user.update_profile", actor=user).count()
        assert len(saved) <= audits <= len(forms)

    # The restart is over: every request succeeds.
    server.mark_log()
    for browser in browsers:
        assert browser.get("/profil/").status == 200
        assert browser.post("/profil/", {"first_name": "Ève", "last_name": "Martin"}).status == 302
    assert "Traceback" not in server.log()
