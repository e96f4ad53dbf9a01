"""Printable documents load their images from files and data: URIs only, with one fetcher per
thread (building one reads the system's CA certificates: 17 ms a document)."""

import threading

import pytest

from core import pdf

PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+h"
    "HgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


def _images(html):
    return [
        box
        for page in pdf.layout(html).pages
        for box in _descendants(page._page_box)
        if type(box).__name__ == "InlineReplacedBox"
    ]


def _descendants(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


def test_a_document_loads_data_uris_and_files(tmp_path):
    import base64

    logo = tmp_path / "logo.png"
    logo.write_bytes(base64.b64decode(PNG_1PX.split(",", 1)[1]))
    html = f'<p><img src="{PNG_1PX}" alt="qr"><img src="{logo.as_uri()}" alt="logo"></p>'
    assert len(_images(html)) == 2


@pytest.mark.parametrize("address", ["http://127.0.0.1:9/x.png", "https://example.org/x.png"])
def test_a_document_never_fetches_from_the_network(address):
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf.url_fetcher().fetch(address)
    # In a document, the image is left out (WeasyPrint logs the refusal) and nothing is asked.
    assert _images(f'<p><img src="{address}" alt="x"></p>') == []


def test_the_fetcher_is_kept_per_thread():
    assert pdf.url_fetcher() is pdf.url_fetcher()
    other = []
    thread = threading.Thread(target=lambda: other.append(pdf.url_fetcher()))
    thread.start()
    thread.join()
    assert other[0] is not pdf.url_fetcher()
