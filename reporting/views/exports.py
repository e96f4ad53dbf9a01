"""The exports page: choose what to export with the dashboard's filters, follow its preparation,
download it. Hub coordinators and heads of places only (their scope); each person sees and
downloads only their own exports."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Structure
from core.audit import log_action
from core.exceptions import DomainError

from .. import exports, services
from ..exports.aggregates import threshold
from ..filters import FILTER_KEYS, filters_from
from ..models import HUB_ONLY_KINDS, ExportFormat, ExportKind, ReportExport
from ..scope import require_scope

PAGE_SIZE = 20
# The form's fields and their described values, in the order of the filters form.
DESCRIBED = (
    "granularity",
    "region",
    "departement",
    "structure_kind",
    "function",
    "pathway",
    "bloc",
)


class ExportRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Que voulez-vous exporter ?"), widget=forms.RadioSelect
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        widget=forms.RadioSelect,
        choices=ExportFormat.choices,
        initial=ExportFormat.CSV,
        help_text=gettext_lazy(
            "CSV s'ouvre dans un tableur (séparateur point-virgule) ; les tableaux statistiques "
            "en CSV forment une archive ZIP d'un fichier par tableau."
        ),
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (value, label)
            for value, label in ExportKind.choices
            if scope.is_hub or value not in HUB_ONLY_KINDS
        ]
        self.fields["kind"].help_text = _(
            "Les exports nominatifs ne contiennent pas les personnes qui ont demandé à ne pas y "
            "figurer ; elles restent comptées dans les tableaux statistiques, où tout effectif "
            "de 1 à %(below)s personnes est écrit « < %(limit)s »."
        ) % {"below": threshold() - 1, "limit": threshold()}


def _scope_label(scope_is_hub, structure_ids):
    if scope_is_hub:
        return _("tout le réseau")
    names = Structure.objects.filter(pk__in=structure_ids).order_by("name")
    return ", ".join(names.values_list("name", flat=True)) or _("aucune structure")


def describe(form, filters):
    """The filters in effect, in words: [(label, value)]."""
    period = _("du %(start)s au %(end)s") % {
        "start": date_format(filters.start, "DATE_FORMAT"),
        "end": date_format(filters.end, "DATE_FORMAT"),
    }
    described = [(_("Période"), period)]
    for name in DESCRIBED:
        value = form.cleaned_data.get(name)
        if not value:
            continue
        field = form.fields[name]
        if name == "pathway":
            text = field.label_from_instance(value)
        else:
            text = dict(field.choices).get(value, value)
        described.append((str(field.label), str(text)))
    if filters.trainer_kind:
        field = form.fields["trainer_kind"]
        described.append((str(field.label), str(dict(field.choices)[filters.trainer_kind])))
    return described


def _jobs_page(request, scope):
    jobs = ReportExport.objects.filter(requested_by=request.user)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for job in page.object_list:
        job.downloadable = services.is_downloadable(job) and services.covers(scope, job)
    return page


def _page(request, scope, query, *, form=None, status=200):
    filter_form, filters = filters_from(query)
    context = {
        "scope": scope,
        "filter_form": filter_form,
        "filters": filters,
        "form": form or ExportRequestForm(scope=scope),
        "scope_label": _scope_label(scope.is_hub, scope.structure_ids),
        "query": urlencode(sorted(query.items())),
        "page": _jobs_page(request, scope),
    }
    if filters is None:
        status = 400
    else:
        context["described"] = describe(filter_form, filters)
        context["hidden"] = sorted(services.canonical_query(query, filters).items())
    return render(request, "reporting/exports.html", context, status=status)


def _filter_params(data):
    return {key: value for key, value in data.items() if key in FILTER_KEYS and value}


def export_list(request):
    scope = require_scope(request.user)
    return _page(request, scope, _filter_params(request.GET))


@require_POST
def export_create(request):
    scope = require_scope(request.user)
    query = _filter_params(request.POST)
    try:
        job, created = services.report_export_request(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            fmt=request.POST.get("format", ""),
            query=query,
        )
    except DomainError as error:
        form = ExportRequestForm(request.POST, scope=scope)
        form.is_valid()
        # The service's message replaces the form's generic one ("choix non valide").
        field = error.field if error.field in form.fields else None
        if field:
            form.errors.pop(field, None)
        form.add_error(field, error.message)
        status = 429 if error.code == "too_many_exports" else 400
        return _page(request, scope, query, form=form, status=status)
    if created:
        messages.success(request, _("Votre export est en préparation."))
    else:
        messages.info(request, _("Cet export est déjà demandé : le voici."))
    return redirect("reporting:export_status", job.pk)


def export_status(request, pk):
    scope = require_scope(request.user)
    job = get_object_or_404(ReportExport, pk=pk, requested_by=request.user)
    context = {
        "job": job,
        "downloadable": services.is_downloadable(job) and services.covers(scope, job),
    }
    if request.headers.get("HX-Request"):
        response = render(request, "reporting/_export_progress.html", context)
    else:
        filter_form, filters = filters_from(job.query)
        context.update(
            scope=scope,
            described=describe(filter_form, filters) if filters else [],
            scope_label=_scope_label(job.scope_is_hub, job.scope_structure_ids),
            query=urlencode(sorted(job.query.items())),
        )
        response = render(request, "reporting/exports.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def export_download(request, pk):
    require_scope(request.user)
    job = services.job_for_download(user=request.user, pk=pk)
    if job is None:
        raise Http404
    log_action(actor=request.user, action="report_export.download", target=job)
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=exports.content_type(job.kind, job.format),
    )
