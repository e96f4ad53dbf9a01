"""Tests: fast hashing, in-memory e-mail, immediate tasks, SQLite unless DATABASE_URL is set."""

import atexit
import shutil
import tempfile
from pathlib import Path

import dj_database_url

from .dev import *  # noqa: F403
from .dev import DATABASES, env

DEBUG = False
SOCLE_SITE_URL = "http://testserver"
if not env("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse("sqlite://:memory:")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# One throwaway seal per test run, never the developer's var/keys nor a configured PKCS#12 or TSA.
SOCLE_KEYS_DIR = Path(tempfile.mkdtemp(prefix="socle-test-keys-"))
atexit.register(shutil.rmtree, SOCLE_KEYS_DIR, ignore_errors=True)
SOCLE_SEAL_PKCS12 = ""
SOCLE_SEAL_PASSPHRASE = ""
SOCLE_TSA_URL = ""
SOCLE_REQUIRE_PRODUCTION_KEYS = False
SOCLE_BADGE_KEY = ""
