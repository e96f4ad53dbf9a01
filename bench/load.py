"""Verification under concurrent load, on a real server with several workers.

gunicorn (sync workers, as in production) serves config.wsgi with the bench settings on a free
port of 127.0.0.1, with 2 then 4 workers. A load of CONCURRENCY threads (http.client, keeping
the connection when the server allows it: gunicorn's sync workers close it after each answer,
so each request opens a loopback connection) runs for a bounded time against the floor view,
then against /verifier/<code>/:
- « 500 codes in turn »: real verification codes taken in turn, after a warm-up long enough for
  every worker to have answered each once (the steady state of attestations checked again and
  again: each worker serves them from its page cache, certificates.verification);
- « each code once »: every request a different attestation (up to COLD_CODES), so every answer
  reads the attestation, renders its page and writes its audit entry.

The first verification of an attestation in each half-hour writes an audit entry
(« Attestation vérifiée »), and the rate limiter and the audit keep counters in core.RateCounter:
those rows, created by the run, are deleted at the end. The verification's limit is raised in
bench.settings (30 a minute per address in production; one address sends everything here). A
last series runs with the limiter off, to show its share.
"""

import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

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
# Long enough for each worker to have answered each of the CODES once (a first answer renders
# the page and writes its audit entry: about 5 ms).
WARMUP_SECONDS_VERIFY_PER_WORKER = 3.0
ROUNDS = 5
CODES = 500
COLD_CODES = 40_000
# Visitors, each with its own address: the production limit (30 a minute per address) refuses
# none of them in a series, as behind the reverse proxy of a real deployment.
VISITORS = 20_000
TARGET_SHARE = 0.5  # verification: at least half the floor's throughput
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))


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


def visitor_addresses(count=VISITORS):
    """`count` client addresses from 198.18.0.0/15, set aside for benchmarks (RFC 2544)."""
    return [f"198.{18 + i // 65536}.{i // 256 % 256}.{i % 256}" for i in range(1, count + 1)]


def hammer(port, paths, seconds, concurrency=CONCURRENCY, addresses=None):
    """`concurrency` threads request `paths` (in turn) for `seconds`, each request from the next
    of `addresses` (sent as the reverse proxy would, in X-Forwarded-For); returns the counts and
    the latencies of the answers."""
    addresses = addresses or visitor_addresses()
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
            headers = {
                "Connection": "keep-alive",
                "X-Forwarded-For": addresses[position % len(addresses)],
            }
            position += concurrency
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
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
        "latencies": latencies,
    }


def merged(results):
    """One result from several series of the same requests (their counts and latencies)."""
    latencies = [value for result in results for value in result["latencies"]]
    seconds = sum(result["seconds"] for result in results)
    statuses = {}
    for result in results:
        for status, count in result["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    ok = statuses.get(200, 0)
    return {
        "seconds": round(seconds, 2),
        "requests": len(latencies),
        "ok": ok,
        "rps": ok / seconds if seconds else 0.0,
        "median": median(latencies),
        "p95": percentile(latencies, 95),
        "statuses": statuses,
        "errors": sum(result["errors"] for result in results),
        "connections": sum(result["connections"] for result in results),
        "latencies": latencies,
    }


def _codes(count):
    from certificates.models import Attestation

    return list(
        Attestation.objects.order_by("?").values_list("verification_code", flat=True)[:count]
    )


def _high_waters():
    from core.models import AuditLog, RateCounter

    audit = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return audit, set(RateCounter.objects.values_list("name", flat=True))


def _clean_up(audit_before, counters_before):
    """Delete what the run's verifications wrote: their audit entries and counters."""
    from core.models import AuditLog, RateCounter

    # The log is append-only for the application (its queryset refuses delete()); these entries
    # are the benchmark's own, not the application's.
    audit = connection.ops.quote_name(AuditLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {audit} WHERE id > %s AND action = 'attestation.verify'", [audit_before]
        )
        deleted = cursor.rowcount
    new_counters = set(RateCounter.objects.values_list("name", flat=True)) - counters_before
    RateCounter.objects.filter(name__in=new_counters).delete()
    return deleted, len(new_counters)


def _logged(label, result):
    odd = {k: v for k, v in result["statuses"].items() if k != 200}
    log(
        f"load: {label:<40} {result['rps']:7.1f} req/s  median {ms(result['median'])}"
        f"  p95 {ms(result['p95'])}  other statuses {odd or '-'}  errors {result['errors']}"
    )
    return result


def _alternated(server, series, seconds):
    """The series (name → paths) run in turn, ROUNDS times each for seconds / ROUNDS: a
    passing change in the machine's speed weighs on each alike, so their ratio holds."""
    parts = {name: [] for name in series}
    for _round in range(ROUNDS):
        for name, paths in series.items():
            parts[name].append(hammer(server.port, paths, seconds / ROUNDS))
    return {name: merged(results) for name, results in parts.items()}


LABELS = {
    "floor": "*floor (minimal view, anonymous)*",
    "floor_no_limiter": "*floor, on the server without the limiter*",
    "verify": "Verification by code, /verifier/<code>/, 500 codes in turn",
    "verify_cold": "Verification, each code once",
    "verify_no_limiter": "Verification, 500 codes in turn, rate limiter off",
}


def _server_series(workers, limiter, seconds, hot_paths, cold_paths):
    """The series of one server: the floor and the hot verifications in turn, then the cold
    ones (limiter on); or the floor and the hot verifications in turn (limiter off)."""
    server = Server(workers, **({} if limiter else {"BENCH_VERIFY_LIMIT": ""}))
    what = "verify" if limiter else "verify_no_limiter"
    try:
        hammer(server.port, [FLOOR_PATH], WARMUP_SECONDS)
        hammer(server.port, hot_paths, WARMUP_SECONDS_VERIFY_PER_WORKER * workers)
        both = _alternated(server, {"floor": [FLOOR_PATH], what: hot_paths}, seconds)
        results = [
            {
                "workers": workers,
                "what": "floor" if limiter else "floor_no_limiter",
                **both["floor"],
            },
            {"workers": workers, "what": what, **both[what]},
        ]
        _logged(f"floor, {workers} workers", both["floor"])
        _logged(f"{what}, {workers} workers", both[what])
        if limiter:
            # The server is warm from the series before; a warm-up would spend the codes.
            cold = _logged(
                f"verify each code once, {workers} workers",
                hammer(server.port, cold_paths, seconds),
            )
            results.append({"workers": workers, "what": "verify_cold", **cold})
    finally:
        server.stop()
    for result in results:
        result.pop("latencies")
        if not result["what"].startswith("floor"):
            result["floor_rps"] = results[0]["rps"]
    return results


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
    codes = _codes(COLD_CODES + CODES)
    if not codes:
        section.notes.append("No attestation in the database: nothing to verify.")
        return section
    hot_paths = [f"/verifier/{code}/" for code in codes[:CODES]]
    cold_codes = codes[CODES:] or codes
    audit_before, counters_before = _high_waters()
    connection.close()  # no idle transaction held while the servers work
    results = []
    try:
        for index, workers in enumerate(WORKERS):
            # Each server its own share of the cold codes: none is answered from a cache.
            share = cold_codes[index :: len(WORKERS)]
            cold_paths = [f"/verifier/{code}/" for code in share]
            for limiter in (True, False):
                results += _server_series(workers, limiter, seconds, hot_paths, cold_paths)
    finally:
        deleted, counters = _clean_up(audit_before, counters_before)
    for result in results:
        odd = {k: v for k, v in result["statuses"].items() if k != 200}
        problems = f"{result['errors']}" + (f" ; {odd}" if odd else "")
        if result["what"].startswith("floor"):
            section.add(
                LABELS[result["what"]],
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
        floor_rps = result["floor_rps"]
        share = ratio(result["rps"], floor_rps)
        targeted = result["what"] == "verify"
        met = share is not None and share >= TARGET_SHARE if targeted else None
        if targeted:
            section.target(
                f"Verification ≥ {TARGET_SHARE} × the minimal view's throughput "
                f"({result['workers']} workers)",
                f"{number(result['rps'], 1)} req/s vs {number(floor_rps, 1)} ({times(share)})",
                met,
            )
        section.add(
            LABELS[result["what"]],
            result["workers"],
            number(result["rps"], 1),
            ms(result["median"]),
            ms(result["p95"]),
            problems,
            number(floor_rps, 1),
            times(share),
            f"≥ {TARGET_SHARE:.1f} × floor" if targeted else "—",
            verdict(met),
        )
    section.intro = (
        f"gunicorn {len(WORKERS)} runs ({' and '.join(map(str, WORKERS))} sync workers, "
        f"bench settings, 127.0.0.1), {CONCURRENCY} client threads (http.client). On each "
        "server, the floor (the minimal view) and the verification of « 500 codes in turn » "
        f"run in turn, {ROUNDS} times each, for {seconds:.0f} s in all each: a passing change "
        "in the machine's speed weighs on both alike. « 500 codes in turn »: "
        f"{min(CODES, len(codes))} real verification codes taken in turn, after a warm-up of "
        f"{WARMUP_SECONDS_VERIFY_PER_WORKER:.0f} s per worker, long enough for each worker to "
        "have answered each once: attestations checked again and again. « Each code once »: "
        f"every request a different attestation, for {seconds:.0f} s, each answer reading "
        "it, rendering its page and writing its audit entry. The load tool shares the "
        "machine's cores with the server and PostgreSQL. Ratio: the verification's "
        "throughput over the floor's on the same server."
    )
    section.notes += [
        f"Each request comes from the next of {number(VISITORS)} visitor addresses "
        "(198.18.0.0/15), in X-Forwarded-For with one trusted proxy, as behind the reverse "
        "proxy of a deployment (bench/settings.py): the verification's production limit (30 "
        "a minute per address) holds and refuses no one. Its counter and the attestation's "
        "state are one statement on PostgreSQL, the only round trip of an answer from the "
        "page cache; the « rate limiter off » rows show the page without it.",
        "gunicorn's sync workers close the connection after each answer: every request opens "
        "a new loopback connection, for the floor as for the page.",
        f"Verifications are audited once per attestation per half-hour: the {deleted:,} "
        f"entries and {counters:,} counters the run wrote were deleted at the end.".replace(
            ",", " "
        ),
    ]
    for workers in WORKERS:
        by = {r["what"]: r for r in results if r["workers"] == workers}
        if {"floor", "verify_cold"} <= set(by):
            section.notes.append(
                f"Each code once ({workers} workers): "
                f"{number(by['verify_cold']['rps'], 1)} req/s "
                f"({times(ratio(by['verify_cold']['rps'], by['floor']['rps']))} the floor). "
                "Such an answer makes four round trips to the database (the limiter with the "
                "state, the attestation, the audit's counter and its entry) and renders the "
                "page; the answers that follow for the same attestation make one."
            )
    section.raw = {"results": results, "codes": len(codes), "seconds": seconds}
    return section
