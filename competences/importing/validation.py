"""Checking a table row by row and turning it into blocs → competences → criteria.

Every faulty row is reported (not only the first one); nothing is written here.
"""

from django.utils.translation import gettext as _

from ..models import Bloc, Competence, Criterion
from ..services import CODE_RE
from .checks import check_headers, column_label
from .issues import ORDER_COLUMNS, RECORD, ImportIssue, unprotect_cell

MAX_LENGTHS = {
    "bloc_code": Bloc._meta.get_field("code").max_length,
    "bloc_title": Bloc._meta.get_field("title").max_length,
    "competence_code": Competence._meta.get_field("code").max_length,
    "competence_title": Competence._meta.get_field("title").max_length,
    "criterion_code": Criterion._meta.get_field("code").max_length,
}


def _clean(value, protected):
    text = str(value if value is not None else "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    return unprotect_cell(text) if protected else text


def _parse_order(value):
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None
    if not number.is_integer() or number < 0:
        return None
    return int(number)


class _Builder:
    """Accumulates blocs, competences and criteria in order of appearance, and the issues."""

    def __init__(self, unit):
        self.unit = unit
        self.issues = []
        self.blocs = {}  # code -> dict
        self.competences = {}  # code -> dict
        self.owners = {}  # code -> (kind, first line)

    def where(self, line):
        if self.unit == RECORD:
            return _("enregistrement %(n)s") % {"n": line}
        return _("ligne %(n)s") % {"n": line}

    def issue(self, line, message):
        self.issues.append(ImportIssue(line, message, self.unit))

    def _claim(self, line, code, kind):
        """A code names one item of the version, whatever its kind (codes are anchors)."""
        owner = self.owners.get(code)
        if owner is None:
            self.owners[code] = (kind, line)
            return True
        owner_kind, owner_line = owner
        if kind == owner_kind == "criterion":
            message = _("code de critère « %(code)s » en double (voir %(first)s).")
        else:
            message = {
                "bloc": _("le code « %(code)s » est déjà celui d'un bloc (voir %(first)s)."),
                "competence": _(
                    "le code « %(code)s » est déjà celui d'une compétence (voir %(first)s)."
                ),
                "criterion": _(
                    "le code « %(code)s » est déjà celui d'un critère (voir %(first)s)."
                ),
            }[owner_kind]
        self.issue(line, message % {"code": code, "first": self.where(owner_line)})
        return False

    def _same(self, line, item, values, pairs):
        """A repeated bloc or competence must say the same thing each time (optional cells may
        be left empty on the later rows)."""
        for key, column, required in pairs:
            new = values.get(column, "")
            if key == "order":
                new = _parse_order(new) if new else None
                if new is not None and item["order_given"] is None:
                    item["order_given"] = new  # like a text, an order may come on a later row
                    continue
                differs = new is not None and item["order_given"] != new
            elif not new and not required:
                continue
            elif new and not item[key]:
                item[key] = new
                continue
            else:
                differs = new != item[key]
            if differs:
                self.issue(
                    line,
                    _("la valeur de « %(field)s » pour %(code)s diffère (voir %(first)s).")
                    % {
                        "field": column_label(column),
                        "code": item["code"],
                        "first": self.where(item["line"]),
                    },
                )

    def add_row(self, line, values):
        count_before = len(self.issues)
        for column, limit in MAX_LENGTHS.items():
            if len(values.get(column, "")) > limit:
                self.issue(
                    line,
                    _("%(field)s dépasse %(max)s caractères.")
                    % {"field": column_label(column).capitalize(), "max": limit},
                )
        for column in ORDER_COLUMNS:
            if values.get(column) and _parse_order(values[column]) is None:
                self.issue(
                    line,
                    _("%(field)s doit être un nombre entier positif (« %(value)s »).")
                    % {"field": column_label(column).capitalize(), "value": values[column]},
                )
        codes_ok = True
        for column in ("bloc_code", "competence_code", "criterion_code"):
            code = values.get(column, "")
            if code and not CODE_RE.match(code):
                codes_ok = False
                self.issue(
                    line,
                    _(
                        "%(field)s « %(code)s » n'est pas valide : lettres, chiffres, points, "
                        "tirets ou soulignés, sans espace."
                    )
                    % {"field": column_label(column).capitalize(), "code": code},
                )

        bloc_code = values.get("bloc_code", "")
        competence_code = values.get("competence_code", "")
        criterion_code = values.get("criterion_code", "")
        criterion_text = values.get("criterion_text", "")
        if not bloc_code:
            self.issue(line, _("le code du bloc est vide."))
        if not values.get("bloc_title"):
            self.issue(line, _("l'intitulé du bloc est vide."))
        if competence_code and not values.get("competence_title"):
            self.issue(line, _("l'intitulé de la compétence est vide."))
        if not competence_code:
            if criterion_code or criterion_text:
                self.issue(
                    line,
                    _("critère sans compétence : le code de la compétence est vide."),
                )
            elif values.get("competence_title") or values.get("competence_description"):
                self.issue(line, _("le code de la compétence est vide."))
        if criterion_code and not criterion_text:
            self.issue(line, _("le texte du critère est vide."))
        if criterion_text and not criterion_code:
            self.issue(line, _("le code du critère est vide."))
        if len(self.issues) > count_before or not codes_ok:
            return

        bloc = self.blocs.get(bloc_code)
        if bloc is None:
            if not self._claim(line, bloc_code, "bloc"):
                return
            bloc = self.blocs[bloc_code] = {
                "code": bloc_code,
                "title": values["bloc_title"],
                "description": values.get("bloc_description", ""),
                "evaluation_modalities": values.get("bloc_evaluation_modalities", ""),
                "order_given": _parse_order(values.get("bloc_order", "") or "x"),
                "line": line,
                "competences": [],
            }
        else:
            self._same(
                line,
                bloc,
                values,
                [
                    ("title", "bloc_title", True),
                    ("description", "bloc_description", False),
                    ("evaluation_modalities", "bloc_evaluation_modalities", False),
                    ("order", "bloc_order", False),
                ],
            )
        if not competence_code:
            return

        competence = self.competences.get(competence_code)
        if competence is None:
            if not self._claim(line, competence_code, "competence"):
                return
            competence = self.competences[competence_code] = {
                "code": competence_code,
                "bloc": bloc_code,
                "title": values["competence_title"],
                "description": values.get("competence_description", ""),
                "order_given": _parse_order(values.get("competence_order", "") or "x"),
                "line": line,
                "criteria": [],
            }
            bloc["competences"].append(competence)
        else:
            if competence["bloc"] != bloc_code:
                self.issue(
                    line,
                    _(
                        "la compétence « %(code)s » est déjà rattachée au bloc « %(bloc)s » "
                        "(voir %(first)s)."
                    )
                    % {
                        "code": competence_code,
                        "bloc": competence["bloc"],
                        "first": self.where(competence["line"]),
                    },
                )
                return
            self._same(
                line,
                competence,
                values,
                [
                    ("title", "competence_title", True),
                    ("description", "competence_description", False),
                    ("order", "competence_order", False),
                ],
            )
        if not criterion_code or not self._claim(line, criterion_code, "criterion"):
            return
        competence["criteria"].append(
            {
                "code": criterion_code,
                "text": criterion_text,
                "order_given": _parse_order(values.get("criterion_order", "") or "x"),
            }
        )

    def result(self):
        """Blocs in order of appearance; an item without an order gets its position."""

        def finish(items, children_key=None):
            for position, item in enumerate(items, start=1):
                item["order"] = item.pop("order_given")
                if item["order"] is None:
                    item["order"] = position
                item.pop("line", None)
                item.pop("bloc", None)
                if children_key == "competences":
                    finish(item["competences"], "criteria")
                elif children_key == "criteria":
                    finish(item["criteria"])
            return items

        return finish(list(self.blocs.values()), "competences")


def validate_table(table):
    """-> (blocs as nested dicts, [ImportIssue]); the blocs are only meaningful without issues."""
    issues = check_headers(table)
    if issues:
        return [], issues
    builder = _Builder(table.unit)
    width = len(table.headers)
    unnamed = [index for index, header in enumerate(table.headers) if not header]
    for line, cells in table.rows:
        cells = list(cells)
        filled = [index for index, cell in enumerate(cells) if str(cell).strip()]
        if filled and filled[-1] >= width:
            # Counted up to the last filled cell: spreadsheets pad rows with empty ones.
            builder.issue(
                line,
                _("la ligne a %(n)s cellules alors que l'en-tête a %(width)s colonnes.")
                % {"n": filled[-1] + 1, "width": width},
            )
            continue
        for index in unnamed:
            if index in filled:
                builder.issue(
                    line,
                    _("la colonne %(n)s, sans nom dans l'en-tête, est remplie.") % {"n": index + 1},
                )
        cells = cells[:width] + [""] * (width - len(cells))
        values = {
            header: _clean(cell, table.protected)
            for header, cell in zip(table.headers, cells, strict=True)
            if header
        }
        builder.add_row(line, values)
    if not table.rows:
        builder.issue(None, _("Le fichier ne contient aucune ligne de données."))
    return builder.result(), builder.issues
