"""The export files themselves: CSV, XLSX and JSON written in streaming and read back, formula
injection, the small-cell rule on aggregate tables, and the open-data files."""

import codecs
import datetime
import io
import json
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import tablib

from accounts.models import Commune, StructureKind
from reporting.exports import write_export, writers
from reporting.exports.aggregates import small_cell, write_aggregates
from reporting.exports.csv import OPEN_DATA
from reporting.exports.opendata import SCHEMA_PATH, schema_fields
from reporting.filters import StatisticsFilters
from reporting.models import ExportKind
from reporting.scope import ReportScope
from reporting.selectors.statistics import AggregateTable
from tests import factories

from . import network

HUB = ReportScope(is_hub=True)
FORMATS = ("csv", "xlsx", "json")
NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")


# Helpers shared by the other export tests ----------------------------------------------------


def read_back(fmt, path, *, delimiter=";"):
    """(headers, rows) as a spreadsheet or a program reads the file back."""
    if fmt == "csv":
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if delimiter == ";" else raw.decode("utf-8")
        if delimiter == ";":
            assert raw.startswith(codecs.BOM_UTF8)
        data = tablib.Dataset().load(text, format="csv", delimiter=delimiter)
        return list(data.headers), [list(row) for row in data]
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        # Read-only sheets drop trailing empty cells.
        width = len(rows[0])
        return rows[0], [row + [None] * (width - len(row)) for row in rows[1:]]
    data = json.loads(path.read_text("utf-8"))
    return (list(data[0]) if data else []), [list(item.values()) for item in data]


def norm(value):
    """One value whatever the format: numbers as Decimal (CSV writes a decimal comma), nothing
    as ""."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str) and NUMBER.match(value):
        return Decimal(value.replace(",", "."))
    return value


def normalised(rows):
    return [[norm(v) for v in row] for row in rows]


def run_export(kind, fmt, scope, filters, tmp_path):
    """Write an export directly (no job); returns (path, estimated total, rows written)."""
    path = tmp_path / f"export-{kind}.{fmt}"
    totals, done = [], [0]
    write_export(
        kind,
        fmt,
        scope,
        filters,
        path,
        on_total=totals.append,
        progress=lambda n: done.__setitem__(0, n),
    )
    return path, totals[0], done[0]


def period():
    return StatisticsFilters(start=network.START, end=network.END)


# Writers ---------------------------------------------------------------------------------------

HEADERS = ["nom", "heures", "nombre", "vide"]
ROWS = [
    ["Ève d'Arras", Decimal("3.5"), 12, None],
    ['=HYPERLINK("http://x")', Decimal("14"), 0, ""],
    ["+33 6", Decimal("0.25"), 1, "-2+3"],
    ["@SUM(A1)", Decimal("7"), 2, "\tcaché"],
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_table_reads_back_with_the_same_values(fmt, tmp_path):
    path = tmp_path / f"t.{fmt}"
    seen = []
    writers.write_table(fmt, path, HEADERS, iter(ROWS[:1]), title="Test", progress=seen.append)
    headers, rows = read_back(fmt, path)
    assert headers == HEADERS
    assert normalised(rows) == normalised(ROWS[:1])
    assert seen == [1]


def test_csv_is_for_french_spreadsheets(tmp_path):
    path = tmp_path / "t.csv"
    writers.write_table("csv", path, HEADERS, iter(ROWS[:1]))
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert raw.decode("utf-8-sig").splitlines()[1] == "Ève d'Arras;3,5;12;"


@pytest.mark.parametrize("fmt", ("csv", "xlsx"))
def test_formulas_are_neutralised_in_spreadsheet_formats(fmt, tmp_path):
    path = tmp_path / f"t.{fmt}"
    writers.write_table(fmt, path, HEADERS, iter(ROWS))
    _headers, rows = read_back(fmt, path)
    texts = [(row[0], row[3]) for row in rows]
    assert texts == [
        ("Ève d'Arras", None if fmt == "xlsx" else ""),
        ('\'=HYPERLINK("http://x")', None if fmt == "xlsx" else ""),
        ("'+33 6", "'-2+3"),
        ("'@SUM(A1)", "'\tcaché"),
    ]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path).worksheets[0]
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_json_keeps_the_text_as_it_is(tmp_path):
    path = tmp_path / "t.json"
    writers.write_table("json", path, HEADERS, iter(ROWS))
    data = json.loads(path.read_text("utf-8"))
    assert data[1] == {"nom": '=HYPERLINK("http://x")', "heures": 14, "nombre": 0, "vide": ""}
    assert data[0]["heures"] == 3.5


def test_progress_is_reported_as_rows_are_written(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "PROGRESS_EVERY", 2)
    seen = []
    rows = ([f"n{i}", i, i, None] for i in range(5))
    writers.write_table("json", tmp_path / "t.json", HEADERS, rows, progress=seen.append)
    assert seen == [2, 4, 5]


# Small-cell rule ------------------------------------------------------------------------------


def test_small_cells_are_written_below_the_threshold(settings):
    settings.SOCLE_STATS_SMALL_CELL = 5
    assert [small_cell(n) for n in (0, 1, 4, 5, 12)] == [0, "< 5", "< 5", 5, 12]
    assert small_cell(Decimal("3.5")) == Decimal("3.5")  # hours are not people


def _table(slug="par-departement"):
    return AggregateTable(
        slug=slug,
        title="Par département",
        columns=[("name", "Département"), ("people", "Personnes"), ("hours", "Heures")],
        rows=[
            {"name": "Nord", "people": 4, "hours": Decimal("3.5")},
            {"name": "Somme", "people": 5, "hours": Decimal("10")},
            {"name": "Aisne", "people": 0, "hours": Decimal("0")},
        ],
        count_keys=("people",),
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_aggregate_files_apply_the_small_cell_rule(fmt, tmp_path, settings):
    settings.SOCLE_STATS_SMALL_CELL = 5
    path = tmp_path / f"a.{fmt}"
    assert write_aggregates(fmt, path, [_table(), _table("par-region")]) == 6
    if fmt == "csv":
        with zipfile.ZipFile(path) as archive:
            assert archive.namelist() == ["par-departement.csv", "par-region.csv"]
            text = archive.read("par-departement.csv").decode("utf-8-sig")
        rows = [line.split(";") for line in text.splitlines()]
        assert rows == [
            ["Département", "Personnes", "Heures"],
            ["Nord", "< 5", "3,5"],
            ["Somme", "5", "10"],
            ["Aisne", "0", "0"],
        ]
    elif fmt == "xlsx":
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["par-departement", "par-region"]
        assert [c.value for c in book.worksheets[0]["B"]] == ["Personnes", "< 5", 5, 0]
    else:
        document = json.loads(path.read_text("utf-8"))
        assert document["seuil_secret_statistique"] == 5
        assert [row["Personnes"] for row in document["tableaux"][0]["lignes"]] == ["< 5", 5, 0]


# Open data ------------------------------------------------------------------------------------


@pytest.fixture
def net(db):
    return network.build()


def test_open_data_per_departement_and_quarter(net, tmp_path, settings):
    settings.SOCLE_STATS_SMALL_CELL = 2
    path, total, done = run_export(ExportKind.OPEN_TERRITORIES, "csv", HUB, period(), tmp_path)
    assert total == done == 5
    assert not path.read_bytes().startswith(codecs.BOM_UTF8)
    headers, rows = read_back("csv", path, delimiter=",")
    assert headers == [
        "code_departement",
        "departement",
        "trimestre",
        "certifications",
        "blocs_valides",
        "personnes_formees",
        "heures_stagiaires",
    ]
    # Trained in T1 at S1: Anna and Bruno (Lille, 7 h + 3.5 h), Chloé (Arras, 3.5 h). Blocs:
    # Anna (59, February), Driss (80, April), Chloé (62, May); Anna certified in June.
    assert rows == [
        ["59", "Nord", "2026-T1", "0", "< 2", "2", "10.5"],
        ["62", "Pas-de-Calais", "2026-T1", "0", "0", "< 2", ""],
        ["59", "Nord", "2026-T2", "< 2", "0", "0", "0"],
        ["62", "Pas-de-Calais", "2026-T2", "0", "< 2", "0", "0"],
        ["80", "Somme", "2026-T2", "0", "< 2", "0", "0"],
    ]


def test_open_data_places_follow_the_national_schema(net, tmp_path):
    net.lille.siret = "43493312300029"
    net.lille.address = "12 rue de la Paix"
    net.lille.save()
    factories.StructureFactory(name="Pas encore vérifiée", verified=False)
    factories.StructureFactory(
        name="Mairie",
        kind=StructureKind.COLLECTIVITE,
        commune=Commune.objects.get(insee_code="80021"),
        postal_code="80000",
    )
    path, total, _done = run_export(ExportKind.OPEN_PLACES, "json", HUB, period(), tmp_path)
    assert total == 3
    places = json.loads(path.read_text("utf-8"))
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    assert [list(place) for place in places] == [schema_fields()] * 3
    today = datetime.date.today().isoformat()
    lille, arras, mairie = places
    assert {k: v for k, v in lille.items() if v} == {
        "id": f"socle-lieu-{net.lille.pk}",
        "pivot": "43493312300029",
        "nom": "Espace Lille",
        "commune": "Lille",
        "code_postal": "59000",
        "code_insee": "59350",
        "adresse": "12 rue de la Paix",
        "typologie": "ASSO",
        "source": "Socle",
        "date_maj": today,
    }
    assert (arras["typologie"], arras["dispositif_programmes_nationaux"]) == (
        "RFS",
        "France Services",
    )
    assert mairie["typologie"] == ""  # a commune, an EPCI, a département? Socle cannot say.
    # Every value Socle fills satisfies the schema's pattern for it.
    patterns = {f["name"]: f.get("constraints", {}).get("pattern") for f in schema["fields"]}
    for place in places:
        for name, value in place.items():
            if value and patterns[name]:
                assert re.search(patterns[name], value), (name, value)


def test_open_data_csv_is_plain_rfc4180(net, tmp_path):
    path, _total, _done = run_export(ExportKind.OPEN_PLACES, "csv", HUB, period(), tmp_path)
    text = path.read_text("utf-8")
    assert text.splitlines()[0] == ",".join(schema_fields())
    assert OPEN_DATA.delimiter == ","


@pytest.mark.parametrize("fmt", FORMATS)
def test_statistics_tables_export_in_every_format(net, fmt, tmp_path, settings):
    settings.SOCLE_STATS_SMALL_CELL = 1  # nothing masked: the figures themselves are checked
    path, total, done = run_export(ExportKind.STATISTICS, fmt, HUB, period(), tmp_path)
    assert total == done > 0
    if fmt == "csv":
        with zipfile.ZipFile(path) as archive:
            assert "par-departement.csv" in archive.namelist()
            text = archive.read("par-departement.csv").decode("utf-8-sig")
        assert "62;Pas-de-Calais;0;1" in text.splitlines()
    elif fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        assert "par-departement" in book.sheetnames
    else:
        document = json.loads(path.read_text("utf-8"))
        assert document["periode"] == {"du": "2026-01-01", "au": "2026-06-30"}
        tables = {t["identifiant"]: t["lignes"] for t in document["tableaux"]}
        by_code = {row["Code"]: row for row in tables["par-departement"]}
        assert by_code["59"]["Blocs validés"] == 1
        assert by_code["59"]["Parcours certifiés"] == 1


def test_xlsx_is_written_in_streaming_mode(tmp_path, monkeypatch):
    """openpyxl's write-only workbook: rows go to a temporary file as they come."""
    created = []
    original = writers.Workbook

    def spy(*args, **kwargs):
        created.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(writers, "Workbook", spy)
    writers.write_table("xlsx", tmp_path / "t.xlsx", HEADERS, iter(ROWS))
    assert created == [{"write_only": True}]
    assert io.BytesIO((tmp_path / "t.xlsx").read_bytes()).read(2) == b"PK"
