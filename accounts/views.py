from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.permissions import hub_coordinator_required, is_hub_coordinator

from . import selectors, services
from .forms import MembershipForm, ProfileForm, StructureFilterForm, StructureForm, TerritoryForm
from .models import Membership, Structure, StructureKind


def home_panel(request):
    memberships = list(selectors.memberships_for_user(request.user))
    return {"template": "accounts/_home_panel.html", "context": {"memberships": memberships}}


def _profile_form(user, data=None):
    return ProfileForm(data, initial={"first_name": user.first_name, "last_name": user.last_name})


def _profile_page(request, *, form, membership_form, territory_form=None, status=200):
    context = {
        "form": form,
        "memberships": selectors.memberships_for_user(request.user),
        "membership_form": membership_form,
        "territory_form": territory_form or TerritoryForm(user=request.user),
        "territory": selectors.territory_of_record(request.user),
    }
    return render(request, "accounts/profile.html", context, status=status)


def profile(request):
    user = request.user
    form = _profile_form(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(actor=user, user=user, **form.cleaned_data)
        messages.success(request, _("Votre profil est enregistré."))
        return redirect("accounts:profile")
    return _profile_page(request, form=form, membership_form=MembershipForm())


@require_POST
def membership_add(request):
    form = MembershipForm(request.POST)
    if form.is_valid():
        try:
            services.membership_create(
                actor=request.user,
                user=request.user,
                structure=form.cleaned_data["structure"],
                function=form.cleaned_data["function"],
            )
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                _(
                    "Votre demande de rattachement est envoyée : le ou la responsable de la "
                    "structure (ou la coordination du hub) la validera."
                ),
            )
            return redirect("accounts:profile")
    return _profile_page(
        request, form=_profile_form(request.user), membership_form=form, status=400
    )


@require_POST
def territory_update(request):
    form = TerritoryForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.user_set_territory(
                actor=request.user, user=request.user, **form.service_fields()
            )
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Vos préférences de comptage sont enregistrées."))
            return redirect("accounts:profile")
    return _profile_page(
        request,
        form=_profile_form(request.user),
        membership_form=MembershipForm(),
        territory_form=form,
        status=400,
    )


@require_POST
def membership_remove(request, pk):
    membership = get_object_or_404(Membership, pk=pk, user=request.user)
    services.membership_delete(actor=request.user, membership=membership)
    messages.success(request, _("Rattachement supprimé."))
    return redirect("accounts:profile")


@hub_coordinator_required
def structure_list(request):
    structures = selectors.structures_list(**StructureFilterForm(request.GET).filters())
    page = Paginator(structures, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/structure_list.html",
        {
            "page": page,
            "departements": selectors.departements_choices(),
            "kinds": StructureKind.choices,
        },
    )


def structure_create(request):
    """Any mediator may add their structure when it is missing; they are attached to it."""
    form = StructureForm(request.POST or None)
    # The hub coordinator manages structures without joining them.
    membership_form = None
    if not is_hub_coordinator(request.user):
        membership_form = MembershipForm(request.POST or None)
        membership_form.fields.pop("structure")
        membership_form.fields.pop("structure_search")
    forms_valid = form.is_valid() and (membership_form is None or membership_form.is_valid())
    if request.method == "POST" and forms_valid:
        join_as = membership_form.cleaned_data["function"] if membership_form else None
        structure = services.structure_create(
            actor=request.user, join_as=join_as, **form.service_fields()
        )
        messages.success(
            request, _("La structure « %(name)s » est créée.") % {"name": structure.name}
        )
        return redirect("accounts:structure_detail", pk=structure.pk)
    return render(
        request,
        "accounts/structure_form.html",
        {"form": form, "membership_form": membership_form, "creating": True},
    )


def _structure_for(request, pk):
    """The structure, for its approved members and the hub (a pending request shows nothing)."""
    structure = get_object_or_404(
        Structure.objects.select_related("commune__departement__region"), pk=pk
    )
    if not (
        is_hub_coordinator(request.user) or selectors.is_approved_member(request.user, structure)
    ):
        raise PermissionDenied
    return structure


def structure_detail(request, pk):
    structure = _structure_for(request, pk)
    can_approve = services.can_approve_members(request.user, structure)
    return render(
        request,
        "accounts/structure_detail.html",
        {
            "structure": structure,
            "members": selectors.structure_members(structure),
            "pending": selectors.pending_members(structure) if can_approve else [],
            "can_approve": can_approve,
        },
    )


@require_POST
def membership_decide(request, pk, decision):
    membership = get_object_or_404(Membership.objects.select_related("structure"), pk=pk)
    change = {"valider": services.membership_approve, "refuser": services.membership_refuse}
    if decision not in change:
        raise Http404
    try:
        change[decision](actor=request.user, membership=membership)
    except DomainError as error:
        if error.code == "not_allowed":
            raise PermissionDenied from error
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Rattachement validé.") if decision == "valider" else _("Demande refusée."),
        )
    return redirect("accounts:structure_detail", pk=membership.structure_id)


@require_POST
@hub_coordinator_required
def structure_verify(request, pk):
    structure = get_object_or_404(Structure, pk=pk)
    services.structure_verify(actor=request.user, structure=structure)
    messages.success(request, _("La structure est vérifiée : elle est proposée comme lieu."))
    return redirect("accounts:structure_detail", pk=structure.pk)


@hub_coordinator_required
def structure_update(request, pk):
    structure = _structure_for(request, pk)
    form = StructureForm(request.POST or None, instance=structure)
    if request.method == "POST" and form.is_valid():
        services.structure_update(actor=request.user, structure=structure, **form.service_fields())
        messages.success(request, _("La structure est enregistrée."))
        return redirect("accounts:structure_detail", pk=structure.pk)
    return render(request, "accounts/structure_form.html", {"form": form, "structure": structure})


def structure_search(request):
    """htmx partial for the structure picker: every structure, or (`scope=places`) those the
    person may name as a session's place."""
    if request.GET.get("scope") == "places":
        queryset = selectors.place_choices(request.user)
    else:
        queryset = Structure.objects.all()
    structures = selectors.structures_search(request.GET.get("structure_search", ""), queryset)
    return render(request, "accounts/_structure_options.html", {"structures": structures})


def commune_search(request):
    """htmx partial for the commune picker."""
    communes = selectors.communes_search(request.GET.get("commune_search", ""))
    return render(request, "accounts/_commune_options.html", {"communes": communes})
