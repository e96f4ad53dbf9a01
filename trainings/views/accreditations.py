"""The hub's accreditation pages: list with filters, grant, revoke, and a trainer's history
(who they trained and assessed)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from core.audit import log_access
from core.exceptions import DomainError
from core.permissions import hub_coordinator_required
from core.ratelimit import allow

from ..forms.accreditations import (
    AccreditationFilterForm,
    AccreditationGrantForm,
    AccreditationRevokeForm,
)
from ..models import TrainerAccreditation, TrainerInvitation
from ..selectors import accreditations as selectors
from ..selectors import sessions as session_selectors
from ..selectors.people import people_search
from ..services import accreditations as services
from ..services import invitations
from .common import add_domain_error

INVITATIONS_SHOWN = 20


@hub_coordinator_required
def accreditation_list(request):
    form = AccreditationFilterForm(request.GET or None, blocs=selectors.bloc_codes())
    filters = form.cleaned_data if form.is_valid() else {}
    accreditations = selectors.accreditations_list(
        search=(filters.get("q") or "").strip(),
        bloc_code=filters.get("bloc") or "",
        state=filters.get("state") or "",
    )
    page = Paginator(accreditations, 50).get_page(request.GET.get("page"))
    for accreditation in page:
        accreditation.state = selectors.accreditation_state(accreditation)
    pending = selectors.pending_invitations()
    return render(
        request,
        "trainings/accreditation_list.html",
        {
            "form": form,
            "page": page,
            "revoke_form": AccreditationRevokeForm(),
            "invitations": list(pending[:INVITATIONS_SHOWN]),
            "invitation_count": pending.count(),
        },
    )


@hub_coordinator_required
@require_POST
def invitation_cancel(request, pk):
    invitation = get_object_or_404(TrainerInvitation, pk=pk)
    try:
        invitations.invitation_cancel(actor=request.user, invitation=invitation)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("L'invitation de %(email)s est annulée.") % {"email": invitation.email}
        )
    return redirect("trainings:accreditation_list")


@hub_coordinator_required
@require_POST
def invitation_resend(request, pk):
    invitation = get_object_or_404(TrainerInvitation, pk=pk)
    if not invitation.is_pending:
        raise Http404
    try:
        invitations.invitation_create(
            actor=request.user,
            email=invitation.email,
            blocs=invitation.blocs.all(),
            valid_from=invitation.valid_from,
            valid_until=invitation.valid_until,
            note=invitation.note,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Invitation envoyée à nouveau à %(email)s ; le lien précédent ne marche plus.")
            % {"email": invitation.email},
        )
    return redirect("trainings:accreditation_list")


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The invited person's page: who invites them to what, and how to accept."""
    if not allow(request, "verify"):  # a public page that checks a token
        return render(request, "trainings/invitation_invalid.html", status=429)
    pending = invitations.invitation_from_token(token)
    if pending is None:
        return render(request, "trainings/invitation_invalid.html", status=404)
    user = request.user
    matches = user.is_authenticated and user.email.lower() == pending.email.lower()
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            granted = invitations.invitation_accept(user=user, invitation=pending)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "Bienvenue ! Vous êtes habilité·e sur %(count)d bloc.",
                    "Bienvenue ! Vous êtes habilité·e sur %(count)d blocs.",
                    len(granted),
                )
                % {"count": len(granted)},
            )
            return redirect("trainings:my_sessions")
    return render(
        request,
        "trainings/invitation.html",
        {"invitation": pending, "matches": matches, "blocs": list(pending.blocs.all())},
    )


@hub_coordinator_required
def accreditation_grant(request):
    valid_from, valid_until = services.default_validity()
    form = AccreditationGrantForm(
        request.POST or None,
        initial={
            "valid_from": valid_from,
            "valid_until": valid_until,
            "email": request.GET.get("email", ""),
        },
    )
    if request.method == "POST" and form.is_valid() and form.user is None:
        data = form.cleaned_data
        try:
            invitation = invitations.invitation_create(
                actor=request.user,
                email=data["email"],
                blocs=data["blocs"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                note=data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Invitation envoyée à %(email)s : les habilitations seront accordées quand "
                    "la personne l'acceptera."
                )
                % {"email": invitation.email},
            )
            return redirect("trainings:accreditation_list")
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            granted = services.accreditation_grant(
                actor=request.user,
                user=form.user,
                blocs=data["blocs"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                note=data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(user)s est habilité·e sur %(count)d bloc.",
                    "%(user)s est habilité·e sur %(count)d blocs.",
                    len(granted),
                )
                % {"user": form.user, "count": len(granted)},
            )
            return redirect("trainings:accreditation_list")
    return render(
        request,
        "trainings/accreditation_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@hub_coordinator_required
def accreditation_person_search(request):
    """htmx: the accreditation form's matches for what the hub typed (names or e-mails)."""
    query = request.GET.get("email", "")[:200].strip()
    # An address typed whole is for an invitation or names its account: no list to show.
    people = people_search(query) if "@" not in query else []
    return render(request, "trainings/_person_options.html", {"people": people, "query": query})


@hub_coordinator_required
@require_POST
def accreditation_revoke(request, pk):
    accreditation = get_object_or_404(TrainerAccreditation.objects.select_related("user"), pk=pk)
    form = AccreditationRevokeForm(request.POST)
    if not form.is_valid():
        # A reason the form refuses (too long) was dropped and the accreditation revoked without
        # it: nothing is done, and the form's own message says why.
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("trainings:accreditation_list")
    try:
        services.accreditation_revoke(
            actor=request.user, accreditation=accreditation, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("L'habilitation de %(user)s sur le bloc %(bloc)s est retirée.")
            % {"user": accreditation.user, "bloc": accreditation.bloc.code},
        )
    return redirect("trainings:accreditation_list")


@hub_coordinator_required
def trainer_history(request, user_pk):
    trainer = get_object_or_404(User, pk=user_pk)
    log_access(actor=request.user, action="person.view_trainer_history", subject=trainer)
    accreditations = list(selectors.accreditations_of(trainer))
    for accreditation in accreditations:
        accreditation.state = selectors.accreditation_state(accreditation)
    return render(
        request,
        "trainings/trainer_history.html",
        {
            "trainer": trainer,
            "accreditations": accreditations,
            "sessions": session_selectors.trainer_history(trainer, page=request.GET.get("page")),
        },
    )
