"""QR codes as inline SVG (segno), for the self-signing page a trainer shows during a slot."""

import segno


def qr_svg(url, *, scale=8, title=""):
    """An inline <svg> element encoding `url`, readable from a phone across a room."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=scale, border=2, title=title or None, dark="#1b1b3a")
