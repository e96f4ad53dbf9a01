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


def consume(name, amount, seconds, *, now=None):
    """Count one hit on counter `name` (at most `amount` per `seconds`); True when allowed. One
    query, atomic: concurrent hits from several processes are each counted once."""
    now = time.time() if now is None else now
    seconds = max(1, int(seconds))
    bucket = int(now // seconds)
    allowed_first = amount >= 1
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT,
            [
                name,
                bucket,
                1 if allowed_first else 0,
                allowed_first,
                (bucket + 2) * seconds,
                amount,
                amount,
            ],
        )
        allowed = bool(cursor.fetchone()[0])
    if now - _last_purge[0] > PURGE_EVERY:
        _last_purge[0] = now
        RateCounter.objects.filter(expires_at__lt=int(now)).delete()
    return allowed


def _source(request, per):
    if per == "ip":
        return "ip", get_ip(request)
    if per == "user":
        if not request.user.is_authenticated:
            raise ImproperlyConfigured("A rate per user on a page open to anonymous visitors.")
        return "user", request.user.pk
    raise ValueError(f"Unknown rate basis {per!r}")


def allow(request, action):
    """Consume one use of `action` for this client; False when over one of its limits.

    Limits are "<count>/<period>/<ip|user>" strings (comma-separated) in
    settings.SOCLE_RATE_LIMITS; an action without one is not limited."""
    rates = list(dict.fromkeys(parse_rates(settings.SOCLE_RATE_LIMITS.get(action))))
    for rate in rates:
        name = counter_name("rl", action, rate, *_source(request, rate.per))
        if not consume(name, rate.amount, rate.duration):
            return False
    return True
