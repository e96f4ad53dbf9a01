"""Production refuses to sign attestations with development keys or an expired seal."""

import datetime

from django.conf import settings
from django.core.checks import Error, Tags, register

from . import keys

HINT = (
    "Point SOCLE_SEAL_PKCS12 at the hub's seal (a PKCS#12 file holding the private key, its "
    "certificate and the certificate chain) and put its passphrase in SOCLE_SEAL_PASSPHRASE."
)


# Not a deploy-only check: every manage.py command (migrate, db_worker) must refuse, not only
# `check --deploy`; keys.seal() refuses too, for servers that never run checks.
@register(Tags.security)
def seal_keys_check(app_configs=None, **kwargs):
    if not keys.production_keys_required():
        return []
    if not settings.SOCLE_SEAL_PKCS12:
        return [
            Error(
                "SOCLE_SEAL_PKCS12 is not set: production refuses to sign attestations with "
                "development keys.",
                hint=HINT,
                id="socle.E001",
            )
        ]
    try:
        seal = keys.load_pkcs12(settings.SOCLE_SEAL_PKCS12, settings.SOCLE_SEAL_PASSPHRASE)
    except keys.SealError as error:
        return [
            Error(
                f"SOCLE_SEAL_PKCS12 cannot be loaded: {error} Production refuses to sign "
                "attestations with development keys.",
                hint=HINT,
                id="socle.E001",
            )
        ]
    if seal.development:
        return [
            Error(
                "SOCLE_SEAL_PKCS12 holds a development certificate: production refuses to sign "
                "attestations with development keys.",
                hint=HINT,
                id="socle.E001",
            )
        ]
    if seal.not_valid_after <= datetime.datetime.now(datetime.UTC):
        return [
            Error(
                f"The seal certificate in SOCLE_SEAL_PKCS12 expired on "
                f"{seal.not_valid_after:%Y-%m-%d}: attestations signed with it would not verify.",
                hint="Renew the seal certificate and replace the PKCS#12 file.",
                id="socle.E002",
            )
        ]
    return []


@register(Tags.security)
def badge_key_check(app_configs=None, **kwargs):
    """Open Badges credentials are signed with a key of their own (RS256)."""
    if not keys.production_keys_required():
        return []
    from .badges import load_badge_key

    if not settings.SOCLE_BADGE_KEY:
        return [
            Error(
                "SOCLE_BADGE_KEY is not set: production refuses to sign Open Badges credentials "
                "with development keys.",
                hint="Point SOCLE_BADGE_KEY at a PEM RSA private key (2048 bits or more) and put "
                "its passphrase, if any, in SOCLE_BADGE_KEY_PASSPHRASE.",
                id="socle.E003",
            )
        ]
    try:
        load_badge_key(settings.SOCLE_BADGE_KEY, settings.SOCLE_BADGE_KEY_PASSPHRASE)
    except keys.SealError as error:
        return [Error(f"SOCLE_BADGE_KEY cannot be loaded: {error}", id="socle.E003")]
    return []
