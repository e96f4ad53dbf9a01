"""The mediator's progress: « Ma progression » with « Ce qui me manque », enrolment and
withdrawal."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from competences.models import Pathway
from core.audit import log_access
from core.exceptions import DomainError
from core.permissions import hub_coordinator_required, is_hub_coordinator
from trainings.models import Session
from trainings.selectors.assessments import can_view_participant
from trainings.selectors.sessions import can_manage_session
from trainings.views.common import add_domain_error

from .. import selectors, services
from ..forms import (
    EnrollManyForm,
    EnrollmentFilterForm,
    ManualValidationForm,
    MoveRuleSetForm,
    SimulationForm,
    WithdrawDecisionForm,
)
from ..models import BlocValidation, Enrollment, EnrollmentStatus, PathwayCertification


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
        # The home page needs the verdicts only: two queries per pathway followed, not the
        # whole progress page (criteria, sessions to come, self-assessments).
        "context": {
            "enrollments": selectors.attach_verdicts(list(selectors.enrollments_of(request.user)))
        },
    }


# The hub's follow-up -------------------------------------------------------------------------

PAGE_SIZE = 25


@hub_coordinator_required
def enrollment_list(request):
    form = EnrollmentFilterForm(request.GET or None)
    enrollments = selectors.enrollments_for_hub(**form.filters())
    page = Paginator(enrollments, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_verdicts(list(page))
    return render(
        request,
        "certificates/enrollment_list.html",
        {"form": form, "page": page, "filtered": bool(request.GET.keys() - {"page"})},
    )


@hub_coordinator_required
def enroll_many(request):
    form = EnrollManyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrollments = services.enrollment_create_many(
                actor=request.user, users=form.users, pathway=form.cleaned_data["pathway"]
            )
        except DomainError as error:
            form.add_error("emails" if error.field == "users" else None, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s personne inscrite au parcours.",
                    "%(count)s personnes inscrites au parcours.",
                    len(enrollments),
                )
                % {"count": len(enrollments)},
            )
            return redirect("certificates:enrollment_list")
    return render(request, "certificates/enroll_many.html", {"form": form})


def _enrollment_or_404(request, pk):
    enrollment = selectors.enrollment_for_hub(pk)
    if enrollment is None or not (
        is_hub_coordinator(request.user) or can_view_participant(request.user, enrollment.user)
    ):
        raise Http404
    return enrollment


def enrollment_detail(request, pk):
    """A person's progress on one pathway, for the hub and for their trainers; the hub also
    decides here. `?competences=<lineage>` simulates competences at their required level."""
    enrollment = _enrollment_or_404(request, pk)
    log_access(
        actor=request.user,
        action="person.view_progress",
        subject=enrollment.user,
        target=enrollment,
    )
    return _detail(request, enrollment)


def _detail(request, enrollment, *, manual_form=None, status=200):
    rules = enrollment.rule_set.rules
    (item,) = selectors.progress_of(enrollment.user, enrollments=[enrollment])
    missing = [c for bloc in item["verdict"].blocs for c in bloc.missing]
    simulation_form = SimulationForm(
        request.GET if request.method == "GET" and request.GET else None, missing=missing
    )
    simulation = None
    if (
        request.method == "GET"
        and request.GET
        and simulation_form.is_valid()
        and simulation_form.cleaned_data["competences"]
    ):
        chosen = set(simulation_form.cleaned_data["competences"])
        assume = {
            c.lineage: (c.required_rank, c.required_label) for c in missing if c.lineage in chosen
        }
        (simulated,) = selectors.progress_of(
            enrollment.user, enrollments=[enrollment], assume=assume
        )
        simulation = simulated["verdict"]
    context = {
        "enrollment": enrollment,
        "item": item,
        "simulation_form": simulation_form,
        "simulation": simulation,
        "is_hub": is_hub_coordinator(request.user),
    }
    if context["is_hub"]:
        blocs, certifications = selectors.decisions_of(enrollment)
        context.update(
            bloc_decisions=blocs,
            certification_decisions=certifications,
            manual_form=manual_form
            or ManualValidationForm(rules=rules, version=enrollment.pathway.version),
            withdraw_form=WithdrawDecisionForm(),
            move_form=MoveRuleSetForm(enrollment=enrollment),
        )
    return render(request, "certificates/enrollment_detail.html", context, status=status)


@require_POST
@hub_coordinator_required
def validate_manually(request, pk):
    enrollment = _enrollment_or_404(request, pk)
    form = ManualValidationForm(
        request.POST,
        request.FILES,
        rules=enrollment.rule_set.rules,
        version=enrollment.pathway.version,
    )
    if form.is_valid():
        try:
            services.decision_validate_manually(
                actor=request.user,
                enrollment=enrollment,
                bloc=form.chosen_bloc(),
                reason=form.cleaned_data["reason"],
                proof=form.cleaned_data["proof"],
                recognised=form.cleaned_data["recognised"],
                competences=form.chosen_competences(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("La validation est enregistrée."))
            return redirect("certificates:enrollment_detail", pk=enrollment.pk)
    return _detail(request, enrollment, manual_form=form, status=400)


# How decisions are named in URLs.
DECISION_KINDS = {"bloc": BlocValidation, "parcours": PathwayCertification}


def _decision_or_404(kind, pk):
    model = DECISION_KINDS.get(kind)
    if model is None:
        raise Http404
    return get_object_or_404(model, pk=pk)


@require_POST
@hub_coordinator_required
def withdraw_decision(request, kind, pk):
    decision = _decision_or_404(kind, pk)
    form = WithdrawDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif du retrait."))
    else:
        try:
            services.decision_withdraw(
                actor=request.user, decision=decision, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("La décision est retirée ; elle reste dans l'historique."))
    return redirect("certificates:enrollment_detail", pk=decision.enrollment_id)


@hub_coordinator_required
def decision_proof(request, kind, pk):
    """The proof of a manual decision, for the hub only (it is a personal document)."""
    decision = _decision_or_404(kind, pk)
    if not decision.proof:
        raise Http404
    return FileResponse(
        decision.proof.open("rb"),
        as_attachment=True,
        filename=decision.proof.name.rsplit("/", 1)[-1],
    )


@require_POST
@hub_coordinator_required
def move_rule_set(request, pk):
    enrollment = _enrollment_or_404(request, pk)
    form = MoveRuleSetForm(request.POST, enrollment=enrollment)
    if not form.is_valid():
        messages.error(request, _("Choisissez des règles de ce parcours."))
    else:
        try:
            services.enrollment_move(
                actor=request.user, enrollment=enrollment, rule_set=form.cleaned_data["rule_set"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("L'inscription suit désormais les nouvelles règles."))
    return redirect("certificates:enrollment_detail", pk=enrollment.pk)


def session_progress(request, pk):
    """For the session's trainers and the hub: each participant's progress on their pathways."""
    session = get_object_or_404(Session, pk=pk)
    if not can_manage_session(request.user, session):
        raise Http404
    return render(
        request,
        "certificates/session_progress.html",
        {"session": session, "rows": selectors.session_participants_progress(session)},
    )
