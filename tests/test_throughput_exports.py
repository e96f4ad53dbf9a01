"""The « Évaluations » export reads tuples instead of going through the import-export resource
(reporting.exports.nominative.assessment_rows): on a small network, with names a spreadsheet
would run as formulas, characters XLSX cannot hold and every method and assessor role, each
format gives exactly the file the resource gave."""

import datetime
import json

import openpyxl
import pytest
from django.utils import translation

from reporting.exports import resource_rows, write_export
from reporting.exports.nominative import NOMINATIVE, assessment_rows, read_once
from reporting.exports.writers import write_table
from reporting.models import ExportKind
from reporting.scope import ReportScope
from tests import factories
from tests.reporting import network
from tests.reporting.test_exports_files import period
from trainings.models import Assessment, AssessmentMethod, AssessorRole

pytestmark = pytest.mark.django_db

HUB = ReportScope(is_hub=True)


@pytest.fixture
def net():
    net = network.build()
    # People whose names a spreadsheet would run, or that XLSX cannot hold as they are.
    odd = [
        factories.UserFactory(last_name='=HYPERLINK("http://x")', first_name="+33 6"),
        factories.UserFactory(last_name="@SUM(A1)", first_name="-2+3"),
        factories.UserFactory(last_name="Dupont\u202e", first_name="Zoé\x07"),
        factories.UserFactory(last_name="d'Arras; «Ève»", first_name='Jean "JJ"'),
    ]
    competences = list(net.bloc.competences.order_by("code"))
    levels = list(net.version.levels.order_by("rank"))
    methods = [value for value, _label in AssessmentMethod.choices if value != "self"]
    roles = [AssessorRole.ACCREDITED, AssessorRole.PEER, AssessorRole.SELF]
    day = datetime.date(2026, 2, 1)
    for index in range(24):
        person, role = odd[index % len(odd)], roles[index % len(roles)]
        Assessment.objects.create(
            participant=person,
            competence=competences[index % len(competences)],
            level=levels[index % len(levels)],
            # Self-assessments (never exported) are the person's own.
            method="self" if role == AssessorRole.SELF else methods[index % len(methods)],
            assessor=person if role == AssessorRole.SELF else net.trainer,
            assessor_role=role,
            session=net.sessions[1],
            assessed_on=day + datetime.timedelta(days=index * 5),
        )
    return net


def _resource_file(fmt, path):
    """The file as written before: each row through AssessmentResource."""
    resource_class, querysets = NOMINATIVE[ExportKind.ASSESSMENTS]
    resource = resource_class()
    with translation.override("fr"):
        write_table(
            fmt,
            path,
            resource.headers(),
            resource_rows(resource, querysets(HUB, period())),
            title=str(ExportKind.ASSESSMENTS.label),
        )
    return path


def _tuple_file(fmt, path):
    done = []
    with translation.override("fr"):
        write_export(
            ExportKind.ASSESSMENTS,
            fmt,
            HUB,
            period(),
            path,
            on_total=done.append,
            progress=done.append,
        )
    return path, done


def _cells(path):
    book = openpyxl.load_workbook(path, read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_file_is_byte_for_byte_the_resources(net, tmp_path, fmt):
    before = _resource_file(fmt, tmp_path / f"before.{fmt}").read_bytes()
    path, done = _tuple_file(fmt, tmp_path / f"after.{fmt}")
    assert path.read_bytes() == before
    # Enough rows to mean something, the odd names among them, the total announced and reached.
    if fmt == "json":
        rows = json.loads(before)
        assert len(rows) > 15
        assert {row["nom"] for row in rows} >= {'=HYPERLINK("http://x")', "@SUM(A1)"}
    else:
        assert "'=HYPERLINK" in before.decode("utf-8-sig")
    assert (
        done[0]
        == done[-1]
        == len(json.loads(_resource_file("json", tmp_path / "n.json").read_bytes()))
    )


def test_the_workbook_holds_the_same_cells(net, tmp_path):
    before = _cells(_resource_file("xlsx", tmp_path / "before.xlsx"))
    after = _cells(_tuple_file("xlsx", tmp_path / "after.xlsx")[0])
    assert after == before
    assert len(after) > 15


def test_the_rows_are_the_resources_rows(net):
    resource_class, querysets = NOMINATIVE[ExportKind.ASSESSMENTS]
    with translation.override("fr"):
        expected = list(resource_rows(resource_class(), querysets(HUB, period())))
        got = list(assessment_rows(querysets(HUB, period()), chunk_size=7))
    assert [tuple(row) for row in expected] == got
    # Self-assessments never appear; peer and accredited ones do, with their labels.
    roles = {row[6] for row in got}
    assert roles == {"Formateur habilité", "Formateur pair"}


def test_a_competence_published_while_the_file_is_written_is_read_when_met(net):
    from competences.models import Competence

    codes = read_once(Competence.objects.values_list("pk", "code"), str.lower)
    assert codes[net.bloc.competences.order_by("pk").first().pk] == (
        net.bloc.competences.order_by("pk").first().code.lower()
    )
    newcomer = factories.CompetenceFactory(bloc=net.bloc, code="B9.C9")
    assert codes[newcomer.pk] == "b9.c9"
