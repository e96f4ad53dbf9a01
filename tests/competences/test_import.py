"""Importing a reference file: what is read correctly, and every bad input refused whole."""

import io
import json
import zipfile

import openpyxl
import pytest

from competences.importing import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    ImportRefused,
    import_reference,
    import_reference_file,
)
from competences.models import Referential, VersionStatus

from .conftest import counts, make_csv, row


def _import(hub, data, fmt="csv", code="mediation", title="Médiation numérique"):
    return import_reference(actor=hub, data=data, fmt=fmt, code=code, title=title)


def _refused(hub, data, fmt="csv", **kwargs):
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        _import(hub, data, fmt, **kwargs)
    assert counts() == before, "a refused import must write nothing"
    return [str(issue) for issue in refused.value.issues]


def _xlsx(rows, header=COLUMNS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), workbook


# What is read correctly ----------------------------------------------------------------------


def test_a_csv_saved_by_a_french_spreadsheet_is_read_correctly(hub):
    """Windows-1252, `;` separators, CRLF line ends, a quoted cell holding `;` and a line break."""
    rows = [
        row(
            bloc_title="Accueillir et diagnostiquer",
            bloc_description="Premier accueil ; écoute « active »",
            competence_title="Identifier l’urgence",
            criterion_text="Repère l’échéance\r\net l’œuvre à accomplir — vite",
        ),
        row(
            criterion="B1.C1.2",
            bloc_title="Accueillir et diagnostiquer",
            competence_title="Identifier l’urgence",
            criterion_text="Coût : 10 €",
        ),
    ]
    data = make_csv(rows, encoding="cp1252")
    assert b"\r\n" in data and b"\x92" in data  # really Windows-1252 with CRLF
    version = _import(hub, data)
    assert version.status == VersionStatus.DRAFT
    bloc = version.blocs.get()
    assert bloc.title == "Accueillir et diagnostiquer"
    assert bloc.description == "Premier accueil ; écoute « active »"
    assert version.competences.get().title == "Identifier l’urgence"
    texts = list(version.criteria.order_by("order").values_list("text", flat=True))
    assert texts == ["Repère l’échéance\net l’œuvre à accomplir — vite", "Coût : 10 €"]


def test_utf8_with_bom_and_commas(hub):
    data = "\ufeff".encode() + make_csv([row(criterion_text="Démarche, étape 1")], delimiter=",")
    version = _import(hub, data)
    assert version.criteria.get().text == "Démarche, étape 1"


def test_headers_are_matched_whatever_their_case_and_spaces(hub):
    header = [f" {column.upper()} " for column in COLUMNS]
    version = _import(hub, make_csv([row()], header=header))
    assert version.criteria.count() == 1


def test_optional_columns_orders_and_evaluation_modalities(hub):
    header = [
        *COLUMNS,
        "bloc_evaluation_modalities",
        "bloc_order",
        "competence_order",
        "criterion_order",
    ]
    rows = [
        row("B1", "B1.C1", "B1.C1.1") + ["Mise en situation", "2", "1", "2"],
        row("B1", "B1.C1", "B1.C1.2") + ["", "", "", "1"],
        row("B2", "B2.C1", "B2.C1.1") + ["Quiz", "1", "1", "1"],
    ]
    version = _import(hub, make_csv(rows, header=header))
    assert list(version.blocs.order_by("order").values_list("code", "evaluation_modalities")) == [
        ("B2", "Quiz"),
        ("B1", "Mise en situation"),
    ]
    assert list(
        version.criteria.filter(competence__code="B1.C1")
        .order_by("order")
        .values_list("code", flat=True)
    ) == ["B1.C1.2", "B1.C1.1"]


def test_without_order_columns_the_file_order_is_kept(hub):
    rows = [
        row("B2", "B2.C1", "B2.C1.1"),
        row("B1", "B1.C1", "B1.C1.1"),
        row("B1", "B1.C2", "B1.C2.1"),
    ]
    version = _import(hub, make_csv(rows))
    assert list(version.blocs.order_by("order").values_list("code", flat=True)) == ["B2", "B1"]
    assert list(
        version.competences.filter(bloc__code="B1").order_by("order").values_list("code", flat=True)
    ) == ["B1.C1", "B1.C2"]


def test_blank_lines_are_ignored_and_a_competence_may_have_no_criterion_yet(hub):
    rows = [row(), ["", "", "", "", "", "", "", ""], row("B1", "B1.C2", "", criterion_text="")]
    version = _import(hub, make_csv(rows))
    assert version.competences.count() == 2
    assert version.criteria.count() == 1


def test_an_existing_referential_gets_a_new_draft_with_the_same_scale(hub, published):
    published.levels.filter(rank=1).update(label="Sensibilisation")
    version = _import(hub, make_csv([row()]), code=published.referential.code, title="")
    assert version.referential == published.referential
    assert version.number == published.number + 1
    assert version.levels.get(rank=1).label == "Sensibilisation"
    assert version.levels.filter(counts_as_acquired=True).count() == 1


def test_a_new_referential_is_created_with_its_title_and_default_scale(hub):
    version = _import(hub, make_csv([row()]), code="aidants", title="Aidants numériques")
    assert version.number == 1
    assert Referential.objects.get(code="aidants").title == "Aidants numériques"
    assert version.levels.count() == 4


def test_xlsx_and_json_are_read(hub):
    data, _workbook = _xlsx([row(), row(criterion="B1.C1.2")])
    assert _import(hub, data, "xlsx").criteria.count() == 2
    records = [dict(zip(COLUMNS, row(), strict=True)) | {"criterion_order": 3}]
    version = _import(hub, json.dumps(records).encode(), "json", code="autre")
    assert version.criteria.get().order == 3


# Bad input: the whole file is refused, every issue listed with its line -----------------------


def test_duplicate_codes_are_refused_with_their_lines(hub):
    rows = [row(), row(criterion="B1.C1.2"), row(criterion="B1.C1.1"), row("B1", "B1", "B1.C1.3")]
    issues = _refused(hub, make_csv(rows))
    assert "Ligne 4 : code de critère « B1.C1.1 » en double (voir ligne 2)." in issues
    assert "Ligne 5 : le code « B1 » est déjà celui d'un bloc (voir ligne 2)." in issues


def test_a_criterion_without_its_competence_is_refused(hub):
    issues = _refused(
        hub, make_csv([row(), row(competence="", competence_title="", criterion="B1.C1.2")])
    )
    assert issues == ["Ligne 3 : critère sans compétence : le code de la compétence est vide."]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"bloc_title": ""}, "l'intitulé du bloc est vide."),
        ({"competence_title": "  "}, "l'intitulé de la compétence est vide."),
        ({"criterion_text": ""}, "le texte du critère est vide."),
        ({"bloc_code": ""}, "le code du bloc est vide."),
        ({"criterion_code": ""}, "le code du critère est vide."),
    ],
)
def test_empty_titles_and_codes_are_refused(hub, overrides, message):
    issues = _refused(hub, make_csv([row(), row(criterion="B1.C1.2", **overrides)]))
    assert f"Ligne 3 : {message}" in issues


def test_every_faulty_row_is_listed(hub):
    rows = [
        row(),
        row(criterion="B1.C1.1"),
        row(bloc_title=""),
        row(competence="", competence_title="", criterion="B1.C1.9"),
        row("B 2", "B2.C1", "B2.C1.1"),
        row(criterion="B1.C1.5", bloc_title="Autre titre"),
    ]
    issues = _refused(hub, make_csv(rows))
    lines = sorted({issue.split(" :")[0] for issue in issues})
    assert lines == ["Ligne 3", "Ligne 4", "Ligne 5", "Ligne 6", "Ligne 7"]
    assert any("Ligne 7 : la valeur de « intitulé du bloc » pour B1 diffère" in i for i in issues)
    assert any("Ligne 6 : " in i and "n'est pas valide" in i for i in issues)


def test_a_competence_under_two_blocs_is_refused(hub):
    issues = _refused(hub, make_csv([row(), row("B2", "B1.C1", "B1.C1.2")]))
    assert issues == [
        "Ligne 3 : la compétence « B1.C1 » est déjà rattachée au bloc « B1 » (voir ligne 2)."
    ]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"bloc_code;bloc_title\r\nB1;Accueil \x81\r\n", id="undefined-cp1252-byte"),
        pytest.param(
            "bloc_code;bloc_title\r\nB1;Accueil é\r\n".encode() + b"B2;D\xe9marche\r\n",
            id="mixed-utf8-and-cp1252",
        ),
        pytest.param("bloc_code;bloc_title\r\nB1;é\r\n".encode("utf-16"), id="utf-16"),
        pytest.param(b"\xef\xbb\xbfbloc_code;bloc_title\r\nB1;\xe9\r\n", id="bom-but-not-utf8"),
        pytest.param(b"%PDF-1.4\x00\x01\x02binary", id="binary"),
    ],
)
def test_an_undecidable_encoding_is_refused(hub, data):
    issues = _refused(hub, data)
    assert len(issues) == 1
    assert "encod" in issues[0] or "caractères de contrôle" in issues[0]


def test_unknown_and_missing_columns_are_refused(hub):
    header = [c for c in COLUMNS if c != "criterion_text"] + ["commentaire"]
    issues = _refused(hub, make_csv([row()[:7] + ["x"]], header=header))
    assert issues == [
        "Ligne 1 : colonnes obligatoires manquantes : criterion_text.",
        "Ligne 1 : colonnes inconnues : commentaire (colonnes acceptées : "
        + ", ".join(
            [
                *COLUMNS,
                "bloc_evaluation_modalities",
                "bloc_order",
                "competence_order",
                "criterion_order",
            ]
        )
        + ").",
    ]


def test_a_50_000_row_file_is_refused(hub):
    lines = ["\t".join(COLUMNS).replace("\t", ";")]
    lines += [f"B1;Bloc;;B1.C1;Comp;;B1.C1.{n};Critère {n}" for n in range(50_000)]
    data = "\r\n".join(lines).encode()
    assert len(data) < MAX_BYTES  # refused for its rows, not its size
    issues = _refused(hub, data)
    assert len(issues) == 1
    assert "dépasse 5\u202f000 lignes" in issues[0]


def test_a_file_too_big_is_refused_before_being_read(hub):
    class HugeUpload(io.BytesIO):
        size = MAX_BYTES + 1
        name = "enorme.csv"

        def read(self, *args):
            raise AssertionError("the content must not be read")

    before = counts()
    with pytest.raises(ImportRefused) as refused:
        import_reference_file(actor=hub, fileobj=HugeUpload(), code="x", title="X")
    assert "dépasse 5 Mo" in str(refused.value.issues[0])
    assert counts() == before


def test_a_stream_bigger_than_the_limit_is_refused(hub):
    stream = io.BytesIO(b"x" * (MAX_BYTES + 10))
    with pytest.raises(ImportRefused):
        import_reference_file(actor=hub, fileobj=stream, code="x", title="X", fmt="csv")
    assert stream.tell() == MAX_BYTES + 1  # read no further than the limit


def test_an_xlsx_with_formulas_is_refused_naming_the_cells(hub):
    _data, workbook = _xlsx([row(), row(criterion="B1.C1.2")])
    sheet = workbook.active
    sheet["H3"] = '=CONCATENATE("Critère ", "2")'
    sheet["B2"] = "=A2"
    out = io.BytesIO()
    workbook.save(out)
    issues = _refused(hub, out.getvalue(), "xlsx")
    assert len(issues) == 1
    assert "formules (cellules B2, H3)" in issues[0]


def test_xlsx_rows_over_the_limit_are_refused(hub):
    data, _workbook = _xlsx([row(criterion=f"B1.C1.{n}") for n in range(MAX_ROWS + 1)])
    issues = _refused(hub, data, "xlsx")
    assert "lignes de données" in issues[0]


def test_not_an_xlsx(hub):
    assert _refused(hub, b"not a zip", "xlsx") == ["Le fichier n'est pas un classeur XLSX lisible."]


@pytest.mark.parametrize(
    "data, expected",
    [
        (b'{"bloc_code": "B1"}', "liste d'objets"),
        (b"[{]", "Ligne 1 : Le JSON est invalide"),
        (
            json.dumps([dict(zip(COLUMNS, row(), strict=True)), 3]).encode(),
            "Enregistrement 2 : ce n'est pas un objet",
        ),
    ],
)
def test_bad_json_is_refused(hub, data, expected):
    issues = _refused(hub, data, "json")
    assert any(expected in issue for issue in issues), issues


def test_json_issues_name_the_record(hub):
    records = [
        dict(zip(COLUMNS, row(), strict=True)),
        dict(zip(COLUMNS, row(bloc_title=""), strict=True)),
    ]
    issues = _refused(hub, json.dumps(records).encode(), "json")
    assert "Enregistrement 2 : l'intitulé du bloc est vide." in issues


def test_other_bad_rows(hub):
    header = [*COLUMNS, "criterion_order"]
    rows = [
        row() + ["1"],
        row(criterion="B1.C1.2") + ["deux"],
        row(criterion="B1.C1.3") + ["1", "en trop"],
    ]
    issues = _refused(hub, make_csv(rows, header=header))
    assert "Ligne 3 : Ordre du critère doit être un nombre entier positif (« deux »)." in issues
    assert "Ligne 4 : la ligne a 10 cellules alors que l'en-tête a 9 colonnes." in issues


def test_an_unclosed_quote_is_refused(hub):
    data = make_csv([row()]) + b'B1;"Bloc;;B1.C1;C;;B1.C1.2;T\r\n'
    issues = _refused(hub, data)
    assert "mal formé" in issues[0]


def test_empty_files_are_refused(hub):
    assert _refused(hub, b"") == ["Le fichier est vide."]
    assert _refused(hub, make_csv([])) == ["Le fichier ne contient aucune ligne de données."]


def test_a_new_referential_needs_a_title_and_a_valid_code(hub):
    assert _refused(hub, make_csv([row()]), title="") == [
        "Le référentiel « mediation » n'existe pas encore : indiquez son intitulé."
    ]
    issues = _refused(hub, make_csv([row()]), code="Médiation numérique")
    assert "n'est pas valide" in issues[0]


def test_a_long_code_is_refused(hub):
    issues = _refused(hub, make_csv([row(criterion="B1.C1." + "9" * 30)]))
    assert issues == ["Ligne 2 : Code du critère dépasse 24 caractères."]


def test_an_xlsx_that_unzips_to_a_huge_size_is_refused(hub):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (MAX_BYTES * 11))
    issues = _refused(hub, out.getvalue(), "xlsx")
    assert issues == ["Le classeur décompressé dépasse 50 Mo : il est refusé."]


def test_an_order_given_on_a_later_row_of_its_bloc_is_kept(hub):
    """Like a description, an order may be left empty on the first row of a bloc or competence;
    given on a later row it was ignored (the file position was used)."""
    header = [*COLUMNS, "bloc_order", "competence_order"]
    rows = [
        row() + ["", ""],
        row(criterion="B1.C1.2") + ["7", "3"],
        row(bloc="B2", competence="B2.C1", criterion="B2.C1.1") + ["2", ""],
    ]
    version = _import(hub, make_csv(rows, header=header))
    assert dict(version.blocs.values_list("code", "order")) == {"B1": 7, "B2": 2}
    assert version.competences.get(code="B1.C1").order == 3
    issues = _refused(hub, make_csv([*rows, row(criterion="B1.C1.3") + ["8", ""]], header=header))
    assert issues == ["Ligne 5 : la valeur de « ordre du bloc » pour B1 diffère (voir ligne 2)."]
