"""Base settings: production-safe defaults, every secret and host read from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("SOCLE_VAR_DIR", BASE_DIR / "var"))


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Empty when unset: Django then refuses to start ("The SECRET_KEY setting must not be empty").
SECRET_KEY = env("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "import_export",
    "django_tasks_db",
    "core",
    "accounts",
    "competences",
    "trainings",
    "certificates",
    "privacy",
    "reporting",
]

MIDDLEWARE = [
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view opts out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Hub coordinators and trainers must turn on two-factor authentication (core.mfa).
    "core.middleware.MfaRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'socle.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + immediate transactions let the web process and the task worker share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check that makes no round trip while the server has said
    # nothing (core/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
    # JIT compilation added 0.6–0.75 s to single dashboard queries at national scale, more than
    # they take to run: Socle's queries are short, indexed reads.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: e-mail is the login, verified before first use.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
# After a first login, a profile without a commune or a structure leads once to the profile page.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
# Nobody learns from the sign-up or password-reset forms whether an address has an account
# (mediators' e-mails are personal data): a taken address gets an e-mail saying so, and the page
# answers as for any other. Trainers adding a participant by e-mail do learn it: they are
# accredited, and the invitation of unknown people needs it.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Socle] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", "https")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Socle"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Django 6.1 mailers. EMAIL_BACKEND picks the backend; SMTP reads EMAIL_HOST and friends.
_email_backend = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": env("EMAIL_HOST", "localhost"),
        "port": int(env("EMAIL_PORT", "25")),
        "username": env("EMAIL_HOST_USER", ""),
        "password": env("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
elif _email_backend.endswith("filebased.EmailBackend"):
    _email_options = {"file_path": env("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))}
else:
    _email_options = {}
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Socle <ne-pas-repondre@socle.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# One cache shared by every app process (allauth's failed-login and reset limits count here);
# a core migration creates its table.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "socle_cache",
    },
    # Per process, and right so: the public verification's rendered verdicts, keyed by the
    # attestation's state (certificates.verification), so no process can serve a stale one.
    "verification": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "socle-verification",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Security: HTTPS everywhere in production; dev.py relaxes what needs relaxing.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies under our control stand in front of the app: rate limits per address
# (logins, verification, sign codes) then read the client's address from X-Forwarded-For.
# 0 (direct exposure) trusts no such header: it could be forged to dodge the limits. Behind one
# proxy that sets X-Forwarded-For, set it to 1, or every visitor shares the proxy's address and
# 10 wrong passwords a minute from anywhere lock everyone out.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("SOCLE_TRUSTED_PROXY_COUNT", "0"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading is hard to undo (browsers keep the list for months): an explicit opt-in, so the
# deploy check's reminder about it is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# No inline script or style anywhere (scripts and styles are files of our own); images may be
# data: URIs (QR codes); nothing may frame Socle.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO; fontTools its subsetting.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Domain settings.
SOCLE_HUB_NAME = env("SOCLE_HUB_NAME", "Hub numérique Hauts-de-France")
# The organisation's postal address and its training declaration number (numéro de déclaration
# d'activité, 11 digits), printed on attendance sheets; the NDA only when set.
SOCLE_HUB_ADDRESS = env("SOCLE_HUB_ADDRESS", "")
SOCLE_HUB_NDA = env("SOCLE_HUB_NDA", "")
# Who answers questions and requests about personal data (the data protection officer or the
# hub's contact), shown on the privacy page (/confidentialite/).
SOCLE_PRIVACY_CONTACT = env("SOCLE_PRIVACY_CONTACT", "dpo@socle.invalid")
SOCLE_HUB_COORDINATOR_GROUP = "Coordination du hub"
# The hub's own départements (INSEE codes, comma-separated), listed first in the sessions'
# département filter. Default: the Hauts-de-France.
SOCLE_HUB_DEPARTEMENTS = env_list("SOCLE_HUB_DEPARTEMENTS", "02,59,60,62,80")
# The hub's usual half-day hours ("HH:MM-HH:MM"): the session form fills a « matin » or
# « après-midi » slot with them; the trainer may change the times of any slot.
SOCLE_MORNING_HOURS = env("SOCLE_MORNING_HOURS", "09:00-12:30")
SOCLE_AFTERNOON_HOURS = env("SOCLE_AFTERNOON_HOURS", "13:30-17:00")
# Absolute links in e-mails, calendar files, QR codes and documents made outside a request.
SOCLE_SITE_URL = env("SOCLE_SITE_URL", "").rstrip("/")

# Attestation seal (PAdES). Production loads the hub's PKCS#12 (key, certificate, chain); without
# one, development keys are generated under SOCLE_KEYS_DIR, and check socle.E001 refuses to run so.
SOCLE_KEYS_DIR = Path(env("SOCLE_KEYS_DIR", VAR_DIR / "keys"))
SOCLE_SEAL_PKCS12 = env("SOCLE_SEAL_PKCS12", "")
SOCLE_SEAL_PASSPHRASE = env("SOCLE_SEAL_PASSPHRASE", "")
# RFC 3161 time-stamp server: signatures become PAdES B-T instead of B-B.
SOCLE_TSA_URL = env("SOCLE_TSA_URL", "")
# Not from the environment: only dev.py and test.py may sign with development keys.
SOCLE_REQUIRE_PRODUCTION_KEYS = True
# Public endpoints' limits ("<count>/<period>/ip"), counted in the shared cache (core.ratelimit).
SOCLE_RATE_LIMITS = {
    "verify": "30/m/ip",
    "status_list": "120/m/ip",
    "sign_code": "10/m/user,30/m/ip",
    # Password checks outside the login form (the erasure confirmation).
    "password_confirm": "5/m/user,20/m/ip",
    # E-mails a trainer sends to addresses with no account (an invitation to a session).
    "participant_invite": "30/h/user",
}
# Open Badges credentials are signed (RS256) with a key of their own, separate from the seal:
# a PEM RSA key of 2048 bits or more; development generates one under SOCLE_KEYS_DIR.
SOCLE_BADGE_KEY = env("SOCLE_BADGE_KEY", "")
SOCLE_BADGE_KEY_PASSPHRASE = env("SOCLE_BADGE_KEY_PASSPHRASE", "")
# Largest request body accepted (the biggest legitimate upload is a 10 MB PDF to verify); the
# reverse proxy should cap it too (client_max_body_size 12m).
SOCLE_MAX_REQUEST_BYTES = int(env("SOCLE_MAX_REQUEST_BYTES", str(12 * 1024 * 1024)))
# Days a hub coordinator or trainer may keep using Socle without two-factor authentication,
# counted from the first time they are seen with that role and no authenticator (core.mfa).
SOCLE_MFA_GRACE_DAYS = int(env("SOCLE_MFA_GRACE_DAYS", "14"))
# Aggregate cells counting fewer people than this are shown as "< N" in every export meant to
# leave the hub (statistical secrecy).
SOCLE_STATS_SMALL_CELL = int(env("SOCLE_STATS_SMALL_CELL", "5"))
