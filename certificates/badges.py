"""Open Badges 3.0: each attestation also carries an OpenBadgeCredential, signed as a VC-JWT
(RS256, which every Open Badges verifier must accept) with a key separate from the PDF seal, and
a credentialStatus entry in the W3C Bitstring Status Lists that Socle publishes. The public keys
(current and retired), the issuer profile and the status lists are served at stable URLs, so
anyone can verify without Socle's help.
"""

import base64
import gzip
import hashlib
import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.urls import reverse
from jwt.algorithms import RSAAlgorithm

from .keys import SealError, _write_private, production_keys_required

logger = logging.getLogger(__name__)

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
BADGE_KEY_FILE = "badge.key.pem"
# The W3C recommendation: at least 16 KiB of bits, so that an index says little about a holder.
STATUS_LIST_BITS = 131072
STATUS_PURPOSES = ("revocation", "suspension")


def url(path):
    return f"{settings.SOCLE_SITE_URL}{path}"


# The badge key ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeKey:
    private_key: rsa.RSAPrivateKey
    kid: str
    jwk: dict


def _thumbprint(jwk):
    """RFC 7638 thumbprint of an RSA JWK."""
    members = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()


def load_badge_key(path, passphrase):
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SealError(f"{path} cannot be read ({error.strerror or 'error'}).") from None
    try:
        key = serialization.load_pem_private_key(data, passphrase.encode() if passphrase else None)
    except (ValueError, TypeError):
        raise SealError(f"{path} is not a PEM private key or the passphrase is wrong.") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise SealError(f"{path} must hold an RSA key of 2048 bits or more (RS256).")
    return key


def _dev_key(keys_dir):
    path = Path(keys_dir) / BADGE_KEY_FILE
    if not path.exists():
        Path(keys_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        _write_private(tmp, pem)
        os.replace(tmp, path)  # atomic: two processes starting together keep one key
    return load_badge_key(path, "")


def _load_configured():
    if settings.SOCLE_BADGE_KEY:
        key = load_badge_key(settings.SOCLE_BADGE_KEY, settings.SOCLE_BADGE_KEY_PASSPHRASE)
    elif production_keys_required():
        raise SealError("SOCLE_BADGE_KEY is not set: production never signs badges with dev keys.")
    else:
        key = _dev_key(settings.SOCLE_KEYS_DIR)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    thumbprint = _thumbprint(public)
    public.update({"kid": thumbprint, "use": "sig", "alg": "RS256"})
    return BadgeKey(private_key=key, kid=thumbprint, jwk=public)


_lock = threading.Lock()
_cache = None


def badge_key():
    """The badge-signing key, loaded once per process; its public JWK is recorded so it stays
    published after a replacement."""
    global _cache
    config = (settings.SOCLE_BADGE_KEY, str(settings.SOCLE_KEYS_DIR), production_keys_required())
    with _lock:
        if _cache is None or _cache[0] != config:
            _cache = (config, _load_configured())
        key = _cache[1]
    from .models import BadgeKey as PublishedKey

    PublishedKey.objects.get_or_create(kid=key.kid, defaults={"jwk": key.jwk})
    return key


def reset_badge_key_cache():
    global _cache
    with _lock:
        _cache = None


def key_url(kid):
    return url(reverse("certificates:badge_keys")) + f"#{kid}"


def jwks():
    from .models import BadgeKey as PublishedKey

    return {"keys": [k.jwk for k in PublishedKey.objects.order_by("created_at", "pk")]}


# Credentials --------------------------------------------------------------------------------


def issuer_profile(issuer):
    profile = {
        "@context": CONTEXTS,
        "id": url(reverse("certificates:badge_issuer")),
        "type": ["Profile"],
        "name": issuer.get("legal_name", settings.SOCLE_HUB_NAME)
        if issuer
        else settings.SOCLE_HUB_NAME,
        "url": settings.SOCLE_SITE_URL or "",
    }
    return profile


def subject_id(user):
    """A stable URI for the holder that reveals nothing about them."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SOCLE_SITE_URL}/personnes/{user.pk}").urn


def _identity(email):
    salt = uuid.uuid4().hex[:16]
    digest = hashlib.sha256(f"{email.strip().lower()}{salt}".encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def _achievement(kind_label, facts):
    if "session" in facts:
        name = facts["session"]["title"]
        criteria = f"{kind_label} : {facts['attended_hours']} suivies."
    elif "bloc" in facts:
        name = f"{facts['bloc']['code']} — {facts['bloc']['title']}"
        criteria = "Chaque compétence du bloc a atteint le niveau requis par le parcours."
    else:
        name = facts["pathway"]["title"]
        criteria = "Chaque bloc du parcours validé et les heures de formation atteintes."
    return {
        "id": url(f"/referentiels/#{uuid.uuid5(uuid.NAMESPACE_URL, name).hex}"),
        "type": ["Achievement"],
        "name": name,
        "description": kind_label,
        "criteria": {"narrative": criteria},
    }


def credential(*, kind_label, facts, holder, code, issued_at, valid_until, status_index):
    """The OpenBadgeCredential of an attestation, as plain data."""
    verify = url(reverse("certificates:verify", args=[code]))
    data = {
        "@context": CONTEXTS,
        "id": verify,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(facts.get("issuer")),
        "validFrom": issued_at.replace(microsecond=0).isoformat(),
        "name": f"{kind_label} — {facts['holder']['name']}",
        "credentialSubject": {
            "id": subject_id(holder),
            "type": ["AchievementSubject"],
            "identifier": [_identity(holder.email)],
            "achievement": _achievement(kind_label, facts),
        },
        "credentialStatus": [
            {
                "id": url(reverse("certificates:status_list", args=[purpose])) + f"#{status_index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(status_index),
                "statusListCredential": url(reverse("certificates:status_list", args=[purpose])),
            }
            for purpose in STATUS_PURPOSES
        ],
    }
    if valid_until is not None:
        data["validUntil"] = f"{valid_until.isoformat()}T23:59:59Z"
    return data


def sign(data, *, valid_from, valid_until=None, subject=None):
    """A compact VC-JWT: the credential's members with the registered claims the Open Badges 3.0
    JWT proof format requires (iss, jti, nbf, sub; exp when it expires)."""
    key = badge_key()
    claims = {
        **data,
        "iss": data["issuer"]["id"] if isinstance(data["issuer"], dict) else data["issuer"],
        "jti": data["id"],
        "nbf": int(valid_from.timestamp()),
    }
    if subject is not None:
        claims["sub"] = subject
    if valid_until is not None:
        claims["exp"] = int(valid_until.timestamp())
    return jwt.encode(
        claims, key.private_key, algorithm="RS256", headers={"kid": key_url(key.kid), "typ": "JWT"}
    )


# Status lists -------------------------------------------------------------------------------


def encoded_list(indexes, length=STATUS_LIST_BITS):
    """The W3C encodedList: GZIP of the bitstring (index 0 is the left-most bit), base64url,
    multibase prefix "u"."""
    size = max(length, ((max(indexes, default=0) // length) + 1) * length)
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def status_list_credential(purpose, indexes, *, issuer, now):
    """The BitstringStatusListCredential of one purpose, signed as a VC-JWT."""
    list_url = url(reverse("certificates:status_list", args=[purpose]))
    data = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile(issuer)["id"],
        "validFrom": now.replace(microsecond=0).isoformat(),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list(indexes),
        },
    }
    return sign(data, valid_from=now, subject=f"{list_url}#list")
