"""« Mes données »: what Socle keeps about me, and the export of all of it."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import log_action
from core.exceptions import DomainError

from . import services
from .models import PersonalDataExport


def my_data(request):
    exports = list(PersonalDataExport.objects.filter(user=request.user)[:5])
    for export in exports:
        export.downloadable = services.is_downloadable(export)
    return render(
        request,
        "privacy/my_data.html",
        {"exports": exports, "days": services.EXPORT_DAYS},
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
