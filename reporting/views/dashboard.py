from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import Structure

from .. import aggregates
from ..filters import filters_from
from ..scope import require_scope
from ..selectors import statistics


def _tables_by_slug(tables):
    # Underscores: templates cannot look up keys with hyphens.
    return {table.slug.replace("-", "_"): table for table in tables}


def _charts(tables):
    """The data each chart draws (static/reporting/charts.js), taken from the same tables the
    page shows beside them and the exports write."""
    series = tables["par_periode"].rows
    departements = tables["par_departement"].rows
    return {
        "certifications": {
            "x_label": _("Période"),
            "y_label": _("Nombre"),
            "points": [
                {"period": r["period"], "label": r["label"], "series": name, "value": r[key]}
                for key, name in (
                    ("certifications", _("Parcours certifiés")),
                    ("blocs", _("Blocs validés")),
                )
                for r in series
            ],
        },
        "hours": {
            "x_label": _("Période"),
            "y_label": _("Heures"),
            "points": [
                {
                    "period": r["period"],
                    "label": r["label"],
                    "series": _("Heures de formation"),
                    "value": float(r["hours"]),
                }
                for r in series
            ],
        },
        "departements": {
            "x_label": _("Parcours certifiés"),
            "rows": [
                {"label": r["label"], "value": r["certifications"]}
                for r in departements
                if r["certifications"]
            ][:20],
        },
        "tiles": {
            "value_label": _("Blocs validés"),
            "rows": [
                {"code": r["code"], "label": r["name"], "value": r["blocs"]}
                for r in departements
                if r["name"]
            ],
        },
        "blocs": {"x_label": _("Blocs validés"), "rows": tables["par_bloc"].rows},
        "funnel": {"rows": tables["entonnoir"].rows},
    }


def dashboard(request):
    scope = require_scope(request.user)
    form, filters = filters_from(request.GET)
    context = {"form": form, "scope": scope, "query": request.GET.urlencode()}
    if not scope.is_hub:
        context["structures"] = Structure.objects.filter(pk__in=scope.structure_ids).order_by(
            "name"
        )
    status = 200
    if filters is None:
        status = 400
    else:
        source = aggregates.figures_source(statistics.LIVE, scope)
        figures, expiring = statistics.key_figures(scope, filters, source=source)
        tables = _tables_by_slug(statistics.aggregate_tables(scope, filters, source=source))
        context.update(
            filters=filters,
            aggregates_state=getattr(source, "state", None),
            figures=figures,
            expiring=expiring,
            tables=tables,
            charts=_charts(tables),
            other_tables=[
                tables[slug]
                for slug in (
                    "par_region",
                    "par_commune",
                    "par_parcours",
                    "par_type_de_structure",
                    "par_fonction",
                    "par_evaluateur",
                )
            ],
        )
    return render(request, "reporting/dashboard.html", context, status=status)
