"""Tests: fast hashing, in-memory e-mail, immediate tasks, SQLite unless DATABASE_URL is set."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

from .dev import *  # noqa: E402,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
LANGUAGE_CODE = "fr"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
