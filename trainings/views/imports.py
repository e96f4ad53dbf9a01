"""Imports (participants, attendance) into a session and exports of its attendance and
assessments, as CSV (';', UTF-8 with BOM, formula-safe) or XLSX."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from import_export.formats.base_formats import CSV, XLSX

from core.exceptions import DomainError

from ..forms.imports import ImportFileForm
from ..resources import AssessmentExportResource, AttendanceExportResource
from ..selectors.assessments import assessment_export_rows
from ..selectors.attendance import attendance_export_rows
from ..selectors.sessions import session_for_trainer
from ..services import imports as services

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": (XLSX.CONTENT_TYPE, "xlsx"),
}


def imports_home(
    request,
    pk,
    *,
    participants_form=None,
    attendance_form=None,
    errors=None,
    failed=None,
    status=200,
):
    session = session_for_trainer(request.user, pk)
    return render(
        request,
        "trainings/evaluation/imports.html",
        {
            "session": session,
            "participants_form": participants_form or ImportFileForm(prefix="participants"),
            "attendance_form": attendance_form or ImportFileForm(prefix="attendance"),
            "errors": errors,
            "failed": failed,
            "slots": session.slots.order_by("starts_at"),
        },
        status=status,
    )


def _import(request, pk, *, kind, service, success):
    session = session_for_trainer(request.user, pk)
    form = ImportFileForm(request.POST, request.FILES, prefix=kind)
    forms = {f"{kind}_form": form}
    if not form.is_valid():
        return imports_home(request, pk, **forms, failed=kind, status=400)
    try:
        summary = service(
            actor=request.user, session=session, uploaded_file=form.cleaned_data["file"]
        )
    except services.ImportRefused as refused:
        return imports_home(request, pk, **forms, errors=refused.errors, failed=kind, status=400)
    except DomainError as error:
        return imports_home(
            request, pk, **forms, errors=[(None, error.message)], failed=kind, status=400
        )
    messages.success(
        request, success % {"created": summary.created, "unchanged": summary.unchanged}
    )
    return redirect("trainings:imports_home", pk=session.pk)


@require_POST
def import_participants(request, pk):
    return _import(
        request,
        pk,
        kind="participants",
        service=services.participants_import,
        success=_(
            "Import terminé : %(created)s personne(s) inscrite(s), %(unchanged)s déjà inscrite(s)."
        ),
    )


@require_POST
def import_attendance(request, pk):
    return _import(
        request,
        pk,
        kind="attendance",
        service=services.attendance_import,
        success=_(
            "Import terminé : %(created)s présence(s) enregistrée(s), %(unchanged)s inchangée(s)."
        ),
    )


def _export_response(dataset, fmt, filename):
    if fmt not in FORMATS:
        raise Http404
    content_type, extension = FORMATS[fmt]
    if fmt == "csv":
        # The BOM and ';' let spreadsheet software in French locales open the file directly.
        body = "\ufeff" + CSV().export_data(dataset, delimiter=";")
    else:
        body = XLSX().export_data(dataset)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    return response


def export_attendance(request, pk, fmt):
    if fmt not in FORMATS:
        raise Http404
    session = session_for_trainer(request.user, pk)
    dataset = AttendanceExportResource().export(attendance_export_rows(session))
    dataset.title = _("Émargement")
    return _export_response(dataset, fmt, f"emargement-{slugify(session.title)}-{session.pk}")


def export_assessments(request, pk, fmt):
    if fmt not in FORMATS:
        raise Http404
    session = session_for_trainer(request.user, pk)
    dataset = AssessmentExportResource().export(assessment_export_rows(session))
    dataset.title = _("Évaluations")
    return _export_response(dataset, fmt, f"evaluations-{slugify(session.title)}-{session.pk}")
