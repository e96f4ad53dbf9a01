"""What every competences admin shares: the hub coordinator's access, and the freeze.

A published or retired version is frozen: its pages (and those of its blocs, competences,
criteria and scale) are shown read-only — no change, no delete, no inline row added — so the
admin reflects the rule that competences.services enforces.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.permissions import is_hub_coordinator

from .. import services
from ..models import Bloc, Competence, Criterion, ProficiencyLevel, ReferentialVersion


def version_of(obj):
    if obj is None:
        return None
    if isinstance(obj, ReferentialVersion):
        return obj
    if isinstance(obj, Bloc | Competence | Criterion | ProficiencyLevel) and obj.version_id:
        return obj.version
    if isinstance(obj, Competence) and obj.bloc_id:
        return obj.bloc.version
    if isinstance(obj, Criterion) and obj.competence_id:
        return obj.competence.version
    return None


def is_frozen(obj):
    version = version_of(obj)
    return version is not None and version.is_frozen


class HubAccessMixin:
    """The hub coordinators use these admin pages (staff status is still needed for the admin
    site itself); Django's model permissions also grant access."""

    def _hub(self, request):
        return is_hub_coordinator(request.user)

    def has_module_permission(self, request):
        return self._hub(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._hub(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._hub(request) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._hub(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._hub(request) or super().has_delete_permission(request, obj)


class FrozenMixin(HubAccessMixin):
    """Read-only once the version of the object (or the inline's parent) is frozen."""

    def has_add_permission(self, request, *args):
        parent = args[0] if args else None
        return not is_frozen(parent) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return not is_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not is_frozen(obj) and super().has_delete_permission(request, obj)


def version_id_of(instance, cleaned_data):
    """The version a (possibly unsaved) bloc, competence or criterion form writes to."""
    version = cleaned_data.get("version")
    if version is not None:
        return version.pk
    parent = cleaned_data.get("bloc") or cleaned_data.get("competence")
    if parent is not None:
        return parent.version_id
    if getattr(instance, "version_id", None):
        return instance.version_id
    for name in ("bloc", "competence"):
        parent_id = getattr(instance, f"{name}_id", None)
        if parent_id:
            return getattr(instance, name).version_id
    return None


class CodeCheckForm(forms.ModelForm):
    """Checks, before anything is saved, what the services would refuse: a frozen version and a
    code already used in the version (by any kind of item)."""

    def clean(self):
        cleaned = super().clean()
        version_id = version_id_of(self.instance, cleaned)
        if version_id is None:
            return cleaned
        version = ReferentialVersion.objects.get(pk=version_id)
        if version.is_frozen:
            raise ValidationError(services.frozen_error().message)
        code = cleaned.get("code")
        if code and ("code" in self.changed_data or not self.instance.pk):
            try:
                services.check_code(
                    version_id, code, exclude=self.instance if self.instance.pk else None
                )
            except DomainError as error:
                self.add_error("code", error.message)
        return cleaned


class CodeCheckFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            code = form.cleaned_data.get("code")
            if code in seen:
                form.add_error("code", _("Ce code est saisi deux fois."))
            seen.add(code)


def adopt(obj, created):
    """Make the admin's unsaved object the row a service just created (pk, defaults, dates), so
    that the admin's next steps (inlines, log) work on it."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(created, field.attname))
    obj._state.adding = False
    obj._state.db = created._state.db


class AdminServiceRefused(Exception):
    """A service refused an admin save; the admin view rolls back and shows the message."""


def run_service(request, func, **kwargs):
    try:
        return func(actor=request.user, **kwargs)
    except DomainError as error:
        messages.error(request, error.message)
        raise AdminServiceRefused from error
    except ValidationError as error:
        # The service's full_clean() found what the admin's form did not check.
        for message in error.messages:
            messages.error(request, message)
        raise AdminServiceRefused from error


class ServiceAdminMixin:
    """Admin saves go through competences.services. A refusal the forms could not foresee (a
    version published meanwhile, say) rolls the whole save back and comes back to the page with
    the service's message."""

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except AdminServiceRefused:
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, *args, **kwargs):
        # The list's bulk deletion: all the selected rows or none (Django does not run the
        # list's actions in a transaction).
        try:
            with transaction.atomic():
                return super().changelist_view(request, *args, **kwargs)
        except AdminServiceRefused:
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, *args, **kwargs):
        try:
            return super().delete_view(request, *args, **kwargs)
        except AdminServiceRefused:
            return HttpResponseRedirect(request.get_full_path())
