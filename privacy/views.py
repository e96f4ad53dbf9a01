"""« Mes données »: what Socle keeps about me, the export of all of it, who read or changed my
records, and the erasure of my account; and the public privacy page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.audit import log_action
from core.exceptions import DomainError
from core.ratelimit import allow

from . import selectors, services
from .forms import ErasureForm
from .models import PersonalDataExport
from .services import retention

ACCESS_PAGE_SIZE = 30


def my_data(request):
    exports = list(PersonalDataExport.objects.filter(user=request.user)[:5])
    for export in exports:
        export.downloadable = services.is_downloadable(export)
    return render(
        request,
        "privacy/my_data.html",
        {
            "exports": exports,
            "days": services.EXPORT_DAYS,
            "recent_accesses": list(selectors.accesses_to(request.user)[:5]),
        },
    )


@require_POST
def export_request(request):
    try:
        services.personal_data_export_request(actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Votre export est en préparation : vous recevrez un e-mail dès qu'il sera prêt."),
        )
    return redirect("privacy:my_data")


def export_download(request, pk):
    export = get_object_or_404(PersonalDataExport, pk=pk, user=request.user)
    if not services.is_downloadable(export):
        raise Http404
    log_action(actor=request.user, action="personal_data.export_download", target=export)
    return FileResponse(
        export.archive.open("rb"),
        as_attachment=True,
        filename=export.archive.name.rsplit("/", 1)[-1],
        content_type="application/zip",
    )


def accesses(request):
    page = Paginator(selectors.accesses_to(request.user), ACCESS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "privacy/accesses.html", {"page": page})


@require_http_methods(["GET", "POST"])
def erasure(request):
    blockers = services.erasure_blockers(request.user)
    form = ErasureForm(request.POST or None, user=request.user)
    if request.method == "POST" and not blockers:
        if not allow(request, "password_confirm"):
            form = ErasureForm(user=request.user)
            messages.error(request, _("Trop d'essais : réessayez dans une minute."))
        elif form.is_valid():
            try:
                services.erasure_request(actor=request.user, user=request.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                logout(request)
                return render(request, "privacy/erasure_requested.html")
    return render(
        request,
        "privacy/erasure.html",
        {"form": form, "blockers": blockers},
        status=400 if request.method == "POST" else 200,
    )


@login_not_required
def policy(request):
    return render(
        request,
        "privacy/policy.html",
        {
            "contact": settings.SOCLE_PRIVACY_CONTACT,
            "hub_name": settings.SOCLE_HUB_NAME,
            "export_days": services.EXPORT_DAYS,
            "evidence_years": retention.EVIDENCE_YEARS,
            "inactive_years": retention.INACTIVE_ACCOUNT_YEARS,
            "audit_years": retention.AUDIT_LOG_YEARS,
            "backup_days": retention.BACKUP_DAYS,
            "small_cell": settings.SOCLE_STATS_SMALL_CELL,
        },
    )
