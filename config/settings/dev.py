"""Development: DEBUG on, e-mails written to var/emails, HTTP on localhost."""

from .base import *  # noqa: F403
from .base import MIDDLEWARE, VAR_DIR, env, env_bool, env_list

SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-never-use-in-production-0123456789")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
SOCLE_SITE_URL = env("SOCLE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SOCLE_REQUIRE_PRODUCTION_KEYS = False  # development keys are generated under var/keys
if not env("EMAIL_BACKEND"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "emails")},
        }
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# runserver and the test live server serve static files themselves.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]
VAR_DIR.mkdir(parents=True, exist_ok=True)
