"""Attestations in people's spaces: the holder's list and downloads, the trainer's view of a
session's documents (progress, ZIP), and the hub's status changes and issuance requests."""

import io
import zipfile

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import log_action
from core.exceptions import DomainError
from core.permissions import hub_coordinator_required, is_hub_coordinator
from trainings.models import Session, SessionStatus
from trainings.selectors.sessions import can_manage_session

from .. import selectors
from ..forms import AttestationStatusForm, IssuerForm
from ..models import Attestation, AttestationStatus, Issuer
from ..services import attestations as services
from ..services import issuer as issuer_services


def my_attestations(request):
    page = Paginator(selectors.attestations_of(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "certificates/my_attestations.html", {"page": page})


def _readable(request, attestation):
    user = request.user
    if user.pk == attestation.holder_id or is_hub_coordinator(user):
        return True
    return attestation.session_id is not None and can_manage_session(user, attestation.session)


def download(request, pk):
    attestation = get_object_or_404(Attestation.objects.select_related("session"), pk=pk)
    if not _readable(request, attestation) or not attestation.pdf:
        # No file: its holder had their data erased (the record stays for verification).
        raise Http404
    log_action(actor=request.user, action="attestation.download", target=attestation)
    return FileResponse(
        attestation.pdf.open("rb"),
        as_attachment=True,
        filename=f"{attestation.serial}.pdf",
        content_type="application/pdf",
    )


@require_POST
def show_details(request, pk):
    attestation = get_object_or_404(Attestation, pk=pk, holder=request.user)
    services.attestation_set_show_details(
        actor=request.user, attestation=attestation, show=request.POST.get("show") == "1"
    )
    messages.success(request, _("Votre choix est enregistré."))
    return redirect("certificates:my_attestations")


def session_attestations(request, pk):
    """The trainer's (and the hub's) view of a closed session's documents."""
    session = get_object_or_404(Session, pk=pk)
    if not can_manage_session(request.user, session):
        raise Http404
    return render(
        request,
        "certificates/session_attestations.html",
        {
            "session": session,
            "issuer_missing": not Issuer.objects.exists(),
            **selectors.session_attestations_progress(session),
        },
    )


def session_attestations_zip(request, pk):
    session = get_object_or_404(Session, pk=pk)
    if not can_manage_session(request.user, session):
        raise Http404
    attestations = list(selectors.session_attestations(session))
    if not attestations:
        raise Http404
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed
        for attestation in attestations:
            if not attestation.pdf:  # erased holder
                continue
            with attestation.pdf.open("rb") as handle:
                archive.writestr(f"{attestation.serial}-{attestation.kind}.pdf", handle.read())
    log_action(
        actor=request.user,
        action="attestation.download_zip",
        target=session,
        count=len(attestations),
    )
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="attestations-session-{session.pk}.zip"'
    )
    return response


@require_POST
def session_attestations_issue(request, pk):
    """Ask again for a closed session's missing documents (in the background)."""
    session = get_object_or_404(Session, pk=pk, status=SessionStatus.CLOSED)
    if not can_manage_session(request.user, session):
        raise Http404
    services.request_session_attestations(session.pk)
    messages.success(
        request, _("L'émission des attestations manquantes est lancée : rechargez dans un instant.")
    )
    return redirect("certificates:session_attestations", pk=session.pk)


@hub_coordinator_required
def attestation_manage(request, pk):
    attestation = get_object_or_404(Attestation.objects.select_related("holder"), pk=pk)
    form = AttestationStatusForm(request.POST or None, attestation=attestation)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        change = {
            "revoke": services.attestation_revoke,
            "suspend": services.attestation_suspend,
            "reinstate": services.attestation_reinstate,
        }[action]
        try:
            change(actor=request.user, attestation=attestation, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.success(request, _("Le statut de l'attestation est modifié."))
            return redirect("certificates:attestation_manage", pk=attestation.pk)
    return render(
        request,
        "certificates/attestation_manage.html",
        {"attestation": attestation, "form": form, "statuses": AttestationStatus},
    )


@hub_coordinator_required
def issuer_edit(request):
    issuer = Issuer.objects.first()
    form = IssuerForm(request.POST or None, request.FILES or None, instance=issuer)
    if request.method == "POST" and form.is_valid():
        issuer_services.issuer_update(actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("L'émetteur est enregistré. Les prochaines attestations porteront ces mentions."),
        )
        return redirect("certificates:issuer_edit")
    return render(request, "certificates/issuer_form.html", {"form": form})
