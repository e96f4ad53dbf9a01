"""Export, then import: the same content comes back, in each format; exports are formula-safe."""

import csv
import io
import json

import openpyxl
import pytest

from competences import services
from competences.diff import diff_versions
from competences.exporting import export_reference
from competences.importing import import_reference, protect_cell, unprotect_cell
from tests import factories

TRICKY = [
    '=HYPERLINK("http://exemple.test";"cliquez")',
    "+33 6 12 34 56 78",
    "-  première étape\n-  deuxième étape",
    "@SUM(A1:A2)",
    "'déjà une apostrophe",
    "'=formule protégée à la main",
    'Texte « normal » ; avec point-virgule, virgule et "guillemets"',
]


@pytest.fixture
def rich(hub):
    """A draft holding awkward text, uneven orders, a competence without criteria and a bloc
    without competences (an export of a draft must keep them)."""
    version = factories.make_reference(blocs=2, competences=2, criteria=2, status="draft")
    b1 = version.blocs.get(code="B1")
    services.bloc_update(
        actor=hub,
        bloc=b1,
        description=TRICKY[2],
        evaluation_modalities="Mise en situation ; entretien\nde 20 minutes",
        order=7,
    )
    for criterion, text in zip(version.criteria.order_by("code"), TRICKY, strict=False):
        services.criterion_update(actor=hub, criterion=criterion, text=text)
    services.competence_update(
        actor=hub, competence=version.competences.get(code="B2.C1"), description=TRICKY[0]
    )
    services.competence_create(actor=hub, bloc=b1, code="B1.C9", title="Sans critère", order=5)
    services.bloc_create(actor=hub, version=version, code="B3", title="@Bloc vide", order=1)
    return version


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_round_trip_gives_back_the_same_content(hub, rich, fmt):
    exported = export_reference(rich, fmt)
    assert exported.filename == f"{rich.referential.code}-v{rich.number}.{fmt}"
    back = import_reference(actor=hub, data=exported.content, fmt=fmt, code=rich.referential.code)
    assert back.number == rich.number + 1
    assert services.content_as_dicts(back) == services.content_as_dicts(rich)
    assert diff_versions(rich, back).is_empty


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_round_trip_of_the_published_reference(hub, published, fmt):
    exported = export_reference(published, fmt)
    back = import_reference(
        actor=hub, data=exported.content, fmt=fmt, code=published.referential.code
    )
    assert diff_versions(published, back).is_empty


def test_csv_export_is_for_french_spreadsheets_and_formula_safe(rich):
    content = export_reference(rich, "csv").content
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents right
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("bloc_code;bloc_title;bloc_description;")
    cells = [
        cell for line in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in line
    ]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert '\'=HYPERLINK("http://exemple.test";"cliquez")' in cells
    assert "''déjà une apostrophe" in cells


def test_xlsx_export_holds_no_formula(rich):
    workbook = openpyxl.load_workbook(io.BytesIO(export_reference(rich, "xlsx").content))
    sheet = workbook.active
    values = [cell.value for line in sheet.iter_rows() for cell in line]
    assert not [c for line in sheet.iter_rows() for c in line if c.data_type == "f"]
    assert '\'=HYPERLINK("http://exemple.test";"cliquez")' in values
    assert [c.value for c in sheet[1]][:8] == [
        "bloc_code",
        "bloc_title",
        "bloc_description",
        "competence_code",
        "competence_title",
        "competence_description",
        "criterion_code",
        "criterion_text",
    ]


def test_json_export_keeps_text_as_is(rich):
    records = json.loads(export_reference(rich, "json").content)
    texts = {record["criterion_text"] for record in records}
    assert TRICKY[0] in texts and TRICKY[4] in texts
    assert {record["bloc_order"] for record in records} == {1, 2, 7}


@pytest.mark.parametrize("value", TRICKY + ["", "ordinaire", "'", "''", "'a"])
def test_protection_is_reversible(value):
    protected = protect_cell(value)
    assert protected[:1] not in ("=", "+", "-", "@") or not value
    assert unprotect_cell(protected) == value


def test_a_hand_written_apostrophe_is_kept(hub):
    """Only an apostrophe before a formula character (or another apostrophe) is the export's."""
    assert unprotect_cell("'Aidant' est un rôle") == "'Aidant' est un rôle"
    assert unprotect_cell("'=1+1") == "=1+1"
