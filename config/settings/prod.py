"""Production: everything comes from the environment (see README); base.py is already strict."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment (50+ random characters).")

if env("AWS_STORAGE_BUCKET_NAME"):
    # Scaled out: several app processes share media through S3-compatible storage
    # (needs `uv add django-storages[s3]`); a single host keeps the filesystem default.
    STORAGES = {  # noqa: F405
        **STORAGES,  # noqa: F405
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
