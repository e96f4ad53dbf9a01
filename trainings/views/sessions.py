"""Session pages: browse, detail, the trainer's management page, create/edit/duplicate, and the
publish/cancel/close actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.permissions import is_hub_coordinator, user_roles

from ..forms.registrations import AddParticipantForm
from ..forms.sessions import (
    CancelForm,
    DuplicateForm,
    SessionFilterForm,
    SessionForm,
    slot_formset,
    slots_from_formset,
)
from ..models import Registration, RegistrationStatus, SessionStatus
from ..selectors import sessions as selectors
from ..services import sessions as services
from .common import add_domain_error

PAGE_SIZE = 20


def session_list(request):
    """Published sessions to come (and running), with filters; "Pour vous" on top."""
    blocs, competences = selectors.browse_filter_options()
    form = SessionFilterForm(request.GET or None, blocs=blocs, competences=competences)
    sessions = selectors.sessions_browse(**form.filters())
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    my_registrations = dict(
        Registration.objects.filter(
            user=request.user,
            session__in=[session.pk for session in page],
            status__in=selectors.ACTIVE_REGISTRATION,
        ).values_list("session_id", "status")
    )
    for session in page:
        session.places_left = max(session.capacity - session.registered_count, 0)
        session.my_status = my_registrations.get(session.pk)
    for_you = [] if request.GET else selectors.sessions_for_you(request.user)
    for session in for_you:
        session.places_left = max(session.capacity - session.registered_count, 0)
    return render(
        request,
        "trainings/session_list.html",
        {
            "form": form,
            "page": page,
            "for_you": for_you,
            "filtered": bool(request.GET.keys() - {"page"}),
            "can_create": _can_create(request.user),
        },
    )


def _can_create(user):
    return "trainer" in user_roles(user) or is_hub_coordinator(user)


def session_detail(request, pk):
    """The session as a participant sees it, with their registration and the register button."""
    session = selectors.session_for_viewer(request.user, pk)
    registration = selectors.active_registration(request.user, session)
    position = (
        selectors.waiting_position(registration)
        if registration and registration.status == RegistrationStatus.WAITING
        else None
    )
    places_left = max(session.capacity - session.registered_count, 0)
    is_trainer = selectors.is_session_trainer(request.user, session)
    return render(
        request,
        "trainings/session_detail.html",
        {
            "session": session,
            "registration": registration,
            "waiting_position": position,
            "places_left": places_left,
            "is_trainer": is_trainer,
            "can_manage": is_trainer or is_hub_coordinator(request.user),
            "show_video_url": is_trainer
            or (registration is not None and registration.status == RegistrationStatus.REGISTERED),
            "can_register": (
                session.status == SessionStatus.PUBLISHED
                and registration is None
                and not is_trainer
                and session.starts_at is not None
                and session.starts_at > timezone.now()
            ),
        },
    )


def session_manage(request, pk, add_form=None, status=200):
    """The trainer's page: participants, waiting list, actions, attendance and assessment
    tools."""
    session = selectors.session_for_trainer(request.user, pk)
    registered, waiting = selectors.session_participants(session)
    now = timezone.now()
    ended = session.ends_at is not None and session.ends_at <= now
    return render(
        request,
        "trainings/session_manage.html",
        {
            "session": session,
            "registered": registered,
            "waiting": waiting,
            "places_left": max(session.capacity - len(registered), 0),
            "add_form": add_form or AddParticipantForm(),
            "cancel_form": CancelForm(),
            "duplicate_form": DuplicateForm(),
            "can_edit": session.status in services.EDITABLE_STATUSES,
            "can_publish": session.status == SessionStatus.DRAFT,
            "can_close": session.status in (SessionStatus.PUBLISHED, SessionStatus.HELD) and ended,
            "can_add": not session.is_frozen,
        },
        status=status,
    )


def _check_can_create(user):
    if not _can_create(user):
        raise PermissionDenied


def _session_form_page(request, form, formset, session=None, status=200):
    return render(
        request,
        "trainings/session_form.html",
        {"form": form, "formset": formset, "session": session},
        status=status,
    )


def session_create(request):
    _check_can_create(request.user)
    form = SessionForm(request.POST or None, actor=request.user)
    formset = slot_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            session = services.session_create(
                actor=request.user,
                version=form.cleaned_data["version"],
                slots=slots_from_formset(formset),
                **form.service_fields(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "La session est enregistrée en brouillon. "
                    "Publiez-la pour ouvrir les inscriptions."
                ),
            )
            return redirect("trainings:session_manage", pk=session.pk)
    status = 400 if request.method == "POST" else 200
    return _session_form_page(request, form, formset, status=status)


def session_edit(request, pk):
    session = selectors.session_for_trainer(request.user, pk)
    if session.status not in services.EDITABLE_STATUSES:
        messages.error(request, _("Cette session ne peut plus être modifiée."))
        return redirect("trainings:session_manage", pk=session.pk)
    form = SessionForm(request.POST or None, actor=request.user, session=session)
    formset = slot_formset(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = form.service_fields()
        if session.status == SessionStatus.DRAFT:
            fields["version"] = form.cleaned_data["version"]
        try:
            services.session_update(
                actor=request.user,
                session=session,
                slots=slots_from_formset(formset),
                **fields,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("La session est enregistrée."))
            return redirect("trainings:session_manage", pk=session.pk)
    status = 400 if request.method == "POST" else 200
    return _session_form_page(request, form, formset, session=session, status=status)


def competence_choices(request):
    """htmx: the competences (grouped by bloc) and co-trainers of the chosen version."""
    _check_can_create(request.user)
    form = SessionForm(
        initial={"version": request.GET.get("version")}, actor=request.user, session=None
    )
    return render(request, "trainings/_session_version_fields.html", {"form": form})


@require_POST
def session_publish(request, pk):
    session = selectors.session_for_trainer(request.user, pk)
    try:
        services.session_publish(actor=request.user, session=session)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("La session est publiée : les inscriptions sont ouvertes."))
    return redirect("trainings:session_manage", pk=session.pk)


def session_cancel(request, pk):
    session = selectors.session_for_trainer(request.user, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                actor=request.user, session=session, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("La session est annulée."))
            return redirect("trainings:session_manage", pk=session.pk)
    return render(
        request,
        "trainings/session_cancel.html",
        {"session": session, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def session_duplicate(request, pk):
    session = selectors.session_for_trainer(request.user, pk)
    form = DuplicateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.session_duplicate(
                actor=request.user, session=session, weeks=form.cleaned_data["weeks"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("La copie est enregistrée en brouillon : vérifiez-la puis publiez-la.")
            )
            return redirect("trainings:session_manage", pk=copy.pk)
    return render(
        request,
        "trainings/session_duplicate.html",
        {"session": session, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def session_close(request, pk):
    session = selectors.session_for_trainer(request.user, pk)
    try:
        services.session_close(actor=request.user, session=session)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("La session est clôturée : l'émargement et les évaluations sont figés."),
        )
    return redirect("trainings:session_manage", pk=session.pk)


def my_sessions(request):
    groups = selectors.sessions_of_trainer(request.user, past_page=request.GET.get("page"))
    return render(
        request,
        "trainings/my_sessions.html",
        {"groups": groups, "can_create": _can_create(request.user)},
    )
