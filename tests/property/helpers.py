"""What the property tests share: hostile text and files, a rolled-back savepoint per example,
raw multipart bodies (the test client would strip a file name's folders), row counts and the
escaping check."""

import contextlib
import io
import os
import uuid
import zipfile

from django.db import transaction
from hypothesis import Phase, event, settings
from hypothesis import strategies as st

# Payloads the security issue names, and their cousins.
SCRIPT = "<script>alert(1)</script>"
HTML_PAYLOADS = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(2)</script>",
    '<a href="javascript:alert(3)">x</a>',
]
OTHER_PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.test","x")',
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "\t=1+1",
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "{{ 7|add:7 }}{% now 'Y' %}",
    "%(name)s %s %d {0} ${x}",
    "'; DROP TABLE accounts_user; --",
    "\u202egnp.exe",
    "\ufeff\u200b\u200d",
    "𝕊𝕠𝕔𝕝𝕖 😀 👩🏽‍💻",
    "ﷺ עברית العربية",
    "\x00",
    "\r\n\r\n",
    "\x1b[31m",
]
PAYLOADS = HTML_PAYLOADS + OTHER_PAYLOADS
CONTROL_CHARS = [chr(c) for c in range(32)] + [
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\u200e",
    "\u202a",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ufffe",
    "\uffff",
]

# Any code point but lone surrogates (which no UTF-8 request can carry).
UNICODE = st.characters(exclude_categories=("Cs",))
ANY_CHAR = st.one_of(UNICODE, st.sampled_from(CONTROL_CHARS))


def long_text(min_size=1_000, max_size=20_000):
    """Very long strings, cheap to generate: one character (or a payload) repeated."""
    return st.builds(
        lambda unit, n: (unit * n)[:n],
        st.sampled_from(["a", "é", "<", "😀", "\u202e", " ", "x" * 7 + ";", SCRIPT]),
        st.integers(min_size, max_size),
    )


def hostile_text(max_size=200, *, long=True):
    """Random Unicode, control characters, payloads wrapped in random text, very long strings."""
    parts = [
        st.text(UNICODE, max_size=max_size),
        st.text(ANY_CHAR, max_size=max_size),
        st.sampled_from(PAYLOADS),
        st.builds(
            lambda before, payload, after: before + payload + after,
            st.text(ANY_CHAR, max_size=12),
            st.sampled_from(PAYLOADS),
            st.text(ANY_CHAR, max_size=12),
        ),
    ]
    if long:
        parts.append(long_text())
    return st.one_of(*parts)


def plausible_text(max_size=60):
    """Text that a form is likely to accept (one line, no NUL) with a payload inside, so that
    the accepted path and the page showing it are exercised too."""
    return st.builds(
        lambda before, payload, after: (before + payload + after).strip() or "x",
        st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12),
        st.sampled_from(PAYLOADS[:11] + PAYLOADS[11:14]),
        st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12),
    ).filter(lambda text: len(text) <= max_size)


def maybe_hostile(max_size=200):
    """Mostly payload-bearing but acceptable text, sometimes anything hostile."""
    return st.one_of(plausible_text(), hostile_text(max_size))


# Ids as posted by hand: past 64 bits, negative, and digits that str.isdigit() accepts but int()
# refuses ("²", "⑦") or reads ("٣", "８").
ODD_IDS = ["9" * 25, "-1", "0", "²", "⑦", "٣", "８", "1.0", " 7 ", "0x1F", "1_000"]


def ids(max_size=20):
    return st.one_of(st.sampled_from(ODD_IDS), hostile_text(max_size=max_size, long=False))


FILENAMES = st.one_of(
    st.sampled_from(
        [
            "../../etc/passwd",
            "..\\..\\..\\windows\\system32\\config\\sam",
            "/etc/passwd",
            "....//....//etc/passwd.csv",
            "%2e%2e%2f%2e%2e%2fetc%2fpasswd.csv",
            "..",
            ".",
            "",
            ".csv",
            "fichier.csv.exe",
            "fichier.exe.csv",
            "<script>alert(1)</script>.csv",
            "\u202egnp.exe.csv",
            "con.csv",
            "nul.pdf",
            "x" * 300 + ".csv",
            "é" * 120 + ".xlsx",
            "justificatif-" + "x" * 150 + ".pdf",
            "é" * 90 + ".png",
            "..%00.pdf",
            "fichier.CSV",
            "fichier.XlSx",
            "fichier.json",
            "fichier.pdf",
            "image.png",
            "page.html",
            "script.svg",
        ]
    ),
    st.text(UNICODE.filter(lambda c: c not in '"\r\n\\'), max_size=80),
    st.builds(
        lambda stem, ext: stem + ext,
        st.text(UNICODE.filter(lambda c: c not in '"\r\n\\'), max_size=30),
        st.sampled_from([".csv", ".xlsx", ".json", ".txt", ".pdf", ".png", ".jpg", ".exe"]),
    ),
)
CONTENT_TYPES = st.sampled_from(
    [
        "text/csv",
        "application/octet-stream",
        "application/pdf",
        "application/json",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/html",
        "image/svg+xml",
        "image/png",
        "application/x-msdownload",
        "application/zip",
        "multipart/form-data",
        "text/plain; charset=utf-16",
        "",
    ]
)


def _zip_bytes(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return out.getvalue()


GARBAGE = st.one_of(
    st.binary(max_size=2_000),
    st.sampled_from(
        [
            b"",
            b"\x00" * 1000,
            b"\xef\xbb\xbf",
            b"\xff\xfe" + "email\r\n".encode("utf-16-le"),
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF",
            b"%PDF-",
            b"PK\x03\x04" + b"\x00" * 100,
            b"PK\x05\x06" + b"\x00" * 18,
            b"<html><body><script>alert(1)</script></body></html>",
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
            b"GIF89a<script>alert(1)</script>",
            b"MZ\x90\x00" + b"\x00" * 60,
            b"[" * 5000,
            b'{"a": ' * 3000,
            _zip_bytes([("../../evil.txt", b"x"), ("[Content_Types].xml", b"<Types/>")]),
            _zip_bytes([("xl/workbook.xml", b"<workbook/>")]),
        ]
    ),
)


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def isolated():
    """Run one example inside a savepoint that is always rolled back: the next example sees the
    test's fixtures as they were (rows, rate-limit counters in the database cache...)."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def counts(*models):
    return {model.__name__: model.objects.count() for model in models}


def assert_escaped(body, *values):
    """No HTML payload held by `values` comes back raw in the page."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    for value in values:
        for payload in HTML_PAYLOADS:
            if payload in str(value):
                assert payload not in body, f"{payload!r} is not escaped"


def multipart(fields=(), files=()):
    """A raw multipart/form-data body: `fields` (name, value) pairs and `files`
    (name, filename, content type, bytes). File names go out exactly as given (the test client
    would keep only their last part). Returns (body, content_type) for client.post."""
    boundary = f"----socle{uuid.uuid4().hex}"
    lines = []
    if isinstance(fields, dict):
        fields = list(fields.items())
    for name, value in fields:
        values = value if isinstance(value, list | tuple) else [value]
        for one in values:
            lines += [
                f"--{boundary}".encode(),
                f'Content-Disposition: form-data; name="{name}"'.encode(),
                b"",
                str(one).encode("utf-8"),
            ]
    for name, filename, content_type, data in files:
        safe_name = filename.replace("\\", "\\\\").replace('"', '\\"')
        safe_name = safe_name.replace("\r", "").replace("\n", "")
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"; filename="{safe_name}"'.encode(),
        ]
        if content_type:
            lines.append(f"Content-Type: {content_type}".encode())
        lines += [b"", data]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


def post_multipart(client, url, fields=(), files=(), **extra):
    body, content_type = multipart(fields, files)
    return client.post(url, data=body, content_type=content_type, **extra)


def slow(n):
    """Settings for a slow test (PDF rendering, whole exports): `n` examples by default, sixteen
    times as many under HYPOTHESIS_PROFILE=long."""
    long = os.environ.get("HYPOTHESIS_PROFILE") == "long"
    # No shrinking: each example costs seconds, and the failing one is printed as it is.
    return settings(
        max_examples=n * 16 if long else n,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
    )


def media_files(root):
    """Every file under MEDIA_ROOT (to check that uploads land where they should)."""
    found = []
    for folder, _dirs, names in os.walk(root):
        found += [os.path.join(folder, name) for name in names]
    return found


def status_of(response, allowed):
    """The response's status, checked against `allowed` and noted in hypothesis' statistics
    (pytest --hypothesis-show-statistics shows how often each answer came)."""
    event(f"status {response.status_code}")
    assert response.status_code in allowed, response.status_code
    return response.status_code
