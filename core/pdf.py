"""One way to render Socle's printable documents with WeasyPrint: a template rendered in the
site's language (dates through date_format, never hand-written month names), laid out with one
FontConfiguration per process (a new one per document leaks memory)."""

import functools

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


@functools.cache
def font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_html(template, context):
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, context)


def layout(html):
    """The laid-out document (pages and boxes), e.g. to read text positions in tests."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=font_config())


def write_pdf(html, *, pdf_variant=None, attachments=()):
    from weasyprint import HTML

    options = {"font_config": font_config(), "pdf_tags": True}
    if pdf_variant:
        options["pdf_variant"] = pdf_variant
    if attachments:
        options["attachments"] = list(attachments)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(**options)
