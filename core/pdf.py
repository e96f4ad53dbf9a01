"""One way to render Socle's printable documents with WeasyPrint: a template rendered in the
site's language (dates through date_format, never hand-written month names), laid out with one
FontConfiguration per process (a new one per document leaks memory)."""

import functools
import threading

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


@functools.cache
def font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


_per_thread = threading.local()

# What a document may load: files (the issuer's logo) and data: URIs (QR codes). Never the
# network: a document cannot make the server fetch an address.
ALLOWED_PROTOCOLS = ("file", "data")


def url_fetcher():
    """WeasyPrint's fetcher, one per thread and kept: building one loads the system's CA
    certificates, which took 17 ms of each attestation's 127 (one fetcher is not thread-safe)."""
    fetcher = getattr(_per_thread, "url_fetcher", None)
    if fetcher is None:
        from weasyprint.urls import URLFetcher

        fetcher = _per_thread.url_fetcher = URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS)
    return fetcher


def document(html):
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=url_fetcher())


def render_html(template, context):
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, context)


def layout(html):
    """The laid-out document (pages and boxes), e.g. to read text positions in tests."""
    return document(html).render(font_config=font_config())


def write_pdf(html, *, pdf_variant=None, attachments=()):
    options = {"font_config": font_config(), "pdf_tags": True}
    if pdf_variant:
        options["pdf_variant"] = pdf_variant
    if attachments:
        options["attachments"] = list(attachments)
    return document(html).write_pdf(**options)
