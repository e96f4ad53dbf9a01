"""The mediator's progress: « Ma progression » with « Ce qui me manque », enrolment and
withdrawal."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from competences.models import Pathway
from core.exceptions import DomainError

from . import selectors, services
from .models import Enrollment, EnrollmentStatus


def my_progress(request):
    return render(
        request,
        "certificates/my_progress.html",
        {
            "progress": selectors.progress_of(request.user),
            "open_pathways": selectors.open_pathways_for(request.user),
        },
    )


@require_POST
def enroll(request, pk):
    pathway = get_object_or_404(Pathway, pk=pk)
    try:
        services.enrollment_create(actor=request.user, user=request.user, pathway=pathway)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Vous suivez le parcours « %(title)s ».") % {"title": pathway.title}
        )
    return redirect("certificates:my_progress")


@require_POST
def withdraw(request, pk):
    enrollment = get_object_or_404(
        Enrollment.objects.exclude(status=EnrollmentStatus.WITHDRAWN),
        pk=pk,
        user=request.user,
    )
    try:
        services.enrollment_withdraw(actor=request.user, enrollment=enrollment)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Vous ne suivez plus le parcours « %(title)s ». Vos évaluations restent acquises.")
            % {"title": enrollment.pathway.title},
        )
    return redirect("certificates:my_progress")


def home_panel(request):
    return {
        "template": "certificates/_home_panel.html",
        "context": {"progress": selectors.progress_of(request.user)},
    }
