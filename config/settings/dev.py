"""Development: DEBUG on, e-mails written to var/emails, HTTP on localhost."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR, env_list  # noqa: E402

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
VAR_DIR.mkdir(parents=True, exist_ok=True)

# runserver and the test live server serve static files themselves.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
