import datetime
import os
import shutil
import stat
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
import weasyprint
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core import checks as django_checks
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.timestamps import DummyTimeStamper

from certificates import keys, signing
from certificates.checks import seal_keys_check

PASSPHRASE = "phrase-de-passe-du-sceau"


@pytest.fixture(autouse=True)
def keys_dir(settings, tmp_path):
    settings.SOCLE_KEYS_DIR = tmp_path / "keys"
    settings.SOCLE_SEAL_PKCS12 = ""
    settings.SOCLE_SEAL_PASSPHRASE = ""
    settings.SOCLE_TSA_URL = ""
    settings.SOCLE_REQUIRE_PRODUCTION_KEYS = False
    keys.reset_seal_cache()
    yield settings.SOCLE_KEYS_DIR
    keys.reset_seal_cache()


@pytest.fixture(scope="module")
def pdf():
    return weasyprint.HTML(string="<p>Attestation</p>").write_pdf()


@pytest.fixture
def signed(pdf):
    return signing.sign_pdf(pdf, reason="Attestation de fin de formation", location="Lille")


def _throwaway(tmp_path, **kwargs):
    """A PKCS#12 whose CA has nothing to do with the development one."""
    return keys.issue_throwaway_pkcs12(
        tmp_path / "other.p12",
        ca_name="Autorité sans rapport",
        holder_name="Un autre émetteur",
        **kwargs,
    )


def _signed_ranges(data):
    """The two byte ranges the signature covers, read from its /ByteRange."""
    start = data.rindex(b"/ByteRange")
    numbers = data[start : start + 80].split(b"[", 1)[1].split(b"]", 1)[0].split()
    a, b, c, d = (int(n) for n in numbers)
    return (a, a + b), (c, c + d)


def _flip(data, offset):
    changed = bytearray(data)
    changed[offset] ^= 0x01
    return bytes(changed)


# Keys ------------------------------------------------------------------------------------------


def test_dev_keys_are_generated_once_then_reused(keys_dir, settings):
    first = keys.seal()
    p12 = (keys_dir / keys.SEAL_PKCS12_FILE).read_bytes()

    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    for name in (
        keys.DEV_CA_FILE,
        keys.DEV_CA_KEY_FILE,
        keys.SEAL_FILE,
        keys.SEAL_KEY_FILE,
        keys.SEAL_PKCS12_FILE,
    ):
        assert stat.S_IMODE((keys_dir / name).stat().st_mode) == 0o600, name

    keys.reset_seal_cache()
    second = keys.seal()
    assert second is not first  # really reloaded, from the same files
    assert second.key_id == first.key_id
    assert keys.ensure_dev_keys(keys_dir) == keys_dir / keys.SEAL_PKCS12_FILE
    assert (keys_dir / keys.SEAL_PKCS12_FILE).read_bytes() == p12
    assert keys.seal() is second  # cached per process


def test_dev_seal_is_issued_by_the_marked_development_ca(settings):
    current = keys.seal()
    cert = current.certificate

    assert cert.subject.native["common_name"] == settings.SOCLE_HUB_NAME
    assert cert.subject.native["organization_name"] == settings.SOCLE_HUB_NAME
    assert "ne pas utiliser en production" in cert.issuer.native["common_name"]
    assert keys.is_dev_certificate(cert)
    assert set(cert.key_usage_value.native) == {"digital_signature", "non_repudiation"}
    assert cert.public_key.algorithm == "ec"
    assert cert.public_key.curve[1] == "secp256r1"
    lifetime = cert.not_valid_after - cert.not_valid_before
    assert datetime.timedelta(days=3 * 365) <= lifetime <= datetime.timedelta(days=3 * 366)
    assert keys.trust_roots() == [current.root]
    assert current.root.ca and current.root.self_issued
    assert len(current.key_id) == 16
    int(current.key_id, 16)


def test_a_configured_pkcs12_is_loaded_and_trusted(settings, tmp_path):
    settings.SOCLE_SEAL_PKCS12 = str(_throwaway(tmp_path, passphrase=PASSPHRASE.encode()))
    settings.SOCLE_SEAL_PASSPHRASE = PASSPHRASE

    current = keys.seal()

    assert not current.development
    assert current.certificate.subject.native["common_name"] == "Un autre émetteur"
    assert keys.trust_roots()[0].subject.native["common_name"] == "Autorité sans rapport"
    assert not (settings.SOCLE_KEYS_DIR / keys.SEAL_PKCS12_FILE).exists()


def test_production_never_generates_development_keys(settings):
    settings.SOCLE_REQUIRE_PRODUCTION_KEYS = True

    with pytest.raises(ImproperlyConfigured):
        keys.seal()
    assert not (settings.SOCLE_KEYS_DIR / keys.SEAL_PKCS12_FILE).exists()


# Signing and verifying -------------------------------------------------------------------------


def test_a_signed_pdf_verifies_as_valid_with_the_seal_key_id(signed):
    result = signing.verify_pdf(signed)

    assert result.status == signing.VALID, result.message_en
    assert result.is_valid
    assert result.key_id == keys.seal().key_id
    assert abs(result.signed_at - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(
        minutes=5
    )
    assert result.development_key
    assert "valide" in result.message
    assert "valid" in result.message_en


def test_pdfsig_finds_the_signature_valid(signed, tmp_path):
    if shutil.which("pdfsig") is None:
        if os.environ.get("CI"):
            pytest.fail("pdfsig (poppler-utils) is required in CI: scripts/setup.sh --browser")
        pytest.skip("pdfsig (poppler-utils) is not installed")
    path = tmp_path / "attestation.pdf"
    path.write_bytes(signed)

    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)

    assert "Signature is Valid." in result.stdout, result.stdout + result.stderr
    assert "Total document signed" in result.stdout
    assert "ETSI.CAdES.detached" in result.stdout  # PAdES, not the legacy adbe.pkcs7 format


def test_a_byte_changed_in_the_signed_content_is_tampering(signed):
    (first_start, first_end), _ = _signed_ranges(signed)
    # Inside the first stream's data: the file still parses, only its digest differs.
    offset = signed.index(b"stream", first_start, first_end) + 20
    assert offset < first_end

    result = signing.verify_pdf(_flip(signed, offset))

    assert result.status == signing.TAMPERED
    assert result.key_id is None
    assert result.signed_at is None


def test_no_changed_byte_anywhere_passes(signed):
    (a, b), (c, d) = _signed_ranges(signed)
    offsets = [*range(a, b, max(1, (b - a) // 12)), *range(c, d, max(1, (d - c) // 6))]
    # The signature value itself, between the two ranges.
    offsets.append((b + c) // 2)

    for offset in offsets:
        assert signing.verify_pdf(_flip(signed, offset)).status != signing.VALID, offset


def test_bytes_appended_after_signing_are_tampering(signed):
    assert signing.verify_pdf(signed + b"\n% ajout\n").status == signing.TAMPERED


def test_an_incremental_update_after_signing_is_tampering(signed):
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    writer.trailer["/Info"] = writer.add_object(
        generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("Faux")})
    )
    output = BytesIO()
    writer.write(output)
    updated = output.getvalue()
    assert updated.startswith(signed)

    assert signing.verify_pdf(updated).status == signing.TAMPERED


def test_a_pdf_signed_by_an_unrelated_key_is_untrusted(settings, tmp_path, pdf):
    settings.SOCLE_SEAL_PKCS12 = str(_throwaway(tmp_path))
    foreign = signing.sign_pdf(pdf, reason="Attestation")
    foreign_key_id = keys.seal().key_id
    settings.SOCLE_SEAL_PKCS12 = ""  # back to the development seal

    result = signing.verify_pdf(foreign)

    assert foreign_key_id != keys.seal().key_id
    assert result.status == signing.UNTRUSTED
    assert result.key_id == foreign_key_id
    assert not result.is_valid


def test_a_pdf_signed_by_another_development_ca_is_untrusted(settings, tmp_path, pdf):
    settings.SOCLE_KEYS_DIR = tmp_path / "other-machine"
    foreign = signing.sign_pdf(pdf, reason="Attestation")
    settings.SOCLE_KEYS_DIR = tmp_path / "keys"

    assert signing.verify_pdf(foreign).status == signing.UNTRUSTED


def test_an_expired_seal_refuses_to_sign(settings, tmp_path, pdf):
    now = datetime.datetime.now(datetime.UTC)
    settings.SOCLE_SEAL_PKCS12 = str(
        _throwaway(
            tmp_path,
            valid_from=now - datetime.timedelta(days=800),
            valid_until=now - datetime.timedelta(days=1),
        )
    )

    with pytest.raises(ImproperlyConfigured, match="expired"):
        signing.sign_pdf(pdf, reason="Attestation")


def test_an_unsigned_pdf_is_unsigned(pdf):
    result = signing.verify_pdf(pdf)

    assert result.status == signing.UNSIGNED
    assert result.key_id is None


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\nrien de plus", b"\x00" * 2048])
def test_what_is_not_a_pdf_is_not_pdf(data):
    result = signing.verify_pdf(data)

    assert result.status == signing.NOT_PDF
    assert result.message and result.message_en


def test_a_truncated_signed_pdf_is_not_valid(signed):
    for length in (len(signed) // 4, len(signed) // 2, len(signed) - 30):
        assert signing.verify_pdf(signed[:length]).status in {signing.NOT_PDF, signing.TAMPERED}


def _tsa(ca_key, ca_cert):
    """A time-stamping certificate issued by ca (cryptography objects) -> DummyTimeStamper."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's dummy: RSA
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Horodatage de test")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    fixed = now.replace(microsecond=0) - datetime.timedelta(seconds=30)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        certs_to_embed=[asn1_x509.Certificate.load(ca_cert.public_bytes(der))],
        fixed_dt=fixed,
    )
    return stamper, fixed


def test_with_a_time_stamp_server_the_signature_is_time_stamped(
    settings, monkeypatch, keys_dir, pdf
):
    keys.seal()  # the development CA, which the test TSA chains to
    ca_key = serialization.load_pem_private_key(
        (keys_dir / keys.DEV_CA_KEY_FILE).read_bytes(), None
    )
    ca_cert = x509.load_pem_x509_certificate((keys_dir / keys.DEV_CA_FILE).read_bytes())
    stamper, stamped_at = _tsa(ca_key, ca_cert)
    urls = []
    monkeypatch.setattr(signing, "HTTPTimeStamper", lambda url: urls.append(url) or stamper)
    settings.SOCLE_TSA_URL = "http://horodatage.invalid/tsa"

    result = signing.verify_pdf(signing.sign_pdf(pdf, reason="Attestation"))

    assert urls == ["http://horodatage.invalid/tsa"]
    assert result.status == signing.VALID, result.message_en
    assert result.signed_at == stamped_at


# System check ----------------------------------------------------------------------------------


def _ids(messages):
    return [message.id for message in messages]


def test_production_without_a_pkcs12_fails_the_check(settings):
    settings.SOCLE_REQUIRE_PRODUCTION_KEYS = True

    assert _ids(seal_keys_check()) == ["socle.E001"]
    # Registered with Django, so `manage.py check` and every command run it.
    assert "socle.E001" in _ids(django_checks.run_checks(tags=[django_checks.Tags.security]))


def test_every_command_refuses_production_without_a_pkcs12(tmp_path):
    # Another process, so the check must come from the app's registration, not this import.
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SOCLE_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env={
            **kept,
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "socle.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "socle.E001" in result.stderr


def test_the_check_is_off_in_development_and_tests(settings):
    assert seal_keys_check() == []
    settings.SOCLE_REQUIRE_PRODUCTION_KEYS = True
    settings.DEBUG = True
    assert seal_keys_check() == []


def test_production_with_a_valid_pkcs12_passes_the_check(settings, tmp_path):
    settings.SOCLE_REQUIRE_PRODUCTION_KEYS = True
    settings.SOCLE_SEAL_PKCS12 = str(_throwaway(tmp_path, passphrase=PASSPHRASE.encode()))
    settings.SOCLE_SEAL_PASSPHRASE = PASSPHRASE

    assert seal_keys_check() == []


def test_unusable_pkcs12_files_fail_the_check_without_showing_keys(settings, tmp_path, keys_dir):
    settings.SOCLE_REQUIRE_PRODUCTION_KEYS = True
    protected = str(_throwaway(tmp_path, passphrase=PASSPHRASE.encode()))
    keys.ensure_dev_keys(keys_dir)
    garbage = tmp_path / "garbage.p12"
    garbage.write_bytes(os.urandom(512))
    cases = [
        (protected, "une-autre-phrase"),  # wrong passphrase
        (protected, ""),  # passphrase missing
        (str(tmp_path / "absent.p12"), PASSPHRASE),
        (str(garbage), PASSPHRASE),
        (str(keys_dir / keys.SEAL_PKCS12_FILE), ""),  # development keys under another name
    ]
    secrets = [PASSPHRASE, "une-autre-phrase", "PRIVATE KEY"]
    for name in (keys.SEAL_KEY_FILE, keys.DEV_CA_KEY_FILE):
        pem_lines = (keys_dir / name).read_text().splitlines()[1:-1]
        secrets += [line for line in pem_lines if len(line) > 16]

    for path, passphrase in cases:
        settings.SOCLE_SEAL_PKCS12 = path
        settings.SOCLE_SEAL_PASSPHRASE = passphrase
        messages = seal_keys_check()
        assert _ids(messages) == ["socle.E001"], (path, passphrase)
        text = " ".join(f"{message.msg} {message.hint}" for message in messages)
        assert "development keys" in text
        for secret in secrets:
            assert secret not in text


def test_an_expired_seal_certificate_fails_the_check(settings, tmp_path):
    settings.SOCLE_REQUIRE_PRODUCTION_KEYS = True
    now = datetime.datetime.now(datetime.UTC)
    settings.SOCLE_SEAL_PKCS12 = str(
        _throwaway(
            tmp_path,
            valid_from=now - datetime.timedelta(days=800),
            valid_until=now - datetime.timedelta(days=1),
        )
    )

    assert _ids(seal_keys_check()) == ["socle.E002"]


def test_sha256_hex():
    assert signing.sha256_hex(b"") == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
