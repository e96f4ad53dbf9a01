"""Reporting (dashboard and lists filters, export requests, the export files of hostile stored
text), the hub's audit log filters, the language switch and « Mes données »."""

import csv
import io
import zipfile
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.urls import reverse
from hypothesis import assume, given
from hypothesis import strategies as st

from accounts.models import Structure, User
from certificates.models import Enrollment
from competences.models import Competence, Pathway
from reporting.exports import write_export
from reporting.exports.csv import LINE_END, OPEN_DATA, SPREADSHEET, safe_text
from reporting.filters import StatisticsFilters
from reporting.models import ExportKind, ReportExport
from reporting.scope import ReportScope
from tests.reporting import network
from trainings.models import Assessment, Session

from .helpers import (
    HTML_PAYLOADS,
    PAYLOADS,
    assert_escaped,
    hostile_text,
    isolated,
    slow,
    status_of,
)

pytestmark = pytest.mark.django_db

HUGE = "9" * 25
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FILTER_KEYS = [
    "start",
    "end",
    "granularity",
    "region",
    "departement",
    "structure_kind",
    "function",
    "pathway",
    "bloc",
    "trainer_kind",
]
FILTER_VALUES = st.one_of(
    st.sampled_from(
        [HUGE, "-1", "²", "0001-01-01", "9999-12-31", "2026-02-30", "year", "quarter", "59", "32"]
    ),
    hostile_text(max_size=60),
)
FILTERS = st.dictionaries(
    st.sampled_from(FILTER_KEYS + ["status", "trainer", "kind", "expiring", "page", "x"]),
    FILTER_VALUES,
)


@pytest.fixture
def net(db):
    return network.build()


@pytest.fixture
def as_hub(hostile_client, net):
    hostile_client.force_login(net.hub)
    return hostile_client


@given(params=FILTERS)
def test_dashboard_and_lists_filters(as_hub, params):
    with isolated():
        for name in (
            "dashboard",
            "session_list",
            "decision_list",
            "attestation_list",
            "quality",
            "export_list",
        ):
            response = as_hub.get(reverse(f"reporting:{name}"), params)
            status_of(response, (200, 400))
            assert_escaped(response.content, *params.values())


@given(
    kind=st.one_of(st.sampled_from(list(ExportKind.values)), hostile_text(max_size=30)),
    fmt=st.one_of(st.sampled_from(["csv", "xlsx", "json"]), hostile_text(max_size=10)),
    params=FILTERS,
)
def test_export_request(as_hub, kind, fmt, params):
    with isolated():
        before = ReportExport.objects.count()
        response = as_hub.post(
            reverse("reporting:export_create"), {"kind": kind, "format": fmt, **params}
        )
        status_of(response, (302, 400, 429))
        if response.status_code == 302:
            page = as_hub.get(response["Location"])
            status_of(page, (200,))
            assert_escaped(page.content, *params.values())
        else:
            assert ReportExport.objects.count() == before
            assert_escaped(response.content, kind, fmt, *params.values())


def _stored(strategy, size):
    return strategy.map(lambda text: text.replace("\x00", "")[:size])


STORED = st.one_of(st.sampled_from(HTML_PAYLOADS + PAYLOADS), hostile_text(max_size=100))


def _cells(fmt, path):
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return [
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if isinstance(cell, str)
        ]
    data = path.read_bytes()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            texts = [archive.read(name).decode("utf-8-sig") for name in archive.namelist()]
    else:
        texts = [data.decode("utf-8-sig")]
    return [
        cell
        for text in texts
        for row in csv.reader(io.StringIO(text), delimiter=";")
        for cell in row
    ]


NUMBER = st.from_regex(r"-?\d+([.,]\d+)?", fullmatch=True)


@slow(3)
@given(
    name=_stored(STORED, 150),
    structure=_stored(STORED, 200),
    title=_stored(STORED, 200),
    competence=_stored(STORED, 255),
    comment=_stored(STORED | hostile_text(max_size=5000), 5000),
)
def test_export_files_of_hostile_stored_text(
    net, tmp_path, name, structure, title, competence, comment
):
    """Every export writes whatever text is stored, and no cell reaches a spreadsheet as a
    formula (a number is a number: only text is checked)."""
    filters = StatisticsFilters(start=network.START, end=network.END)
    with isolated():
        User.objects.update(first_name=name, last_name=name)
        Structure.objects.update(name=structure, address=structure)
        Session.objects.update(title=title)
        Pathway.objects.update(title=title)
        Competence.objects.update(title=competence)
        Assessment.objects.update(comment=comment, evidence=comment)
        assert Enrollment.objects.exists()
        for kind in ExportKind.values:
            for fmt in ("csv", "xlsx"):
                path = tmp_path / f"{kind}.{fmt}"
                write_export(
                    kind,
                    fmt,
                    ReportScope(is_hub=True),
                    filters,
                    path,
                    on_total=lambda n: None,
                    progress=lambda n: None,
                )
                for cell in _cells(fmt, path):
                    if cell.startswith(FORMULA_STARTS):
                        assert cell.lstrip("-").replace(",", "").replace(".", "").isdigit(), (
                            kind,
                            fmt,
                            cell,
                        )


@given(
    params=st.dictionaries(
        st.sampled_from(["actor", "action", "target", "since", "until", "page"]),
        st.one_of(st.sampled_from([HUGE, "0001-01-01", "9999-12-31"]), hostile_text(120)),
    )
)
def test_audit_log_filters(as_hub, params):
    with isolated():
        response = as_hub.get(reverse("audit_log"), params)
        status_of(response, (200,))
        assert_escaped(response.content, *params.values())


@given(
    language=st.one_of(st.sampled_from(["fr", "en", "de", "../fr", ""]), hostile_text(20)),
    next_url=st.one_of(
        st.sampled_from(
            [
                "https://evil.test/",
                "//evil.test",
                "/\\evil.test",
                "javascript:alert(1)",
                "/profil/",
                "\x00/",
                "/%0d%0aSet-Cookie:x=1",
            ]
        ),
        hostile_text(max_size=80),
    ),
)
def test_language_switch_never_redirects_elsewhere(hostile_client, net, language, next_url):
    hostile_client.force_login(net.anna)
    with isolated():
        response = hostile_client.post(
            reverse("set_language"), {"language": language, "next": next_url}
        )
        status_of(response, (302, 204))
        if response.status_code == 302:
            target = urlsplit(response["Location"].replace("\\", "/"))
            assert target.netloc in ("", "testserver") and target.scheme in ("", "http")
            assert not any(char in response["Location"] for char in "\r\n\x00")


@given(extra=st.dictionaries(hostile_text(max_size=20), hostile_text(max_size=60), max_size=3))
def test_my_data_page_and_export_request(hostile_client, net, extra):
    hostile_client.force_login(net.anna)
    with isolated():
        User.objects.filter(pk=net.anna.pk).update(first_name=HTML_PAYLOADS[1])
        page = hostile_client.get(reverse("privacy:my_data"), extra)
        status_of(page, (200,))
        assert_escaped(page.content, HTML_PAYLOADS[1], *extra.values())
        response = hostile_client.post(reverse("privacy:export_request"), extra)
        status_of(response, (302,))


@slow(5)
@given(name=_stored(STORED, 150), comment=_stored(STORED | hostile_text(max_size=5000), 5000))
def test_personal_data_export_of_hostile_stored_text(net, name, comment):
    """The archive of « Mes données » holds whatever text is stored, as JSON that reads back,
    under file names of its own."""
    import json

    from django.core.files.base import ContentFile

    from certificates.models import Attestation
    from privacy import services as privacy_services

    person = net.anna
    for attestation in Attestation.objects.filter(holder=person):
        storage = attestation.pdf.storage
        if not storage.exists(attestation.pdf.name):  # the test network has no files
            storage.save(attestation.pdf.name, ContentFile(b"%PDF-1.7"))
    with isolated():
        User.objects.filter(pk=person.pk).update(first_name=name, last_name=name)
        Assessment.objects.filter(participant=person).update(comment=comment, evidence=comment)
        export = privacy_services.personal_data_export_request(actor=person)
        export = privacy_services.personal_data_export_build(export_id=export.pk)
        with export.archive.open("rb") as handle, zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
            assert all(not n.startswith("/") and ".." not in n.split("/") for n in names)
            profile = None
            for member in names:
                if member.endswith(".json"):
                    data = json.loads(archive.read(member).decode("utf-8"))
                    profile = data if member == "profil.json" else profile
            assert profile["first_name"] == name


@given(
    password=st.one_of(st.just("{password}"), hostile_text(max_size=300)),
    understood=st.sampled_from(["on", "", "<script>", "\x00"]),
    page=hostile_text(max_size=30),
)
def test_erasure_and_accesses(net, password, understood, page):
    """The erasure form (password and confirmation), and the list of who saw my data."""
    from django.test import Client

    from privacy.models import ErasureRequest
    from tests.factories import DEFAULT_PASSWORD

    with isolated():
        client = Client(raise_request_exception=True)  # a granted erasure signs out
        client.force_login(net.eva)
        listing = client.get(reverse("privacy:accesses"), {"page": page})
        status_of(listing, (200,))
        assert_escaped(listing.content, page)
        before = ErasureRequest.objects.count()
        response = client.post(
            reverse("privacy:erasure"),
            {
                "password": password.replace("{password}", DEFAULT_PASSWORD),
                "understood": understood,
            },
        )
        status_of(response, (200, 400))
        granted = ErasureRequest.objects.count() == before + 1
        assert granted == (response.status_code == 200)
        if not granted:
            assert User.objects.get(pk=net.eva.pk).is_active


CELL = st.one_of(
    st.none(),
    st.just(""),
    st.integers(),
    _stored(STORED, 60).map(safe_text),
    st.sampled_from([";", ",", '"', "a\r\nb", "\n", " x ", "'=1"]),
)


@given(
    groups=st.lists(st.lists(CELL, min_size=1, max_size=3), min_size=1, max_size=5),
    style=st.sampled_from([SPREADSHEET, OPEN_DATA]),
)
def test_a_line_pieced_together_is_the_line_the_csv_module_writes(groups, style):
    """The « Évaluations » export pieces its lines together from cells encoded once per value
    (CsvStyle.piece): the same bytes as the csv module's for the whole line."""
    cells = [cell for group in groups for cell in group]
    assume(len(cells) > 1)  # one empty cell alone is a line of its own: "" (never exported)
    pieced = "".join(
        style.piece(group) + (LINE_END if last else style.delimiter)
        for last, group in ((index == len(groups) - 1, group) for index, group in enumerate(groups))
    )
    buffer = io.StringIO()
    style.writer(buffer).writerow(cells)
    assert pieced == buffer.getvalue()
    assert list(csv.reader(io.StringIO(pieced), delimiter=style.delimiter)) == [
        ["" if cell is None else str(cell) for cell in cells]
    ]
