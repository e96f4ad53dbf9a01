"""What the resilience tests share: their bounds, a cookie-keeping HTTP client on the standard
library, a real multi-process server (gunicorn) on a free loopback port, and child processes
that run Django code against the test database.

The server and the children are separate processes, so they see only committed data: the tests
that use them are transactional. On PostgreSQL they use pytest-django's test database itself; an
in-memory SQLite database cannot be shared, so there the server runs on a file copy of it.
"""

import http.client
import itertools
import math
import os
import re
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
# libpq reads it: the server's and the children's connections are the only ones the fault tests
# terminate, never the test process's own nor anyone else's.
SERVER_APP_NAME = "socle-resilience-server"
CHILD_APP_NAME = "socle-resilience-child"


def _env_number(name, default, kind=int):
    value = os.environ.get(name, "").strip()
    return kind(value) if value else default


# Short in the suite; `SOCLE_LOAD_SECONDS=120 SOCLE_LOAD_CLIENTS=32` (make resilience) at length.
LOAD_SECONDS = _env_number("SOCLE_LOAD_SECONDS", 3.0, float)
LOAD_CLIENTS = _env_number("SOCLE_LOAD_CLIENTS", 8)
SERVER_WORKERS = _env_number("SOCLE_LOAD_WORKERS", 3)
# No request may take longer than this: a hung request fails the test instead of hanging it.
REQUEST_TIMEOUT = 30


pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Several processes share one database and its row locks: PostgreSQL only "
    "(the in-memory SQLite test database lives in the test process alone).",
)


def windows(seconds, period):
    """How many `period`-second windows of a sliding-window rate limit `seconds` can span."""
    return max(1, math.ceil(seconds / period))


# HTTP -------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    text: str
    elapsed: float
    location: str = ""


@dataclass
class Browser:
    """One visitor: its own cookies, one connection per request (as gunicorn's sync workers
    close them), no redirect followed, and a timeout on every request."""

    port: int
    headers: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)

    def request(self, method, path, data=None):
        headers = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "fr", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            content = raw.read()
        finally:
            conn.close()
        for header in raw.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(
            status=raw.status,
            headers=dict(raw.headers.items()),
            text=content.decode("utf-8", "replace"),
            elapsed=time.monotonic() - started,
            location=raw.headers.get("Location", ""),
        )

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data):
        """A form POST carrying the CSRF token, as the page's form would."""
        return self.request("POST", path, {"csrfmiddlewaretoken": self.csrf_token(), **data})

    def csrf_token(self):
        return self.cookies.get("csrftoken", "")

    def form_token(self, page):
        """The masked CSRF token of a page's form (what a browser submits)."""
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, f"no CSRF token in the page ({page.status})"
        return match.group(1)


# The error page of core.views.server_error (templates/500.html).
ERROR_PAGE_TITLE = "Une erreur est survenue"


def is_error_page(response):
    """A proper 500 page: the project's template, not a traceback nor a bare server error."""
    return (
        response.status == 500
        and ERROR_PAGE_TITLE in response.text
        and "Traceback" not in response.text
    )


# Server -----------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(tmp_path):
    """The URL of a database the server and children can share with this test.

    PostgreSQL: pytest-django's test database. SQLite: a file copy of the in-memory test database
    (made now: later writes of the test are not seen by the server)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db["USER"] or "postgres"
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        host = db["HOST"] or "127.0.0.1"
        return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
    path = tmp_path / "server.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return f"sqlite:///{path}"


def server_env(db_url, media_root, log_dir):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "SOCLE_LOAD_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=db_url,
        MEDIA_ROOT=str(media_root),
        PGAPPNAME=SERVER_APP_NAME,
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        # The test settings' throwaway seal keys go there, not left in /tmp after a SIGKILL.
        TMPDIR=str(log_dir),
    )
    return env


class Server:
    """gunicorn (sync workers, as in production) serving config.wsgi with the test settings."""

    def __init__(self, db_url, media_root, log_path, workers=SERVER_WORKERS):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.on_postgresql = db_url.startswith("postgres")
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                str(REQUEST_TIMEOUT * 2),
                "--graceful-timeout",
                "5",
                "--preload",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=server_env(db_url, media_root, log_path.parent),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            try:
                if Browser(self.port).get("/").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log()}")

    def browser(self, **headers):
        return Browser(self.port, headers=headers)

    def mark_log(self):
        """Make log() tell only what the server writes from now on (a server shared by tests)."""
        self._log.flush()
        self._log_offset = self.log_path.stat().st_size

    def log(self):
        self._log.flush()
        with self.log_path.open("rb") as handle:
            handle.seek(getattr(self, "_log_offset", 0))
            return handle.read().decode(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            # Nothing is in flight when a test ends, and gunicorn's own shutdown takes seconds.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
            if self.on_postgresql:
                wait_until_disconnected(SERVER_APP_NAME)
        self._log.close()


# Load -------------------------------------------------------------------------------------------


def run_clients(count, body, seconds):
    """Run `body(index, deadline)` in `count` threads started together; returns the exceptions
    they raised (an assertion inside a client is reported, not swallowed)."""
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=30)
            body(index, time.monotonic() + seconds)
        except BaseException as error:  # reported to the test
            errors.append((index, error))

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT * 4)
        assert not thread.is_alive(), "a client is still waiting: a request hung"
    return errors


# Killed workers -----------------------------------------------------------------------------------

# Database connections a forked child inherited: the parent still talks through their sockets, so
# the child must neither use nor close them (closing would end the parent's session); kept here
# so that they are never garbage-collected, and the child leaves with os._exit.
_INHERITED = []
_CHILD_NUMBERS = itertools.count(1)


class Child:
    """A copy of this test process, forked: a task worker at the instant it takes a task, with
    Django set up and WeasyPrint imported already (a fresh interpreter spends seconds on that),
    and database connections of its own, named after CHILD_APP_NAME. `work(reached)` runs there;
    `reached(name)` tells the parent, which can then SIGKILL it at that exact point."""

    def __init__(self, work):
        self.app_name = f"{CHILD_APP_NAME}-{next(_CHILD_NUMBERS)}"
        read_fd, write_fd = os.pipe()
        with warnings.catch_warnings():
            # Under pytest-xdist this process has execnet's thread too; the child only runs
            # Django code and writes to its pipe (logging re-creates its locks after a fork).
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child
            os.close(read_fd)
            code = 1
            try:
                self._own_connections()
                work(lambda name: os.write(write_fd, f"reached {name}\n".encode()))
                os.write(write_fd, b"done\n")
                code = 0
            except BaseException:
                os.write(write_fd, ("child-error\n" + traceback.format_exc()).encode())
            finally:
                os._exit(code)
        os.close(write_fd)
        self.pid = pid
        self._pipe = read_fd
        self._output = b""
        LIVE_CHILDREN.append(self)

    def _own_connections(self):
        os.environ["PGAPPNAME"] = self.app_name
        for alias in connections:
            inherited = connections[alias]
            _INHERITED.append(inherited)
            connections[alias] = inherited.copy()

    def wait_for(self, line, timeout=120):
        """Wait until the child prints `line` ("reached <point>", "done"); fails with its
        traceback if it stops or fails first."""
        deadline = time.monotonic() + timeout
        target = line.encode() + b"\n"
        while target not in self._output:
            output = self._output.decode(errors="replace")
            assert "child-error\n" not in output, output
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"the child did not get to {line!r} in {timeout} s:\n{output}"
            if select.select([self._pipe], [], [], remaining)[0]:
                chunk = os.read(self._pipe, 65536)
                assert chunk, f"the child stopped before {line!r}:\n{output}"
                self._output += chunk

    def kill(self):
        """SIGKILL: no exception handler, finally block nor atexit runs, as for a worker killed
        by the OOM killer or a power cut. Returns once PostgreSQL has rolled its work back."""
        LIVE_CHILDREN.remove(self)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self._pipe)
        wait_until_disconnected(self.app_name)


# Children still running when a test fails: killed at its teardown, before the flush (which would
# wait for their row locks).
LIVE_CHILDREN = []


def kill_live_children():
    for child in list(LIVE_CHILDREN):
        child.kill()


def wait_until_disconnected(app_name, timeout=30):
    """PostgreSQL has rolled back and ended the sessions of a killed process (its row locks are
    free) once they leave pg_stat_activity."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                [app_name],
            )
            if cursor.fetchone()[0] == 0:
                return
            assert time.monotonic() < deadline, f"{app_name} still connected after {timeout} s"
            time.sleep(0.05)


def hang(reached, name):
    """What a patched step does in a child: say where it is, then wait to be killed."""
    reached(name)
    time.sleep(3600)
