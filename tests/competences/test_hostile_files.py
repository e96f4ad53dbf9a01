"""Hostile or broken files: each is refused with a French message, never a crash, and nothing
is written."""

import io
import json
import re
import zipfile

import openpyxl
import pytest

from competences.importing import COLUMNS, ImportRefused, import_reference, reading, xlsx

from .conftest import counts, make_csv, row


def _refused(hub, data, fmt):
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        import_reference(actor=hub, data=data, fmt=fmt, code="mediation", title="Médiation")
    assert counts() == before, "a refused import must write nothing"
    return [str(issue) for issue in refused.value.issues]


def test_json_nested_past_the_recursion_limit_is_refused(hub):
    issues = _refused(hub, b"[" * 100_000 + b"]" * 100_000, "json")
    assert issues == [
        "Le JSON est imbriqué trop profondément : une liste d'objets simples est attendue."
    ]


def test_json_with_a_huge_integer_is_refused(hub):
    issues = _refused(hub, b'[{"bloc_code": ' + b"1" * 5000 + b"}]", "json")
    assert issues == ["Le JSON contient un nombre démesuré : ce n'est pas un référentiel."]


def _workbook_bytes():
    workbook = openpyxl.Workbook()
    workbook.active.append(list(COLUMNS))
    workbook.active.append(row())
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _damaged(part, how):
    """The workbook above with one of its parts cut in half, replaced by junk, or left out."""
    source = zipfile.ZipFile(io.BytesIO(_workbook_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                if how == "missing":
                    continue
                content = content[: len(content) // 2] if how == "truncated" else b"junk"
            archive.writestr(info, content)
    return out.getvalue()


PARTS = [
    "xl/worksheets/sheet1.xml",
    "xl/workbook.xml",
    "xl/styles.xml",
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
    "docProps/core.xml",
]
# Without its styles or its properties a workbook is still readable: those two are not listed.
DAMAGES = [(part, how) for part in PARTS for how in ("truncated", "junk")] + [
    (part, "missing") for part in PARTS[:2] + PARTS[3:5]
]


@pytest.mark.parametrize("part, how", DAMAGES)
def test_a_damaged_xlsx_is_refused_not_a_crash(hub, part, how):
    issues = _refused(hub, _damaged(part, how), "xlsx")
    assert issues == ["Le fichier n'est pas un classeur XLSX lisible."]


def _sheet_declaring_every_column(last_row):
    """A tiny workbook whose sheet claims to span A1:XFD{last_row} (16 384 columns) and holds
    a header, one valid row and one cell on its last row."""
    source = zipfile.ZipFile(io.BytesIO(_workbook_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD%d"/>' % last_row, content
                )
                content = content.replace(
                    b"</sheetData>",
                    b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>B9</t></is></c></row></sheetData>'
                    % (last_row, last_row),
                )
            archive.writestr(info.filename, content)
    return out.getvalue()


def test_a_sheet_declaring_16384_columns_is_read_in_bounded_time(hub, monkeypatch):
    """openpyxl pads each row to the declared width: 4 000 rows would cost 65 million cells."""
    cells = 0
    real = xlsx.cell_text

    def counting(value):
        nonlocal cells
        cells += 1
        return real(value)

    monkeypatch.setattr(xlsx, "cell_text", counting)
    issues = _refused(hub, _sheet_declaring_every_column(4000), "xlsx")
    assert issues == ["Ligne 4000 : l'intitulé du bloc est vide."]
    assert cells < 4000 * 60


def test_cells_past_the_columns_read_refuse_the_workbook(hub):
    workbook = openpyxl.Workbook()
    workbook.active.append(list(COLUMNS))
    workbook.active.append(row())
    workbook.active.cell(row=3, column=reading.MAX_COLUMNS + 1, value="égaré")
    out = io.BytesIO()
    workbook.save(out)
    issues = _refused(hub, out.getvalue(), "xlsx")
    assert issues == [
        "Ligne 3 : Le classeur a des cellules au-delà de la colonne 50 : il est refusé."
    ]


def test_json_with_thousands_of_keys_is_refused_quickly(hub):
    """Collecting the columns was quadratic in the number of keys (minutes for a 300 kB file)."""
    records = [{f"k{i}": "" for i in range(20_000)}] + [{"bloc_code": "B1"}] * 4000
    issues = _refused(hub, json.dumps(records).encode(), "json")
    assert issues == ["Le JSON a plus de 50 clés différentes : ce n'est pas un référentiel."]


def test_csv_header_with_trailing_empty_columns_is_trimmed(hub):
    """Each row was padded to the header's width: 10 000 empty header cells made every row
    10 000 cells long (gigabytes for a few megabytes of file)."""
    data = make_csv([row()], header=[*COLUMNS] + [""] * 10_000)
    assert reading.read_table(data, "csv").headers == list(COLUMNS)
    version = import_reference(actor=hub, data=data, fmt="csv", code="mediation", title="M")
    assert version.criteria.count() == 1


def test_csv_header_with_too_many_columns_is_refused(hub):
    header = [*COLUMNS] + [f"colonne_{n}" for n in range(60)]
    issues = _refused(hub, make_csv([row()], header=header), "csv")
    assert issues == [
        "Ligne 1 : La ligne d'en-tête a plus de 50 colonnes : ce n'est pas un référentiel."
    ]


def test_blank_lines_before_the_csv_header_are_skipped(hub):
    """The separator was guessed from the first line: a blank one made `;` files unreadable."""
    version = import_reference(
        actor=hub, data=b"\r\n;;\r\n" + make_csv([row()]), fmt="csv", code="m", title="M"
    )
    assert version.criteria.get().code == "B1.C1.1"


def test_header_issues_name_the_header_line(hub):
    issues = _refused(hub, b"\r\n" + make_csv([row()], header=[*COLUMNS[:-1], "texte"]), "csv")
    assert issues[0] == "Ligne 2 : colonnes obligatoires manquantes : criterion_text."
    assert issues[1].startswith("Ligne 2 : colonnes inconnues : texte")


@pytest.mark.parametrize(
    "cell, expected",
    [
        (
            "x" * 200_000,
            "Ligne 2 : une cellule dépasse 128 Ko : ce n'est pas un référentiel.",
        ),
        (
            '"Critère" avec "guillemets',
            "Ligne 2 : un guillemet est mal placé : dans une cellule entre guillemets, un "
            'guillemet s\'écrit doublé ("").',
        ),
    ],
    ids=["huge-cell", "stray-quote"],
)
def test_malformed_csv_is_explained_in_french(hub, cell, expected):
    data = make_csv([]) + ";".join(["B1", "T", "", "B1.C1", "T", "", "K1", cell]).encode()
    assert _refused(hub, data, "csv") == [expected]


def _record(**overrides):
    return dict(zip(COLUMNS, row(), strict=True)) | overrides


def test_json_numbers_read_exactly_as_text(hub):
    records = [_record(bloc_code=1, criterion_code=12, criterion_order=2.0)]
    version = import_reference(
        actor=hub, data=json.dumps(records).encode(), fmt="json", code="m", title="M"
    )
    criterion = version.criteria.get()
    assert (criterion.competence.bloc.code, criterion.code, criterion.order) == ("1", "12", 2)


def test_json_values_that_would_not_read_back_as_written_are_refused(hub):
    """1.10 became the code "1.1", true the title "True", NaN the text "nan"."""
    records = [
        _record(criterion_code=1.10),
        _record(criterion_code="K2", bloc_title=True, competence_title=None),
        _record(criterion_code="K3", criterion_text=float("nan"), criterion_order=False),
        {"bloc_code": {"code": "B1"}},
    ]
    issues = _refused(hub, json.dumps(records).encode(), "json")
    assert issues == [
        "Enregistrement 1 : la valeur de « criterion_code » doit être un texte, entre guillemets.",
        "Enregistrement 2 : la valeur de « bloc_title » doit être un texte, entre guillemets.",
        "Enregistrement 3 : la valeur de « criterion_text » doit être un texte, entre guillemets.",
        "Enregistrement 3 : la valeur de « criterion_order » doit être un nombre entier.",
        "Enregistrement 4 : la valeur de « bloc_code » doit être un texte, entre guillemets.",
    ]


def test_a_filled_cell_under_an_unnamed_column_is_refused(hub):
    """Its content was dropped without a word, while an unknown column is refused."""
    header = [*COLUMNS[:3], "", *COLUMNS[3:]]
    rows = [row()[:3] + [""] + row()[3:], row(criterion="B1.C1.2")[:3] + ["à voir"] + row()[3:]]
    rows[1][-2:] = ["B1.C1.2", "Critère 2"]
    issues = _refused(hub, make_csv(rows, header=header), "csv")
    assert issues == ["Ligne 3 : la colonne 4, sans nom dans l'en-tête, est remplie."]


def test_a_row_wider_than_the_header_names_its_real_width(hub):
    """XLSX rows are padded with empty cells: the count stops at the last filled one."""
    workbook = openpyxl.Workbook()
    workbook.active.append(list(COLUMNS))
    workbook.active.append([*row(), "", "en trop"])
    out = io.BytesIO()
    workbook.save(out)
    issues = _refused(hub, out.getvalue(), "xlsx")
    assert issues == ["Ligne 2 : la ligne a 10 cellules alors que l'en-tête a 8 colonnes."]
