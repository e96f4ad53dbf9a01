"""Competences: the hub's referential import (CSV, XLSX, JSON) on its page and in the admin
(django-import-export), the version pages' query strings, and the exports of hostile text."""

import csv
import io
import json

import openpyxl
import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from competences.importing import COLUMNS
from competences.models import (
    Bloc,
    Competence,
    Criterion,
    ProficiencyLevel,
    Referential,
    ReferentialVersion,
)
from tests import factories

from .helpers import (
    CONTENT_TYPES,
    FILENAMES,
    GARBAGE,
    assert_escaped,
    counts,
    hostile_text,
    isolated,
    maybe_hostile,
    post_multipart,
    status_of,
)

pytestmark = pytest.mark.django_db

WRITTEN = (Referential, ReferentialVersion, ProficiencyLevel, Bloc, Competence, Criterion)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hub(hostile_client):
    user = factories.HubCoordinatorFactory(is_staff=True)
    hostile_client.force_login(user)
    return user


def _cell():
    return st.one_of(maybe_hostile(), hostile_text(max_size=60, long=False))


@st.composite
def reference_rows(draw):
    """One to three rows of a referential, each cell valid or hostile."""
    rows = []
    for index in range(draw(st.integers(1, 3))):
        valid = {
            "bloc_code": "B1",
            "bloc_title": "Bloc un",
            "bloc_description": "",
            "competence_code": "B1.C1",
            "competence_title": "Compétence un",
            "competence_description": "",
            "criterion_code": f"B1.C1.{index + 1}",
            "criterion_text": f"Critère {index + 1}",
        }
        hostile = draw(st.fixed_dictionaries({}, optional={column: _cell() for column in COLUMNS}))
        rows.append(valid | hostile)
    return rows


def _csv(rows, delimiter, encoding):
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row[column] for column in COLUMNS])
    return out.getvalue().encode(encoding, "replace")


def _xlsx(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        # openpyxl cannot even write control characters: such a file cannot exist.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", row[column])[:32_000] for column in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _file(rows, fmt, delimiter, encoding):
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=encoding == "ascii").encode()
    if fmt == "xlsx":
        return _xlsx(rows)
    return _csv(rows, delimiter, encoding)


FILE_SHAPES = st.tuples(
    st.sampled_from(["csv", "xlsx", "json"]),
    st.sampled_from([";", ","]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "ascii"]),
)


def _text_cells(fmt, content):
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
        return [cell for row in table[1:] for cell in row[:8]]
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [
        str(cell or "") for row in sheet.iter_rows(min_row=2, values_only=True) for cell in row[:8]
    ]


def check_exports(client, version):
    """Every export of the version opens, and no text cell can run as a formula."""
    base = {"code": version.referential.code, "number": version.number}
    for fmt in ("csv", "xlsx", "json"):
        response = client.get(reverse("competences:version_export", kwargs=base | {"fmt": fmt}))
        assert response.status_code == 200
        if fmt == "json":
            json.loads(response.content)
            continue
        for cell in _text_cells(fmt, response.content):
            assert not cell.startswith(FORMULA_STARTS), f"{fmt}: formula {cell!r} not protected"


def _check_outcome(client, response, before, cells):
    if response.status_code == 302:
        version = ReferentialVersion.objects.order_by("-pk").first()
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert_escaped(page.content, *cells)
        check_exports(client, version)
    else:
        assert counts(*WRITTEN) == before, "a refused import must write nothing"
        assert_escaped(response.content, *cells)


@given(
    rows=reference_rows(),
    shape=FILE_SHAPES,
    code=st.one_of(st.just("mediation"), hostile_text(max_size=60)),
    title=maybe_hostile(),
    filename=st.one_of(st.just(None), FILENAMES),
    declared=st.one_of(st.just(""), st.sampled_from(["csv", "xlsx", "json"]), hostile_text(20)),
)
def test_import_page_with_hostile_cells(
    hostile_client, hub, rows, shape, code, title, filename, declared
):
    fmt, delimiter, encoding = shape
    data = _file(rows, fmt, delimiter, encoding)
    cells = [value for row in rows for value in row.values()] + [title, code]
    with isolated():
        before = counts(*WRITTEN)
        response = post_multipart(
            hostile_client,
            reverse("competences:import"),
            {"code": code, "title": title, "format": declared},
            [("file", filename if filename is not None else f"ref.{fmt}", "", data)],
        )
        status_of(response, (200, 302, 400))
        _check_outcome(hostile_client, response, before, cells)


@given(
    data=GARBAGE,
    filename=FILENAMES,
    content_type=CONTENT_TYPES,
    declared=st.sampled_from(["", "csv", "xlsx", "json", "pdf", "../csv"]),
)
def test_import_page_with_garbage_files(
    hostile_client, hub, data, filename, content_type, declared
):
    with isolated():
        before = counts(*WRITTEN)
        response = post_multipart(
            hostile_client,
            reverse("competences:import"),
            {"code": "mediation", "title": "Médiation", "format": declared},
            [("file", filename, content_type, data)],
        )
        status_of(response, (200, 400))
        assert counts(*WRITTEN) == before
        assert_escaped(response.content, filename)


@given(
    body=st.one_of(st.binary(max_size=500), hostile_text().map(lambda t: t.encode())),
    content_type=CONTENT_TYPES,
)
def test_import_page_with_a_body_that_is_not_multipart(hostile_client, hub, body, content_type):
    with isolated():
        before = counts(*WRITTEN)
        response = hostile_client.generic(
            "POST", reverse("competences:import"), body, content_type or "text/plain"
        )
        status_of(response, (200, 400))
        assert counts(*WRITTEN) == before


@given(
    rows=reference_rows(),
    shape=FILE_SHAPES,
    code=st.one_of(st.just("aidants"), hostile_text(max_size=60)),
    title=maybe_hostile(),
    format_index=st.one_of(st.sampled_from(["0", "1", "2"]), hostile_text(max_size=10)),
    filename=FILENAMES,
)
def test_admin_import_with_hostile_cells(
    hostile_client, hub, rows, shape, code, title, format_index, filename
):
    """django-import-export's two steps: the preview (nothing written), then the confirmation."""
    fmt, delimiter, encoding = shape
    data = _file(rows, fmt, delimiter, encoding)
    cells = [value for row in rows for value in row.values()] + [title, code]
    with isolated():
        before = counts(*WRITTEN)
        response = post_multipart(
            hostile_client,
            reverse("admin:competences_referential_import"),
            {"code": code, "title": title, "format": format_index, "resource": "0"},
            [("import_file", filename, "", data)],
        )
        status_of(response, (200, 400))
        assert counts(*WRITTEN) == before  # the preview is a dry run
        assert_escaped(response.content, *cells)
        confirm = response.context.get("confirm_form") if response.context else None
        if confirm is not None:
            response = hostile_client.post(
                reverse("admin:competences_referential_process_import"),
                {**confirm.initial, "resource": "0"},
            )
            status_of(response, (302,))
            if counts(*WRITTEN) != before:
                page = hostile_client.get(response["Location"])
                assert page.status_code == 200
                assert_escaped(page.content, *cells)


@pytest.fixture
def version(db):
    return factories.make_reference(blocs=1, competences=1, criteria=1)


@given(
    query=st.dictionaries(
        st.sampled_from(["q", "old", "new", "page", "competences"]), hostile_text(max_size=80)
    ),
    fmt=st.one_of(st.sampled_from(["csv", "xlsx", "json"]), hostile_text(max_size=10)),
)
def test_version_pages_query_strings(hostile_client, hub, version, query, fmt):
    code, number = version.referential.code, version.number
    with isolated():
        for url in (
            reverse("competences:version_detail", args=[code, number]),
            reverse("competences:compare", args=[code]),
            reverse("competences:index"),
            reverse("competences:manage"),
        ):
            response = hostile_client.get(url, query)
            status_of(response, (200,))
            assert_escaped(response.content, *query.values())
        fmt = fmt.replace("/", "")
        if fmt:
            export = hostile_client.get(
                reverse("competences:version_export", args=[code, number, fmt])
            )
            status_of(export, (200, 404))
        publish = hostile_client.post(
            reverse("competences:publish", args=[code, number]),
            {"retire_previous": query.get("q", "")},
        )
        status_of(publish, (302,))
