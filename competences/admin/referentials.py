"""Admin for referentials, with the file import of django-import-export.

The import creates a new draft version through ReferentialRowResource (and so through the
services). Files are read by Socle's own formats: any refusal lists every issue with its line.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from core.permissions import is_hub_coordinator

from .. import services
from ..forms import validate_upload_size
from ..importing import ImportRefused
from ..models import Referential, ReferentialVersion
from ..resources import ReferentialCSV, ReferentialJSON, ReferentialRowResource, ReferentialXLSX
from ._base import HubAccessMixin, ServiceAdminMixin, adopt, run_service


class ReferentialImportForm(ImportForm):
    code = forms.SlugField(
        label=gettext_lazy("Code du référentiel"),
        max_length=40,
        help_text=gettext_lazy(
            "Un référentiel existant reçoit une nouvelle version en brouillon ; "
            "un nouveau code crée le référentiel."
        ),
    )
    title = forms.CharField(
        label=gettext_lazy("Intitulé (nouveau référentiel)"), max_length=200, required=False
    )

    def clean_import_file(self):
        return validate_upload_size(self.cleaned_data["import_file"])


class ReferentialConfirmImportForm(ConfirmImportForm):
    code = forms.SlugField(widget=forms.HiddenInput())
    title = forms.CharField(widget=forms.HiddenInput(), required=False)


class VersionInline(admin.TabularInline):
    model = ReferentialVersion
    fields = ["number", "status", "published_at", "retired_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def get_queryset(self, request):
        # Each row's label names the referential.
        return super().get_queryset(request).select_related("referential")

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_hub_coordinator(request.user) or super().has_view_permission(request, obj)


@admin.register(Referential)
class ReferentialAdmin(ServiceAdminMixin, HubAccessMixin, ImportMixin, admin.ModelAdmin):
    list_display = ["code", "title", "created_at"]
    search_fields = ["code", "title"]
    inlines = [VersionInline]
    resource_classes = [ReferentialRowResource]
    import_formats = [ReferentialCSV, ReferentialXLSX, ReferentialJSON]
    import_form_class = ReferentialImportForm
    confirm_form_class = ReferentialConfirmImportForm
    skip_admin_log = True

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_import_permission(self, request):
        return is_hub_coordinator(request.user)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.versions.exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            run_service(
                request,
                services.referential_update,
                referential=obj,
                title=obj.title,
                description=obj.description,
            )
        else:
            created = run_service(
                request,
                services.referential_create,
                code=obj.code,
                title=obj.title,
                description=obj.description,
            )
            adopt(obj, created)

    def delete_model(self, request, obj):
        run_service(request, services.referential_delete, referential=obj)

    def delete_queryset(self, request, queryset):
        for referential in queryset:
            run_service(request, services.referential_delete, referential=referential)

    # django-import-export hooks ------------------------------------------------------------

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        resource_kwargs = {"actor": request.user}
        if form is not None and form.is_bound and form.is_valid():
            resource_kwargs["code"] = form.cleaned_data.get("code", "")
            resource_kwargs["title"] = form.cleaned_data.get("title", "")
        return resource_kwargs

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["code"] = import_form.cleaned_data["code"]
            initial["title"] = import_form.cleaned_data.get("title", "")
        return initial

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportRefused):
            for issue in e.issues:
                form.add_error("import_file", str(issue))
            return
        super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result, request):
        version = getattr(result, "socle_version", None)
        issues = getattr(result, "socle_issues", [])
        if version is None:
            for issue in issues:
                messages.error(request, str(issue))
            return HttpResponseRedirect(reverse("admin:competences_referential_import"))
        messages.success(
            request,
            _("Version %(n)s de « %(title)s » importée en brouillon.")
            % {"n": version.number, "title": version.referential.title},
        )
        return HttpResponseRedirect(
            reverse("admin:competences_referentialversion_change", args=[version.pk])
        )
