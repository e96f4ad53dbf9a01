"""Registration pages: register, cancel, "Mes inscriptions", the .ics download, and the
trainer adding or removing a participant."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.permissions import is_hub_coordinator, user_roles
from core.ratelimit import allow

from .. import ics
from ..forms.registrations import AddParticipantForm, InviteParticipantForm, RegisterForm
from ..models import Registration, RegistrationStatus, Session, SessionStatus
from ..selectors import registrations as selectors
from ..selectors import sessions as session_selectors
from ..services import registrations as services
from .sessions import session_detail_page, session_manage


@login_not_required
def register(request, pk):
    """Visitors who are not logged in are sent to log in (or sign up) and come back to the
    session's page, not to this POST-only address."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("trainings:session_detail", args=[pk]))
    return _register(request, pk)


@require_POST
def _register(request, pk):
    # 404 for a session never published (a draft, or cancelled as a draft), as on its page.
    hidden = Q(status=SessionStatus.DRAFT) | Q(
        status=SessionStatus.CANCELLED, published_at__isnull=True
    )
    session = get_object_or_404(Session.objects.exclude(hidden), pk=pk)
    form = RegisterForm(request.POST, session=session)
    if not form.is_valid():
        return _detail_with_errors(request, session, form)
    try:
        registration = services.registration_register(
            actor=request.user,
            session=session,
            attendance_mode=form.cleaned_data.get("attendance_mode", ""),
        )
    except DomainError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
            return _detail_with_errors(request, session, form)
        messages.error(request, error.message)
    else:
        if registration.status == RegistrationStatus.REGISTERED:
            messages.success(
                request,
                _(
                    "Vous êtes inscrit·e. Un e-mail de confirmation avec l'invitation d'agenda "
                    "vous a été envoyé."
                ),
            )
        else:
            messages.warning(
                request,
                _(
                    "La session est complète : vous êtes sur la liste d'attente. Vous serez "
                    "inscrit·e automatiquement si une place se libère, et prévenu·e par e-mail."
                ),
            )
    return redirect("trainings:session_detail", pk=session.pk)


def _detail_with_errors(request, session, form):
    session = session_selectors.session_for_viewer(request.user, session.pk)
    return session_detail_page(request, session, register_form=form, status=400)


def my_registrations(request):
    upcoming, history = selectors.registrations_of_user(
        request.user, history_page=request.GET.get("page")
    )
    waiting_positions = session_selectors.waiting_positions(upcoming)
    return render(
        request,
        "trainings/my_registrations.html",
        {
            "upcoming": upcoming,
            "history": history,
            "waiting_positions": waiting_positions,
            "now": timezone.now(),
        },
    )


@require_POST
def registration_cancel(request, pk):
    registration = selectors.registration_of_user(request.user, pk)
    try:
        services.registration_cancel(actor=request.user, registration=registration)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Votre inscription est annulée."))
    next_url = request.POST.get("next")
    if next_url == "session":
        return redirect("trainings:session_detail", pk=registration.session_id)
    return redirect("trainings:my_registrations")


def registration_ics(request, pk):
    """The session's calendar file for one of the user's active registrations."""
    registration = selectors.registration_of_user(request.user, pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise Http404
    session = registration.session
    url = request.build_absolute_uri(reverse("trainings:session_detail", args=[session.pk]))
    method = ics.CANCEL if session.status == SessionStatus.CANCELLED else ics.REQUEST
    calendar = ics.session_calendar(
        session,
        method=method,
        attendee=registration.user,
        url=url,
        show_video_url=registration.status == RegistrationStatus.REGISTERED,
    )
    response = HttpResponse(calendar, content_type=f"text/calendar; charset=utf-8; method={method}")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    return response


@require_POST
def participant_add(request, pk):
    session = session_selectors.session_for_trainer(request.user, pk)
    form = AddParticipantForm(request.POST)
    if form.is_valid():
        try:
            registration = services.registration_add_by_trainer(
                actor=request.user, session=session, user=form.user
            )
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _("%(user)s est inscrit·e à la session.") % {"user": registration.user},
            )
            return redirect("trainings:session_manage", pk=session.pk)
    return session_manage(request, pk, add_form=form, status=400)


@require_POST
def participant_invite(request, pk):
    """Invite an address with no account: an e-mail with a sign-up link that lands here."""
    session = session_selectors.session_for_trainer(request.user, pk)
    form = InviteParticipantForm(request.POST)
    if not allow(request, "participant_invite"):
        form.add_error(
            None, _("Trop d'invitations envoyées en peu de temps : réessayez dans une heure.")
        )
    elif form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.participant_invite(actor=request.user, session=session, email=email)
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _(
                    "Une invitation est envoyée à %(email)s : un lien pour créer son compte et "
                    "s'inscrire à la session."
                )
                % {"email": email},
            )
            return redirect("trainings:session_manage", pk=session.pk)
    add_form = AddParticipantForm(initial={"email": request.POST.get("email", "")[:254]})
    add_form.invite_form = form
    return session_manage(request, pk, add_form=add_form, status=400)


@require_POST
def participant_remove(request, pk, registration_pk):
    session = session_selectors.session_for_trainer(request.user, pk)
    registration = get_object_or_404(Registration, pk=registration_pk, session=session)
    try:
        services.registration_cancel(actor=request.user, registration=registration)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("L'inscription de %(user)s est annulée.") % {"user": registration.user},
        )
    return redirect("trainings:session_manage", pk=session.pk)


def home_panel(request):
    user = request.user
    context = {"registrations": selectors.next_registrations(user)}
    if "trainer" in user_roles(user) or is_hub_coordinator(user):
        context["trainer_sessions"] = session_selectors.next_sessions_of_trainer(user)
        context["is_trainer"] = True
    return {"template": "trainings/_home_panel.html", "context": context}
