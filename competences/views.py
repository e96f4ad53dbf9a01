from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.permissions import hub_coordinator_required, is_hub_coordinator

from . import selectors, services
from .diff import diff_versions
from .exporting import export_reference
from .forms import CompareForm, PublishForm, ReferentialImportForm
from .impact import diff_impact
from .importing import COLUMNS as IMPORT_COLUMNS
from .importing import FORMATS, MAX_ROWS, OPTIONAL_COLUMNS, ImportRefused, import_reference_file
from .models import VersionStatus


def home_panel(request):
    versions = list(selectors.published_versions())
    pathways = list(selectors.active_pathways())
    if not versions:
        return None
    context = {"versions": versions, "pathways": pathways}
    if is_hub_coordinator(request.user):
        # Two published versions of one referential: the hub has a version to retire (or
        # pathways to carry over); the newest one's page says what is left to do.
        newest, doubled = {}, []
        for version in versions:  # newest first within a referential
            if version.referential_id in newest:
                doubled.append(newest[version.referential_id])
            else:
                newest[version.referential_id] = version
        context["doubled"] = list({v.pk: v for v in doubled}.values())
        context["draft_count"] = selectors.draft_count()
    return {"template": "competences/_home_panel.html", "context": context}


def _visible_version(request, code, number):
    """A published or retired version for anyone logged in; a draft for the hub only."""
    version = selectors.version_by_number(code, number)
    if version is None:
        raise Http404
    if version.status == VersionStatus.DRAFT and not is_hub_coordinator(request.user):
        raise Http404
    return version


def index(request):
    hub = is_hub_coordinator(request.user)
    referentials = [
        referential
        for referential in selectors.referentials_overview(include_drafts=hub)
        if referential.version_list
    ]
    return render(
        request,
        "competences/index.html",
        {"referentials": referentials, "pathways": list(selectors.active_pathways())},
    )


def version_detail(request, code, number):
    version = selectors.version_with_content(_visible_version(request, code, number))
    query = request.GET.get("q", "").strip()[:100]
    if query:
        content, hits = selectors.search_content(version, query)
    else:
        content, hits = selectors.full_content(version), None
    siblings = selectors.versions_of(
        version.referential.code, include_drafts=is_hub_coordinator(request.user)
    )
    previous = next((v for v in siblings if v.number < version.number), None)
    carry_over = None
    if is_hub_coordinator(request.user):
        carry_over = services.carry_over_plan(version)
    return render(
        request,
        "competences/version_detail.html",
        {
            "version": version,
            "referential": version.referential,
            "content": content,
            "toc": selectors.full_content(version),
            "query": query,
            "hits": hits,
            "levels": list(version.levels.all()),
            "pathways": list(selectors.pathways_for_version(version)),
            "previous": previous,
            "formats": FORMATS,
            "carry_over": carry_over,
        },
    )


def version_export(request, code, number, fmt):
    if fmt not in FORMATS:
        raise Http404
    version = _visible_version(request, code, number)
    exported = export_reference(version, fmt)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


def pathway_detail(request, code, number, pathway_code):
    version = _visible_version(request, code, number)
    pathway = selectors.pathway_by_code(version, pathway_code)
    if pathway is None:
        raise Http404
    pathway = selectors.pathway_with_content(pathway)
    return render(
        request,
        "competences/pathway_detail.html",
        {
            "pathway": pathway,
            "version": pathway.version,
            "acquired": selectors.acquired_level(pathway.version),
        },
    )


def compare(request, code):
    versions = list(selectors.versions_of(code, include_drafts=is_hub_coordinator(request.user)))
    if not versions:
        raise Http404
    by_number = {v.number: v for v in versions}
    initial = {"new": versions[0].number, "old": versions[min(1, len(versions) - 1)].number}
    form = CompareForm(request.GET or None, versions=versions, initial=initial)
    diff, impacts = None, []
    if form.is_valid():
        diff = diff_versions(
            by_number[form.cleaned_data["old"]], by_number[form.cleaned_data["new"]]
        )
        # What a removal affects is for the hub, who decides when to retire the older version.
        if is_hub_coordinator(request.user) and diff.old.number < diff.new.number:
            impacts = diff_impact(diff)
    return render(
        request,
        "competences/compare.html",
        {
            "referential": versions[0].referential,
            "form": form,
            "diff": diff,
            "impacts": impacts,
        },
    )


# Hub coordinator's pages ---------------------------------------------------------------------


@hub_coordinator_required
def manage(request):
    return render(
        request,
        "competences/manage.html",
        {
            "referentials": selectors.referentials_overview(),
            "formats": FORMATS,
        },
    )


@hub_coordinator_required
def import_file(request):
    form = ReferentialImportForm(request.POST or None, request.FILES or None)
    issues = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = import_reference_file(
                actor=request.user,
                fileobj=upload,
                code=form.cleaned_data["code"],
                title=form.cleaned_data["title"],
                fmt=form.cleaned_data["format"],
                filename=upload.name,
            )
        except ImportRefused as refused:
            issues = refused.issues
        else:
            messages.success(
                request,
                _(
                    "Le fichier est importé : version %(number)s du référentiel « %(title)s », "
                    "en brouillon. Relisez-la puis publiez-la."
                )
                % {"number": version.number, "title": version.referential.title},
            )
            return redirect(
                "competences:version_detail", code=version.referential.code, number=version.number
            )
    return render(
        request,
        "competences/import.html",
        {
            "form": form,
            "issues": issues,
            "columns": IMPORT_COLUMNS,
            "optional_columns": OPTIONAL_COLUMNS,
            "max_rows": MAX_ROWS,
        },
        status=400 if issues or form.errors else 200,
    )


def _run(request, code, number, action):
    """Apply a version action (which returns the success message) and go back to the list, or
    to the page of the version named by the form's `back` (a number of the same referential)."""
    version = selectors.version_by_number(code, number)
    if version is None:
        raise Http404
    try:
        message = action(version)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    back = request.POST.get("back", "")
    if back.isdecimal() and len(back) < 8 and selectors.version_by_number(code, int(back)):
        return redirect("competences:version_detail", code=code, number=int(back))
    return redirect("competences:manage")


@require_POST
@hub_coordinator_required
def publish(request, code, number):
    form = PublishForm(request.POST)
    retire_previous = form.is_valid() and form.cleaned_data["retire_previous"]

    def action(version):
        services.version_publish(
            actor=request.user, version=version, retire_previous=retire_previous
        )
        return _("La version %(n)s est publiée.") % {"n": version.number}

    return _run(request, code, number, action)


@require_POST
@hub_coordinator_required
def clone(request, code, number):
    def action(version):
        draft = services.version_clone(actor=request.user, version=version)
        return _(
            "La version %(n)s est créée en brouillon, copie de la version %(source)s : "
            "modifiez-la puis publiez-la."
        ) % {"n": draft.number, "source": version.number}

    return _run(request, code, number, action)


@require_POST
@hub_coordinator_required
def retire(request, code, number):
    def action(version):
        services.version_retire(actor=request.user, version=version)
        return _("La version %(n)s est retirée ; elle reste consultable.") % {"n": version.number}

    return _run(request, code, number, action)


@require_POST
@hub_coordinator_required
def carry_over(request, code, number):
    """Create on this published version the pathways of the one before (see the plan on the
    version's page)."""
    version = selectors.version_by_number(code, number)
    if version is None:
        raise Http404
    try:
        created = services.pathways_carry_over(actor=request.user, version=version)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if created:
            messages.success(
                request,
                ngettext(
                    "%(count)d parcours est repris sur la version %(n)s.",
                    "%(count)d parcours sont repris sur la version %(n)s.",
                    len(created),
                )
                % {"count": len(created), "n": version.number},
            )
        else:
            messages.info(request, _("Aucun parcours à reprendre : rien n'a été créé."))
    response = redirect("competences:version_detail", code=code, number=number)
    response["Location"] += "#reprise"
    return response


@require_POST
@hub_coordinator_required
def delete(request, code, number):
    def action(version):
        services.version_delete(actor=request.user, version=version)
        return _("Le brouillon %(n)s est supprimé.") % {"n": version.number}

    return _run(request, code, number, action)
