"""Assessment pages: the trainer's evaluation grid and cell form, "Mes évaluations" with the
self-assessment form, a participant's history, and the accredited trainers' review queue."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from competences.models import Competence
from core.audit import log_access
from core.exceptions import DomainError
from core.pagination import uncounted_page
from core.permissions import user_roles

from ..forms.assessments import AssessmentForm, ReviewForm, SelfAssessmentForm
from ..forms.fields import MAX_ID
from ..models import Registration, RegistrationStatus, ReviewDecision
from ..selectors import assessments as selectors
from ..selectors.sessions import is_session_trainer, session_for_trainer
from ..services import assessments as services
from .common import add_domain_error, is_htmx


def evaluation_grid(request, pk):
    session = session_for_trainer(request.user, pk)
    return render(
        request,
        "trainings/evaluation/evaluation_grid.html",
        {
            "session": session,
            "grid": selectors.evaluation_grid(session),
            "can_assess": is_session_trainer(request.user, session) and not session.is_frozen,
        },
    )


def assessment_cell(request, pk, registration_pk, competence_pk):
    """One participant × competence: the form (htmx, inside the grid cell, or a whole page) and
    the history. A successful htmx POST returns the refreshed cell."""
    session = session_for_trainer(request.user, pk)
    registration = get_object_or_404(
        Registration.objects.select_related("user"),
        pk=registration_pk,
        session=session,
        status=RegistrationStatus.REGISTERED,
    )
    competence = get_object_or_404(
        session.competences.select_related("bloc", "version"), pk=competence_pk
    )
    can_assess = is_session_trainer(request.user, session) and not session.is_frozen
    prefix = f"a{registration.pk}-{competence.pk}"
    form = AssessmentForm(
        request.POST or None,
        request.FILES or None,
        version=session.version,
        competence=competence,
        prefix=prefix,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_record(
                actor=request.user,
                session=session,
                participant=registration.user,
                competence=competence,
                level=data["level"],
                criteria=data["criteria"],
                method=data["method"],
                assessed_on=data["assessed_on"],
                comment=data["comment"],
                evidence=data["evidence"],
                evidence_files=data["evidence_files"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if is_htmx(request):
                return _cell(request, session, registration, competence, can_assess, saved=True)
            messages.success(
                request,
                _("Évaluation de %(name)s sur %(code)s enregistrée.")
                % {"name": registration.user.get_full_name(), "code": competence.code},
            )
            return redirect("trainings:evaluation_grid", pk=session.pk)
    context = {
        "session": session,
        "registration": registration,
        "competence": competence,
        "form": form,
        "can_assess": can_assess,
        # What the person said of themselves: the trainer sees it beside the criteria.
        "self_assessment": selectors.latest_self_assessment(registration.user, competence),
    }
    status = 400 if form.errors else 200
    if is_htmx(request):
        if request.GET.get("display"):
            return _cell(request, session, registration, competence, can_assess)
        context["inline"] = True
        return render(request, "trainings/evaluation/_assessment_form.html", context)
    # The person's assessments on the competence from every session the viewer trains (all of
    # them for the hub): not other trainers' sessions (history_scope).
    context["history"] = selectors.assessment_history(
        registration.user,
        [competence],
        sessions_of=selectors.history_scope(request.user, registration.user),
    )
    return render(request, "trainings/evaluation/assessment_cell.html", context, status=status)


def _cell(request, session, registration, competence, can_assess, saved=False):
    return render(
        request,
        "trainings/evaluation/_assessment_cell_response.html",
        {
            "session": session,
            "cell": selectors.grid_cell_for(session, registration, competence),
            "can_assess": can_assess,
            "saved": saved,
        },
    )


def _history_context(request, participant, *, sessions_of=None):
    """The history by competence, or (?competence=<id>) one competence's whole history."""
    raw = request.GET.get("competence", "")
    competence = (
        Competence.objects.select_related("bloc", "version__referential").filter(pk=raw).first()
        if raw.isdecimal() and int(raw) <= MAX_ID
        else None
    )
    page, history = selectors.history_by_competence(
        participant, sessions_of=sessions_of, page=request.GET.get("page"), competence=competence
    )
    return {
        "history": history,
        "history_page": page,
        "participant": participant,
        "limited_to_my_sessions": sessions_of is not None,
        "one_competence": competence,
        "latest_per_kind": selectors.LATEST_PER_KIND,
    }


def my_assessments(request):
    context = _history_context(request, request.user)
    context["sessions"], context["more_sessions"] = selectors.my_open_sessions(request.user)
    return render(request, "trainings/evaluation/my_assessments.html", context)


def self_assessment(request):
    """The mediator positions themselves on a competence (chosen first, then its scale)."""
    competences = selectors.published_competences()
    raw = request.POST.get("competence") or request.GET.get("competence")
    competence = competences.filter(pk=raw).first() if raw and str(raw).isdecimal() else None
    sessions = selectors.sessions_for_self_assessment(request.user, competence)
    initial = {"competence": competence}
    if request.GET.get("session", "").isdecimal():
        initial["session"] = int(request.GET["session"])
    form = SelfAssessmentForm(
        request.POST if request.method == "POST" and competence else None,
        competences=competences,
        competence=competence,
        sessions=sessions,
        initial=initial,
    )
    if request.method == "POST" and competence and form.is_valid():
        data = form.cleaned_data
        try:
            services.self_assessment_record(
                actor=request.user,
                competence=data["competence"],
                level=data["level"],
                criteria=data["criteria"],
                comment=data["comment"],
                session=data["session"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Votre positionnement sur %(code)s est enregistré.")
                % {"code": data["competence"].code},
            )
            return redirect("trainings:my_assessments")
    return render(
        request,
        "trainings/evaluation/self_assessment.html",
        {
            "form": form,
            "competence": competence,
            "grouped_competences": selectors.group_competences(competences),
        },
        status=400 if form.errors else 200,
    )


def participant_assessments(request, user_pk):
    participant = get_object_or_404(get_user_model(), pk=user_pk)
    if not selectors.can_view_participant(request.user, participant):
        raise PermissionDenied
    log_access(actor=request.user, action="person.view_history", subject=participant)
    return render(
        request,
        "trainings/evaluation/participant_assessments.html",
        _history_context(
            request, participant, sessions_of=selectors.history_scope(request.user, participant)
        ),
    )


def _require_reviewer_role(user):
    if not {"trainer", "hub"} & user_roles(user):
        raise PermissionDenied


REVIEWS_PER_PAGE = 25


def review_list(request):
    _require_reviewer_role(request.user)
    # No count: the national queue holds 128,000 peer assessments.
    page = uncounted_page(
        selectors.pending_reviews(request.user), request.GET.get("page"), REVIEWS_PER_PAGE
    )
    return render(request, "trainings/evaluation/review_list.html", {"page": page})


def assessment_review(request, pk):
    _require_reviewer_role(request.user)
    if not selectors.pending_reviews(request.user).filter(pk=pk).exists():
        raise Http404
    assessment = selectors.assessment_for_review(pk)
    form = ReviewForm(request.POST or None, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_review(
                actor=request.user,
                assessment=assessment,
                decision=data["decision"],
                comment=data["comment"],
                replacement_level=data["replacement_level"],
                replacement_criteria=data["replacement_criteria"],
                replacement_method=data["replacement_method"] or None,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if data["decision"] == ReviewDecision.CONFIRMED:
                text = _("L'évaluation de %(name)s sur %(code)s est confirmée.")
            else:
                text = _("L'évaluation de %(name)s sur %(code)s est remplacée par la vôtre.")
            messages.success(
                request,
                text
                % {
                    "name": assessment.participant.get_full_name(),
                    "code": assessment.competence.code,
                },
            )
            return redirect("trainings:review_list")
    return render(
        request,
        "trainings/evaluation/assessment_review.html",
        {
            "assessment": assessment,
            "form": form,
            "history": selectors.assessment_history(
                assessment.participant, [assessment.competence]
            ),
        },
        status=400 if form.errors else 200,
    )
