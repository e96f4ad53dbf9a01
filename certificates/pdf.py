"""Rendering attestations to PDF/A-3b with WeasyPrint, from versioned templates and the facts
stored with each attestation (never from live data)."""

import re

import segno
from django.conf import settings

from core import pdf as rendering

from .codes import display

# Characters XML 1.0 forbids. WeasyPrint copies the document's title (the holder's name) and
# author (the issuer) into the PDF/A's XMP metadata, which pyHanko parses again to seal the file:
# one such character in a name (U+FFFE passes the name checks, older rows predate them) made every
# attestation of that person, or of the whole hub, fail to issue. They print as nothing anyway.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def verification_url(code):
    return f"{settings.SOCLE_SITE_URL}/verifier/{code}/"


def qr_data_uri(url):
    """The QR code as an SVG data URI: vector, sharp when printed."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=1)


def render_html(*, template, kind_label, facts, issuer, serial, code, issued_at, key_id):
    url = verification_url(code)
    logo = issuer.get("logo") if issuer else ""
    context = {
        "kind_label": kind_label,
        "facts": facts,
        "issuer": issuer or {},
        "logo_url": (settings.MEDIA_ROOT / logo).as_uri() if logo else "",
        "serial": serial,
        "code_display": display(code),
        "verify_url": url,
        "qr_uri": qr_data_uri(url),
        "issued_at": issued_at,
        "key_id": key_id,
    }
    return NOT_XML.sub("", rendering.render_html(f"certificates/pdf/{template}.html", context))


def render_pdf(html, *, credential=None):
    """PDF/A-3b (PDF/A-1b and -2b would drop the attachment), tagged, every font embedded; the
    Open Badges credential, when given, is attached as an alternative form of the content."""
    from weasyprint import Attachment

    attachments = []
    if credential:
        attachments.append(
            Attachment(
                string=credential,
                name="open-badge-credential.jwt",
                description="Open Badges 3.0 OpenBadgeCredential (VC-JWT)",
                relationship="Alternative",
                url_fetcher=rendering.url_fetcher(),
            )
        )
    return rendering.write_pdf(html, pdf_variant="pdf/a-3b", attachments=attachments)
