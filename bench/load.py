"""Verification under concurrent load, on a real server with several workers.

gunicorn (sync workers, as in production) serves config.wsgi with the bench settings on a free
port of 127.0.0.1, with 2 then 4 workers. A load of CONCURRENCY threads (http.client, keeping
the connection when the server allows it: gunicorn's sync workers close it after each answer,
so each request opens a loopback connection) runs for a bounded time against the floor view,
then against /verifier/<code>/ with real verification codes (taken in turn). Each series is
preceded by a short warm-up.

Every verification writes an audit entry (« Attestation vérifiée ») and the rate limiter keeps
its counter in the database cache: those rows, created by the run, are deleted at the end.
The verification's limit is raised in bench.settings (30 a minute per address in production;
one address sends everything here). A second series runs with the limiter off, to show its
share.
"""

import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from django.core.cache import cache
from django.db import connection

from .common import (
    PYTHON,
    ROOT,
    Section,
    child_env,
    log,
    median,
    ms,
    number,
    percentile,
    ratio,
    times,
    verdict,
)
from .urls import FLOOR_PATH

WORKERS = (2, 4)
CONCURRENCY = 8
SECONDS = 10.0
SECONDS_QUICK = 3.0
WARMUP_SECONDS = 1.5
CODES = 500
TARGET_SHARE = 0.5  # verification: at least half the floor's throughput
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
CACHE_PATTERN = ":%:allauth:rl:socle:verify:%"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, workers, **env):
        self.port = free_port()
        self.log_path = ROOT / "var" / "bench" / f"gunicorn-{workers}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
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
                "60",
                "--graceful-timeout",
                "5",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=child_env(**env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                connection_ = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection_.request("GET", FLOOR_PATH)
                if connection_.getresponse().status == 200:
                    connection_.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


def hammer(port, paths, seconds, concurrency=CONCURRENCY):
    """`concurrency` threads request `paths` (in turn) for `seconds`; returns the counts and the
    latencies of the answers."""
    stop_at = [0.0]
    lock = threading.Lock()
    latencies, statuses, errors = [], {}, [0]
    barrier = threading.Barrier(concurrency + 1)
    reconnects = [0]

    def client(index):
        own_latencies, own_statuses, own_errors, own_reconnects = [], {}, 0, 0
        conn = None
        position = index
        barrier.wait()
        while time.monotonic() < stop_at[0]:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                own_reconnects += 1
            path = paths[position % len(paths)]
            position += concurrency
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Connection": "keep-alive"})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                own_errors += 1
                conn.close()
                conn = None
                continue
            own_latencies.append(time.perf_counter() - started)
            own_statuses[response.status] = own_statuses.get(response.status, 0) + 1
            if response.will_close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(own_latencies)
            for status, count in own_statuses.items():
                statuses[status] = statuses.get(status, 0) + count
            errors[0] += own_errors
            reconnects[0] += own_reconnects

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    stop_at[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.monotonic() - started
    ok = statuses.get(200, 0)
    return {
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "ok": ok,
        "rps": ok / elapsed,
        "median": median(latencies),
        "p95": percentile(latencies, 95),
        "statuses": statuses,
        "errors": errors[0],
        "connections": reconnects[0],
    }


def _codes():
    from certificates.models import Attestation

    return list(
        Attestation.objects.order_by("?").values_list("verification_code", flat=True)[:CODES]
    )


def _audit_high_water():
    from core.models import AuditLog

    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _cache_keys():
    table = connection.ops.quote_name(cache._table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table} WHERE cache_key LIKE %s", [CACHE_PATTERN])
        return {row[0] for row in cursor.fetchall()}


def _clean_up(audit_before, keys_before):
    """Delete what the run's verifications wrote: their audit entries and limiter counters."""
    from core.models import AuditLog

    # The log is append-only for the application (its queryset refuses delete()); these entries
    # are the benchmark's own, not the application's.
    audit = connection.ops.quote_name(AuditLog._meta.db_table)
    table = connection.ops.quote_name(cache._table)
    new_keys = list(_cache_keys() - keys_before)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {audit} WHERE id > %s AND action = 'attestation.verify'", [audit_before]
        )
        deleted = cursor.rowcount
        if new_keys:
            cursor.execute(f"DELETE FROM {table} WHERE cache_key = ANY(%s)", [new_keys])
    return deleted, len(new_keys)


def _series(server, label, paths, seconds):
    hammer(server.port, paths, WARMUP_SECONDS)
    result = hammer(server.port, paths, seconds)
    odd = {k: v for k, v in result["statuses"].items() if k != 200}
    log(
        f"load: {label:<40} {result['rps']:7.1f} req/s  median {ms(result['median'])}"
        f"  p95 {ms(result['p95'])}  other statuses {odd or '-'}  errors {result['errors']}"
    )
    return result


def run(quick=False):
    seconds = SECONDS_QUICK if quick else SECONDS
    section = Section(
        name="load",
        title="Verification under concurrent load",
        columns=[
            "measure",
            "workers",
            "req/s",
            "median latency",
            "p95 latency",
            "errors / other answers",
            "floor (req/s)",
            "ratio to floor",
            "target",
            "met",
        ],
    )
    codes = _codes()
    if not codes:
        section.notes.append("No attestation in the database: nothing to verify.")
        return section
    verify_paths = [f"/verifier/{code}/" for code in codes]
    audit_before, keys_before = _audit_high_water(), _cache_keys()
    connection.close()  # no idle transaction held while the servers work
    results = []
    try:
        for workers in WORKERS:
            for limiter in (True, False):
                env = {} if limiter else {"BENCH_VERIFY_LIMIT": ""}
                server = Server(workers, **env)
                try:
                    floor = (
                        _series(server, f"floor, {workers} workers", [FLOOR_PATH], seconds)
                        if limiter
                        else None
                    )
                    label = "verify" + ("" if limiter else " (limiter off)")
                    verify = _series(server, f"{label}, {workers} workers", verify_paths, seconds)
                finally:
                    server.stop()
                if floor is not None:
                    results.append({"workers": workers, "what": "floor", **floor})
                    floor_rps = floor["rps"]
                results.append(
                    {
                        "workers": workers,
                        "what": "verify" if limiter else "verify_no_limiter",
                        "floor_rps": floor_rps,
                        **verify,
                    }
                )
    finally:
        deleted, keys = _clean_up(audit_before, keys_before)
    labels = {
        "floor": "*floor (minimal view, anonymous)*",
        "verify": "Verification by code, /verifier/<code>/",
        "verify_no_limiter": "Verification, rate limiter off",
    }
    for result in results:
        odd = {k: v for k, v in result["statuses"].items() if k != 200}
        problems = f"{result['errors']}" + (f" ; {odd}" if odd else "")
        if result["what"] == "floor":
            section.add(
                labels["floor"],
                result["workers"],
                number(result["rps"], 1),
                ms(result["median"]),
                ms(result["p95"]),
                problems,
                "—",
                "—",
                "—",
                "—",
            )
            continue
        share = ratio(result["rps"], result["floor_rps"])
        met = share is not None and share >= TARGET_SHARE if result["what"] == "verify" else None
        if result["what"] == "verify":
            section.target(
                f"Verification ≥ {TARGET_SHARE} × the minimal view's throughput "
                f"({result['workers']} workers)",
                f"{number(result['rps'], 1)} req/s vs {number(result['floor_rps'], 1)} "
                f"({times(share)})",
                met,
            )
        section.add(
            labels[result["what"]],
            result["workers"],
            number(result["rps"], 1),
            ms(result["median"]),
            ms(result["p95"]),
            problems,
            number(result["floor_rps"], 1),
            times(share),
            f"≥ {TARGET_SHARE:.1f} × floor" if result["what"] == "verify" else "—",
            verdict(met),
        )
    section.intro = (
        f"gunicorn {len(WORKERS)} runs ({' and '.join(map(str, WORKERS))} sync workers, "
        f"bench settings, 127.0.0.1), {CONCURRENCY} client threads (http.client) for "
        f"{seconds:.0f} s per series after a {WARMUP_SECONDS} s warm-up; {len(codes)} real "
        "verification codes taken in turn. The load tool shares the machine's cores with the "
        "server and PostgreSQL. Ratio: the verification's throughput over the floor's (the "
        "minimal view on the same server)."
    )
    section.notes += [
        "The verification's rate limit (SOCLE_RATE_LIMITS « verify », 30/m/ip in production) "
        "is raised to 100000/s/ip in bench/settings.py for the run: every request comes from "
        "127.0.0.1, as every visitor does behind a reverse proxy that Socle does not trust for "
        "X-Forwarded-For. The limiter still runs (one atomic counter statement per request, "
        "core.RateCounter); the « rate limiter off » rows show the page without it.",
        "gunicorn's sync workers close the connection after each answer: every request opens "
        "a new loopback connection, for the floor as for the page.",
        f"Verifications are audited once per attestation per half-hour: the {deleted:,} "
        f"entries and {keys} limiter counters the run wrote were deleted at the end.".replace(
            ",", " "
        ),
    ]
    for workers in WORKERS:
        by = {r["what"]: r for r in results if r["workers"] == workers}
        if {"floor", "verify", "verify_no_limiter"} <= set(by):
            section.notes.append(
                f"What is slow ({workers} workers): without the limiter the page serves "
                f"{number(by['verify_no_limiter']['rps'], 1)} req/s "
                f"({times(ratio(by['verify_no_limiter']['rps'], by['floor']['rps']))} the "
                "floor): its own work (the attestation read, the template, an audit entry "
                "written per request); the limiter then takes it to "
                f"{number(by['verify']['rps'], 1)} req/s: its lock, read and write in the "
                "database cache are on one key for every visitor, so requests queue on it."
            )
    section.raw = {"results": results, "codes": len(codes), "seconds": seconds}
    return section
