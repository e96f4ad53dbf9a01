"""PAdES signatures of attestation PDFs (pyHanko): sign once at issue, verify any uploaded file.

Both pyHanko entry points run their own event loop (asyncio.run); when the calling thread
already runs one, they are run in a helper thread.
"""

import asyncio
import concurrent.futures
import datetime
import hashlib
import logging
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from . import keys

logger = logging.getLogger(__name__)

VALID = "valid"
TAMPERED = "tampered"
UNTRUSTED = "untrusted"
UNSIGNED = "unsigned"
NOT_PDF = "not_pdf"

# (French for the public verification page, English for the translated page and logs.)
MESSAGES = {
    VALID: (
        "La signature électronique est valide : le document est intact depuis que l'émetteur "
        "l'a signé.",
        "The electronic signature is valid: the document is unchanged since the issuer signed it.",
    ),
    TAMPERED: (
        "Le document a été modifié après sa signature : il ne fait pas foi.",
        "The document was modified after it was signed: it cannot be relied on.",
    ),
    UNTRUSTED: (
        "Le document est signé, mais pas par une clé reconnue de l'émetteur (ou son certificat "
        "n'est plus valide) : il ne fait pas foi.",
        "The document is signed, but not with a key the issuer recognises (or its certificate "
        "is no longer valid): it cannot be relied on.",
    ),
    UNSIGNED: (
        "Ce PDF ne porte pas de signature électronique : ce n'est pas une attestation émise "
        "par cette plateforme.",
        "This PDF has no electronic signature: it is not an attestation issued by this platform.",
    ),
    NOT_PDF: (
        "Ce fichier n'est pas un PDF lisible (il est peut-être incomplet ou endommagé).",
        "This file is not a readable PDF (it may be incomplete or damaged).",
    ),
}
DEVELOPMENT_NOTE = (
    " Attention : il a été signé avec une clé de développement, sans valeur probante.",
    " Warning: it was signed with a development key and proves nothing.",
)


@dataclass(frozen=True)
class SignatureCheck:
    status: str
    key_id: str | None
    signed_at: datetime.datetime | None
    message: str
    message_en: str
    development_key: bool = False

    @property
    def is_valid(self) -> bool:
        return self.status == VALID


def _check(status, *, key_id=None, signed_at=None, development_key=False) -> SignatureCheck:
    message, message_en = MESSAGES[status]
    if development_key and status == VALID:
        message, message_en = message + DEVELOPMENT_NOTE[0], message_en + DEVELOPMENT_NOTE[1]
    return SignatureCheck(
        status=status,
        key_id=key_id,
        signed_at=signed_at,
        message=message,
        message_en=message_en,
        development_key=development_key,
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign_pdf(pdf_bytes: bytes, *, reason: str, location: str = "") -> bytes:
    """The PDF with an invisible PAdES signature by the seal: B-B, or B-T when SOCLE_TSA_URL is
    set. Each call gives different bytes (ECDSA, signing time): sign once, store the result and
    serve the stored bytes."""
    seal = keys.seal()
    # A long-running worker keeps its cached seal past expiry: refuse rather than issue
    # documents that would never verify.
    if seal.not_valid_after <= datetime.datetime.now(datetime.UTC):
        raise keys.SealError(
            f"The seal certificate expired on {seal.not_valid_after:%Y-%m-%d}: renew it "
            "(SOCLE_SEAL_PKCS12), or delete SOCLE_KEYS_DIR in development."
        )
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location or None,
    )
    timestamper = HTTPTimeStamper(settings.SOCLE_TSA_URL) if settings.SOCLE_TSA_URL else None
    pdf_signer = signers.PdfSigner(metadata, signer=seal.signer, timestamper=timestamper)
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
    return _outside_event_loop(lambda: pdf_signer.sign_pdf(writer).getvalue())


def _outside_event_loop(call):
    """pyHanko runs asyncio.run(): from a thread that already runs an event loop (an async view,
    a browser test), do it in a helper thread instead of failing."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def verify_pdf(data: bytes) -> SignatureCheck:
    """Judge an uploaded file. Never raises on bad input: the file comes from anyone."""
    if b"%PDF-" not in data[:1024]:  # where PDF readers look for the header
        return _check(NOT_PDF)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = reader.embedded_signatures
    except Exception as error:  # any parser failure means "unreadable"
        logger.info("Uploaded PDF unreadable: %s", error.__class__.__name__)
        return _check(NOT_PDF)
    if not embedded:
        return _check(UNSIGNED)
    # Attestations carry exactly one signature; a second one is a later revision, which the
    # coverage check below rejects.
    signature = embedded[0]
    roots = keys.trust_roots()
    try:
        status = _outside_event_loop(
            lambda: validate_pdf_signature(
                signature,
                signer_validation_context=ValidationContext(
                    trust_roots=roots, allow_fetching=False
                ),
                # Anything after the signed revision is refused below, so no diff analysis.
                skip_diff=True,
            )
        )
    except Exception as error:  # malformed signature data, from anyone
        logger.info("Uploaded PDF signature unreadable: %s", error.__class__.__name__)
        return _check(TAMPERED)

    timestamp = status.timestamp_validity
    # The time-stamp token sits outside what the seal signs: a broken one means tampering,
    # while its issuer's trust is a matter for TSA roots Socle does not configure.
    timestamp_ok = timestamp is None or (timestamp.intact and timestamp.valid)
    if not (
        status.intact
        and status.valid
        and timestamp_ok
        and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    ):
        return _check(TAMPERED)
    key_id = keys.key_id_of(status.signing_cert)
    # /M of the signature dictionary, covered by the seal's signature (PAdES has no signing-time
    # attribute); the time-stamp's time when one is present and trusted.
    signed_at = status.signer_reported_dt
    if timestamp is not None and timestamp.trusted:
        signed_at = timestamp.timestamp
    return _check(
        VALID if status.trusted else UNTRUSTED,
        key_id=key_id,
        signed_at=signed_at,
        development_key=keys.is_dev_certificate(status.signing_cert),
    )
