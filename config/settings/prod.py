"""Production: everything comes from the environment (see README); base.py is already strict."""

from .base import *  # noqa: F403
from .base import env

if env("AWS_STORAGE_BUCKET_NAME"):
    # Scaled out: several app processes share media through S3-compatible storage
    # (needs `uv add django-storages[s3]`); a single host keeps the filesystem default.
    STORAGES = {  # noqa: F405
        **STORAGES,  # noqa: F405
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
