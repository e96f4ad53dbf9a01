"""Settings of the benchmark run (`make bench`): development settings with DEBUG off, the
floor view's URLconf, and the verification's rate limit raised (one client address sends every
request of the load test, as every visitor does behind a reverse proxy that Socle does not trust
for X-Forwarded-For).

The database comes from DATABASE_URL as usual (the national set: socle_bench).
"""

import os

from config.settings.dev import *  # noqa: F403
from config.settings.dev import SOCLE_RATE_LIMITS

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

# 30 a minute per address in production. Raised so that the load test measures the page, not
# the refusals; "<n>/s/ip" keeps the limiter's history short (a second of timestamps), as the
# production limit does. BENCH_VERIFY_LIMIT="" turns the limiter off (a variant of the run).
SOCLE_RATE_LIMITS = {
    **SOCLE_RATE_LIMITS,
    "verify": os.environ.get("BENCH_VERIFY_LIMIT", "100000/s/ip"),
}

# Quiet servers: a warning per 404 or per banner would drown the run's own output.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}
