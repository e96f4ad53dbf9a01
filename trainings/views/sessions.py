"""Session pages: browse, detail, the trainer's management page, create/edit/duplicate, and the
publish/cancel/close actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.permissions import is_hub_coordinator, user_roles

from ..forms.fields import MAX_ID
from ..forms.registrations import AddParticipantForm, RegisterForm
from ..forms.sessions import (
    CancelForm,
    DuplicateForm,
    HalfDay,
    SessionFilterForm,
    SessionForm,
    half_day_hours,
    published_versions,
    slot_formset,
    slots_from_formset,
)
from ..models import Registration, RegistrationStatus, SessionStatus
from ..selectors import sessions as selectors
from ..selectors.trainers import co_trainer_search
from ..services import sessions as services
from .common import add_domain_error

PAGE_SIZE = 20


@login_not_required
def session_list(request):
    """Published sessions to come (and running), with filters; "Pour vous" on top. Public: the
    hub wants the network to see what is offered (registering asks to log in)."""
    blocs, competences = selectors.browse_filter_options()
    form = SessionFilterForm(request.GET or None, blocs=blocs, competences=competences)
    # The hub's own départements first (SOCLE_HUB_DEPARTEMENTS), then the others.
    form.fields["departement"].choices = selectors.departement_filter_choices()
    sessions = selectors.sessions_browse(**form.filters())
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    my_registrations = {}
    if request.user.is_authenticated:
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
    for_you = []
    if request.user.is_authenticated and not request.GET:
        for_you = selectors.sessions_for_you(request.user)
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


@login_not_required
def session_detail(request, pk):
    """The session as a participant sees it, with their registration and the register button.
    Visitors who are not logged in see the sessions of the public catalogue (published, not
    over) and are asked to log in for any other, existing or not."""
    if not request.user.is_authenticated:
        session = selectors.public_session(pk)
        if session is None:
            return redirect_to_login(request.get_full_path())
    else:
        session = selectors.session_for_viewer(request.user, pk)
    return session_detail_page(request, session)


def session_detail_page(request, session, *, register_form=None, status=200):
    """The detail page of a session already read (the register view shows it again with the
    form's errors)."""
    user = request.user
    now = timezone.now()
    registration = selectors.active_registration(user, session)
    position = (
        selectors.waiting_position(registration)
        if registration and registration.status == RegistrationStatus.WAITING
        else None
    )
    places_left = max(session.capacity - session.registered_count, 0)
    is_trainer = selectors.is_session_trainer(user, session)
    can_register = (
        session.status == SessionStatus.PUBLISHED
        and registration is None
        and not is_trainer
        and session.starts_at is not None
        and session.starts_at > now
    )
    return render(
        request,
        "trainings/session_detail.html",
        {
            "session": session,
            "registration": registration,
            "waiting_position": position,
            "places_left": places_left,
            "is_trainer": is_trainer,
            "can_manage": is_trainer or is_hub_coordinator(user),
            "show_video_url": is_trainer
            or (registration is not None and registration.status == RegistrationStatus.REGISTERED),
            "can_register": can_register,
            "register_form": register_form
            or (RegisterForm(session=session) if can_register else None),
            # The service refuses it too: a session closed, cancelled or started keeps its
            # registrations.
            "can_cancel": (
                registration is not None
                and not registration.has_attended
                and not session.is_frozen
                and session.starts_at is not None
                and session.starts_at > now
            ),
            "now": now,
        },
        status=status,
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
        {
            "form": form,
            "formset": formset,
            "session": session,
            "morning_hours": half_day_hours(HalfDay.MORNING),
            "afternoon_hours": half_day_hours(HalfDay.AFTERNOON),
        },
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


def co_trainer_choices(request):
    """htmx: the co-trainer picker's matches among the people accredited on the version."""
    _check_can_create(request.user)
    raw = request.GET.get("version", "")
    version = (
        published_versions().filter(pk=raw).first()
        if raw.isdecimal() and int(raw) <= MAX_ID
        else None
    )
    if version is None:
        people = []
    else:
        people = co_trainer_search(
            version, request.GET.get("co_trainer_search", "")[:200], actor=request.user
        )
    return render(request, "trainings/_co_trainer_options.html", {"people": people})


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


def my_sessions(request):
    groups = selectors.sessions_of_trainer(request.user, past_page=request.GET.get("page"))
    return render(
        request,
        "trainings/my_sessions.html",
        {"groups": groups, "can_create": _can_create(request.user)},
    )
