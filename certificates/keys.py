"""The seal that signs attestations: the hub's PKCS#12 in production, development keys otherwise.

The seal is loaded once per process (pyHanko would otherwise re-read and re-parse the keys for
every document). Key material never leaves this module in a message or a log line: errors name
the file and what is wrong with it, never its content.
"""

import datetime
import fcntl
import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

logger = logging.getLogger(__name__)

DEV_CA_MARKER = "ne pas utiliser en production"
# "AC" (autorité de certification): the full wording exceeds the 64 characters a CN may hold.
DEV_CA_NAME = f"Socle — AC de développement ({DEV_CA_MARKER})"
DEV_CA_FILE = "dev-ca.cert.pem"
DEV_CA_KEY_FILE = "dev-ca.key.pem"
SEAL_FILE = "seal.cert.pem"
SEAL_KEY_FILE = "seal.key.pem"
SEAL_PKCS12_FILE = "seal.p12"
CA_VALIDITY = datetime.timedelta(days=10 * 365)
SEAL_VALIDITY = datetime.timedelta(days=3 * 365)


class SealError(ImproperlyConfigured):
    """The seal cannot be loaded; the message is safe to show (no key material)."""


@dataclass(frozen=True)
class Seal:
    signer: signers.SimpleSigner
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...]  # issuers, nearest first, up to the root if known
    key_id: str

    @property
    def root(self) -> asn1_x509.Certificate:
        return self.chain[-1] if self.chain else self.certificate

    @property
    def development(self) -> bool:
        return is_dev_certificate(self.certificate)

    @property
    def not_valid_after(self) -> datetime.datetime:
        return self.certificate.not_valid_after


def _as_asn1(cert) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def key_id_of(cert) -> str:
    """First 16 hex digits of the SHA-256 of the certificate's DER SubjectPublicKeyInfo."""
    spki = _as_asn1(cert).public_key.dump()
    return hashlib.sha256(spki).hexdigest()[:16]


def is_dev_certificate(cert) -> bool:
    """Issued by (or being) a Socle development CA, whichever machine generated it."""
    issuer = _as_asn1(cert).issuer.native
    return DEV_CA_MARKER in str(issuer.get("common_name", ""))


def production_keys_required() -> bool:
    return settings.SOCLE_REQUIRE_PRODUCTION_KEYS and not settings.DEBUG


# Generation ------------------------------------------------------------------------------------


def _name(common_name, organisation=None):
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(attributes)


def _issue_pair(*, ca_name, holder_name, valid_from=None, valid_until=None):
    """A self-signed CA and a seal certificate it issues (ECDSA P-256), as cryptography objects."""
    now = datetime.datetime.now(datetime.UTC)
    # A minute of slack so a freshly generated seal is valid on a machine whose clock lags a bit.
    not_before = valid_from or now - datetime.timedelta(minutes=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_subject = _name(ca_name)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_subject)
        .issuer_name(ca_subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(valid_until or not_before + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(holder_name, holder_name))
        .issuer_name(ca_subject)
        .public_key(seal_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(valid_until or not_before + SEAL_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation, which PDF validators expect
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(seal_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return ca_key, ca_cert, seal_key, seal_cert


def _pkcs12_bytes(seal_key, seal_cert, ca_cert, passphrase=None):
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        b"seal", seal_key, seal_cert, [ca_cert], encryption
    )


def _write_private(path: Path, data: bytes):
    """Write a 0600 file atomically: a reader never sees half a key."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def issue_throwaway_pkcs12(
    path, *, ca_name, holder_name, passphrase=None, valid_from=None, valid_until=None
) -> Path:
    """A PKCS#12 with a fresh CA and seal, for tests and rehearsals (never for real attestations:
    its CA is trusted by nothing)."""
    path = Path(path)
    _, ca_cert, seal_key, seal_cert = _issue_pair(
        ca_name=ca_name, holder_name=holder_name, valid_from=valid_from, valid_until=valid_until
    )
    _write_private(path, _pkcs12_bytes(seal_key, seal_cert, ca_cert, passphrase))
    return path


def ensure_dev_keys(keys_dir) -> Path:
    """Generate the development CA and seal in keys_dir unless already there; return the
    PKCS#12's path. Safe when the web process and the task worker start together."""
    keys_dir = Path(keys_dir)
    p12_path = keys_dir / SEAL_PKCS12_FILE
    if p12_path.exists():
        return p12_path
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    lock = os.open(keys_dir / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if p12_path.exists():  # another process generated them while we waited
            return p12_path
        ca_key, ca_cert, seal_key, seal_cert = _issue_pair(
            ca_name=DEV_CA_NAME, holder_name=settings.SOCLE_HUB_NAME
        )
        pem = serialization.Encoding.PEM
        pkcs8 = serialization.PrivateFormat.PKCS8
        no_encryption = serialization.NoEncryption()
        _write_private(keys_dir / DEV_CA_FILE, ca_cert.public_bytes(pem))
        # The CA key is kept so the seal can be reissued under the same root when it expires.
        _write_private(keys_dir / DEV_CA_KEY_FILE, ca_key.private_bytes(pem, pkcs8, no_encryption))
        _write_private(keys_dir / SEAL_FILE, seal_cert.public_bytes(pem))
        _write_private(keys_dir / SEAL_KEY_FILE, seal_key.private_bytes(pem, pkcs8, no_encryption))
        # Written last: its presence means the set is complete.
        _write_private(p12_path, _pkcs12_bytes(seal_key, seal_cert, ca_cert))
    finally:
        os.close(lock)  # releases the lock
    logger.info(
        "Development seal generated in %s (key id %s): attestations signed with it prove nothing.",
        keys_dir,
        key_id_of(seal_cert),
    )
    return p12_path


# Loading ---------------------------------------------------------------------------------------


def _chain_for(cert: x509.Certificate, others: list[x509.Certificate]):
    """Issuers of cert found among others, nearest first, stopping at a self-signed one."""
    chain, current, remaining = [], cert, list(others)
    while current.issuer != current.subject:
        issuer = next((c for c in remaining if c.subject == current.issuer), None)
        if issuer is None:
            break
        chain.append(issuer)
        remaining.remove(issuer)
        current = issuer
    return chain


def load_pkcs12(path, passphrase=None) -> Seal:
    """Load a seal from a PKCS#12 file; SealError (without key material) when it cannot."""
    path = Path(path)
    if isinstance(passphrase, str):
        passphrase = passphrase.encode() if passphrase else None
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SealError(f"{path} cannot be read ({error.strerror or 'error'}).") from None
    try:
        private_key, cert, others = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError):
        # cryptography says "Invalid password or PKCS12 data" for both; so do we.
        raise SealError(f"{path} is not a PKCS#12 file or the passphrase is wrong.") from None
    if private_key is None or cert is None:
        raise SealError(f"{path} must hold the seal's private key and its certificate.")
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if private_key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
        raise SealError(f"{path}: the private key does not match the certificate.")
    chain = _chain_for(cert, list(others))
    asn1_cert = _as_asn1(cert)
    asn1_chain = tuple(_as_asn1(c) for c in chain)
    key_info = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=asn1_cert,
        signing_key=key_info,
        # Every certificate of the file is embedded, so validators can rebuild the path.
        cert_registry=SimpleCertificateStore.from_certs([_as_asn1(c) for c in others]),
    )
    return Seal(signer=signer, certificate=asn1_cert, chain=asn1_chain, key_id=key_id_of(cert))


def _load_configured() -> Seal:
    if settings.SOCLE_SEAL_PKCS12:
        loaded = load_pkcs12(settings.SOCLE_SEAL_PKCS12, settings.SOCLE_SEAL_PASSPHRASE)
        if loaded.development and production_keys_required():
            raise SealError("SOCLE_SEAL_PKCS12 holds a development certificate.")
        return loaded
    if production_keys_required():
        # The system check says so at startup; this also covers servers that skip checks.
        raise SealError("SOCLE_SEAL_PKCS12 is not set: production never signs with dev keys.")
    return load_pkcs12(ensure_dev_keys(settings.SOCLE_KEYS_DIR))


_lock = threading.Lock()
_cache: tuple[tuple, Seal] | None = None


def seal() -> Seal:
    """The configured seal, loaded once per process (again when its settings change)."""
    global _cache
    config = (
        settings.SOCLE_SEAL_PKCS12,
        settings.SOCLE_SEAL_PASSPHRASE,
        str(settings.SOCLE_KEYS_DIR),
        production_keys_required(),
    )
    cached = _cache
    if cached is not None and cached[0] == config:
        return cached[1]
    with _lock:
        if _cache is None or _cache[0] != config:
            _cache = (config, _load_configured())
        return _cache[1]


def reset_seal_cache():
    global _cache
    with _lock:
        _cache = None


def trust_roots() -> list[asn1_x509.Certificate]:
    """What verification trusts: the root of the configured seal's chain (the development CA in
    development, the top certificate of the PKCS#12 in production)."""
    return [seal().root]
