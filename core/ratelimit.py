"""Rate limits for Socle's own public endpoints, counted in the database so that every app
process (every gunicorn worker) sees the same counts — at the cost of one query per rate.

Each client × action × rate has one row in `core.RateCounter`, moved by a single atomic
`INSERT … ON CONFLICT DO UPDATE … RETURNING` (PostgreSQL, and SQLite ≥ 3.35): no lock to take
and release, no read-then-write race between workers. The allauth limiter this replaces took a
lock, a read and a write in the database cache, about seven queries, all on one key per address.

A rate "<n>/<period>/<ip|user>" is counted in fixed windows of the period: a hit is allowed when
the hits allowed in the current window plus those of the window before stay under n. So no
stretch of one period ever holds more than n hits (the guarantee of the sliding log it replaces),
and a client that used its whole allowance waits two periods at most. Refused hits are not
counted: a client that stops insisting is served again.

Rows name the client by a keyed hash (HMAC with SECRET_KEY) of its address or account id, never
the address itself; expired rows are deleted as requests come (at most every PURGE_EVERY seconds
per process).
"""

import functools
import hashlib
import hmac
import time

from allauth.core.internal.ratelimit import get_ip, parse_rates
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from .models import RateCounter

PURGE_EVERY = 300  # seconds between two purges of expired counters, per process
_last_purge = [0.0]

_TABLE = RateCounter._meta.db_table
# In ON CONFLICT DO UPDATE, the table's name is the stored row and EXCLUDED the one proposed.
# A stored window ahead of ours (a worker whose clock lags) counts as the same window.
_SAME = f"{_TABLE}.bucket >= EXCLUDED.bucket"
_PREVIOUS = (
    f"CASE WHEN {_SAME} THEN {_TABLE}.previous "
    f"WHEN {_TABLE}.bucket = EXCLUDED.bucket - 1 THEN {_TABLE}.hits ELSE 0 END"
)
_CURRENT = f"CASE WHEN {_SAME} THEN {_TABLE}.hits ELSE 0 END"
_ROOM = f"({_PREVIOUS}) + ({_CURRENT}) < %s"
_UPSERT = (
    f"INSERT INTO {_TABLE} (name, bucket, hits, previous, allowed, expires_at) "
    "VALUES (%s, %s, %s, 0, %s, %s) "
    "ON CONFLICT (name) DO UPDATE SET "
    f"previous = {_PREVIOUS}, "
    f"hits = ({_CURRENT}) + CASE WHEN {_ROOM} THEN 1 ELSE 0 END, "
    f"allowed = {_ROOM}, "
    f"bucket = CASE WHEN {_SAME} THEN {_TABLE}.bucket ELSE EXCLUDED.bucket END, "
    "expires_at = EXCLUDED.expires_at "
    "RETURNING allowed"
)


def counter_name(*parts):
    """The row's name: a keyed hash of what it counts (an address must not sit in the table)."""
    message = "\x1f".join(str(part) for part in parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _upsert_params(name, amount, seconds, now):
    seconds = max(1, int(seconds))
    bucket = int(now // seconds)
    allowed_first = amount >= 1
    return [
        name,
        bucket,
        1 if allowed_first else 0,
        allowed_first,
        (bucket + 2) * seconds,
        amount,
        amount,
    ]


def _purge_now_and_then(now):
    if now - _last_purge[0] > PURGE_EVERY:
        _last_purge[0] = now
        RateCounter.objects.filter(expires_at__lt=int(now)).delete()


def consume(name, amount, seconds, *, now=None):
    """Count one hit on counter `name` (at most `amount` per `seconds`); True when allowed. One
    query, atomic: concurrent hits from several processes are each counted once."""
    now = time.time() if now is None else now
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, _upsert_params(name, amount, seconds, now))
        allowed = bool(cursor.fetchone()[0])
    _purge_now_and_then(now)
    return allowed


def consume_then_read(name, amount, seconds, sql, params, *, now=None):
    """consume(), and when allowed the first row of the read `sql` (None when it has none or
    when refused): (allowed, row). On PostgreSQL both go in one statement — the counter's upsert
    in a WITH, the read joined to its answer — so in one round trip to the server, prepared
    once per connection (so `sql` must bind its parameters on the server); elsewhere in two
    statements."""
    now = time.time() if now is None else now
    upsert_params = _upsert_params(name, amount, seconds, now)
    # A statement prepared once per connection where the backend offers it (core.db.postgresql).
    with getattr(connection, "prepared_cursor", connection.cursor)() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH hit AS ({_UPSERT}) "
                f"SELECT hit.allowed, answer.* FROM hit LEFT JOIN ({sql}) AS answer ON hit.allowed",
                [*upsert_params, *params],
            )
            allowed, *row = cursor.fetchone()
            # A read without a row gives NULLs; the reads this serves select a primary key first.
            row = tuple(row) if allowed and row[0] is not None else None
        else:
            cursor.execute(_UPSERT, upsert_params)
            allowed = bool(cursor.fetchone()[0])
            row = None
            if allowed:
                cursor.execute(sql, params)
                row = cursor.fetchone()
    _purge_now_and_then(now)
    return bool(allowed), row


def _source(request, per):
    if per == "ip":
        return "ip", get_ip(request)
    if per == "user":
        if not request.user.is_authenticated:
            raise ImproperlyConfigured("A rate per user on a page open to anonymous visitors.")
        return "user", request.user.pk
    raise ValueError(f"Unknown rate basis {per!r}")


def _counters(request, action):
    """(counter name, amount, seconds) for each of the action's limits."""
    rates = _parsed_rates(settings.SOCLE_RATE_LIMITS.get(action))
    return [
        (counter_name("rl", action, rate, *_source(request, rate.per)), rate.amount, rate.duration)
        for rate in rates
    ]


@functools.lru_cache(maxsize=64)
def _parsed_rates(spec):
    return tuple(dict.fromkeys(parse_rates(spec)))


def allow(request, action):
    """Consume one use of `action` for this client; False when over one of its limits.

    Limits are "<count>/<period>/<ip|user>" strings (comma-separated) in
    settings.SOCLE_RATE_LIMITS; an action without one is not limited."""
    return all(consume(*counter) for counter in _counters(request, action))


def allow_then_read(request, action, sql, params):
    """allow(request, action), and when allowed the first row of the read `sql` (or None):
    (allowed, row), in one round trip to PostgreSQL when the action has one limit (the public
    verification: its counter and the attestation's state)."""
    *first, last = _counters(request, action) or [None]
    if not all(consume(*counter) for counter in first):
        return False, None
    if last is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return True, cursor.fetchone()
    return consume_then_read(*last, sql, params)
