"""django-import-export glue: one row per criterion (with its competence and bloc).

`ReferentialRowResource` exports a version to a tablib Dataset and imports a Dataset as a new
draft version through competences.services; the format classes read files with Socle's own
reader (encodings, separators, size and formula checks) and write formula-safe CSV and XLSX.
The admin, the hub's import page and `manage.py referential` all go through these classes.
"""

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from import_export import fields, resources
from import_export.formats import base_formats
from import_export.results import RowResult

from core.exceptions import DomainError

from . import services
from .importing.checks import check_target
from .importing.issues import ALL_COLUMNS, LINE, ImportIssue, protect_cell
from .importing.reading import Table, read_table
from .importing.validation import validate_table


@dataclass
class ReferenceRow:
    bloc_code: str = ""
    bloc_title: str = ""
    bloc_description: str = ""
    competence_code: str = ""
    competence_title: str = ""
    competence_description: str = ""
    criterion_code: str = ""
    criterion_text: str = ""
    bloc_evaluation_modalities: str = ""
    bloc_order: int | str = ""
    competence_order: int | str = ""
    criterion_order: int | str = ""


def reference_rows(blocs):
    """One ReferenceRow per criterion; a competence without criteria (or a bloc without
    competences, in a draft) still gets a row so that nothing is lost on the way back."""
    for bloc in blocs:
        bloc_cells = {
            "bloc_code": bloc["code"],
            "bloc_title": bloc["title"],
            "bloc_description": bloc["description"],
            "bloc_evaluation_modalities": bloc["evaluation_modalities"],
            "bloc_order": bloc["order"],
        }
        if not bloc["competences"]:
            yield ReferenceRow(**bloc_cells)
        for competence in bloc["competences"]:
            competence_cells = {
                "competence_code": competence["code"],
                "competence_title": competence["title"],
                "competence_description": competence["description"],
                "competence_order": competence["order"],
            }
            if not competence["criteria"]:
                yield ReferenceRow(**bloc_cells, **competence_cells)
            for criterion in competence["criteria"]:
                yield ReferenceRow(
                    **bloc_cells,
                    **competence_cells,
                    criterion_code=criterion["code"],
                    criterion_text=criterion["text"],
                    criterion_order=criterion["order"],
                )


def table_from_dataset(dataset):
    """The Table our formats attached to the dataset (with true line numbers), or one rebuilt
    from a plain tablib Dataset (rows numbered from 2, the header being line 1)."""
    table = getattr(dataset, "socle_table", None)
    if table is not None:
        return table
    headers = [str(h or "").strip().lower() for h in (dataset.headers or [])]
    return Table(
        headers=headers,
        rows=[(index, list(row)) for index, row in enumerate(dataset, start=2)],
        unit=LINE,
        protected=True,
    )


class ReferentialRowResource(resources.Resource):
    bloc_code = fields.Field(attribute="bloc_code", column_name="bloc_code")
    bloc_title = fields.Field(attribute="bloc_title", column_name="bloc_title")
    bloc_description = fields.Field(attribute="bloc_description", column_name="bloc_description")
    competence_code = fields.Field(attribute="competence_code", column_name="competence_code")
    competence_title = fields.Field(attribute="competence_title", column_name="competence_title")
    competence_description = fields.Field(
        attribute="competence_description", column_name="competence_description"
    )
    criterion_code = fields.Field(attribute="criterion_code", column_name="criterion_code")
    criterion_text = fields.Field(attribute="criterion_text", column_name="criterion_text")
    bloc_evaluation_modalities = fields.Field(
        attribute="bloc_evaluation_modalities", column_name="bloc_evaluation_modalities"
    )
    bloc_order = fields.Field(attribute="bloc_order", column_name="bloc_order")
    competence_order = fields.Field(attribute="competence_order", column_name="competence_order")
    criterion_order = fields.Field(attribute="criterion_order", column_name="criterion_order")

    class Meta:
        export_order = ALL_COLUMNS
        use_transactions = True

    def __init__(self, *, code="", title="", actor=None, notes="", **kwargs):
        super().__init__(**kwargs)
        self.code = (code or "").strip()
        self.title = (title or "").strip()
        self.actor = actor
        self.notes = notes
        self.issues = []
        self.version = None

    @classmethod
    def get_display_name(cls):
        return gettext("Référentiel (une ligne par critère)")

    # Orders stay numbers (for XLSX and JSON); text columns keep their text.
    def dehydrate_bloc_order(self, row):
        return row.bloc_order

    def dehydrate_competence_order(self, row):
        return row.competence_order

    def dehydrate_criterion_order(self, row):
        return row.criterion_order

    def export_version(self, version):
        return self.export(list(reference_rows(services.content_as_dicts(version))))

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """Validate the whole dataset, then (unless dry_run) create one draft version with it.
        Every issue becomes an invalid row of the Result; with any issue nothing is written."""
        result = self.get_result_class()()
        result.diff_headers = list(ALL_COLUMNS)
        table = table_from_dataset(dataset)
        result.total_rows = len(table.rows)
        issues = check_target(self.code, self.title)
        blocs, row_issues = validate_table(table)
        issues += row_issues
        if not issues and not dry_run:
            try:
                self.version = services.version_import(
                    actor=self.actor,
                    code=self.code,
                    title=self.title,
                    blocs=blocs,
                    notes=self.notes,
                )
            except DomainError as error:
                issues.append(ImportIssue(None, error.message))
            except ValidationError as error:
                issues.extend(ImportIssue(None, message) for message in error.messages)
        self.issues = issues
        result.socle_issues = issues
        result.socle_version = self.version
        values_by_line = {
            line: dict(zip(table.headers, (str(c) for c in cells), strict=False))
            for line, cells in table.rows
        }
        if issues:
            grouped = defaultdict(list)
            for issue in issues:
                grouped[issue.line].append(str(issue.message))
            for line, messages in grouped.items():
                result.append_invalid_row(
                    line or 0, values_by_line.get(line, {}), ValidationError(messages)
                )
            return result
        for line, _cells in table.rows:
            row_result = RowResult()
            row_result.import_type = RowResult.IMPORT_TYPE_NEW
            row_result.row_values = values_by_line[line]
            row_result.diff = [values_by_line[line].get(col, "") for col in ALL_COLUMNS]
            row_result.object_repr = values_by_line[line].get("criterion_code", "")
            result.append_row_result(row_result)
            result.increment_row_result_total(row_result)
        return result


def _protected(dataset):
    copy = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        copy.append([protect_cell(value) for value in row])
    return copy


class _SocleFormat:
    """Read the raw bytes ourselves: encodings and separators are detected, not configured."""

    FORMAT = ""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        table = read_table(in_stream, self.FORMAT)
        width = len(table.headers)
        dataset = tablib.Dataset(headers=table.headers)
        for _line, cells in table.rows:
            cells = list(cells)[:width]
            dataset.append(cells + [""] * (width - len(cells)))
        dataset.socle_table = table
        return dataset


class ReferentialCSV(_SocleFormat, base_formats.CSV):
    """Import: UTF-8 or Windows-1252, `;` or `,`. Export: UTF-8 with BOM and `;` (what French
    spreadsheets open directly), cells protected against formulas."""

    FORMAT = "csv"
    CONTENT_TYPE = "text/csv; charset=utf-8"

    def export_data(self, dataset, **kwargs):
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(dataset.headers)
        for row in _protected(dataset):
            writer.writerow(row)
        return ("\ufeff" + out.getvalue()).encode("utf-8")


class ReferentialXLSX(_SocleFormat, base_formats.XLSX):
    FORMAT = "xlsx"

    def export_data(self, dataset, **kwargs):
        return super().export_data(_protected(dataset), **kwargs)


class ReferentialJSON(_SocleFormat, base_formats.JSON):
    FORMAT = "json"
    CONTENT_TYPE = "application/json"

    def export_data(self, dataset, **kwargs):
        records = [dict(zip(dataset.headers, row, strict=True)) for row in dataset]
        return json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8")


FORMAT_CLASSES = {"csv": ReferentialCSV, "xlsx": ReferentialXLSX, "json": ReferentialJSON}
