"""Settings of the benchmark run (`make bench`): development settings with DEBUG off, the
floor view's URLconf, and one trusted reverse proxy (the load test's visitors' addresses come in
X-Forwarded-For).

The database comes from DATABASE_URL as usual (the national set: socle_bench).
"""

import os

from config.settings.dev import *  # noqa: F403
from config.settings.dev import SOCLE_RATE_LIMITS

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

# As behind the reverse proxy of a deployment (SOCLE_TRUSTED_PROXY_COUNT=1): the load test sends
# each request from one of many visitor addresses in X-Forwarded-For, so the verification's
# production limit (30 a minute per address) applies as it would there. BENCH_VERIFY_LIMIT=""
# turns the limiter off (a variant of the run).
ALLAUTH_TRUSTED_PROXY_COUNT = 1
if os.environ.get("BENCH_VERIFY_LIMIT") is not None:
    SOCLE_RATE_LIMITS = {**SOCLE_RATE_LIMITS, "verify": os.environ["BENCH_VERIFY_LIMIT"]}

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
