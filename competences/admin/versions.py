"""Admin for referential versions: their scale and blocs inline, and the version actions."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import DomainError

from .. import services
from ..exporting import export_reference
from ..models import (
    Bloc,
    ProficiencyLevel,
    ReferentialVersion,
)
from ._base import (
    CodeCheckForm,
    CodeCheckFormSet,
    FrozenMixin,
    ServiceAdminMixin,
    adopt,
    run_service,
)


def route_formset(request, formset, *, create, update, delete, name, parent, fields, key=None):
    """Save an inline formset through the services instead of formset.save(). `name` is the
    services' keyword for the item (bloc=, level=...), `parent` the keyword for its parent."""
    formset.save(commit=False)  # fills new_objects / changed_objects / deleted_objects
    for obj in formset.deleted_objects:
        run_service(request, delete, **{name: obj})
    changed = list(formset.changed_objects)
    new = list(formset.new_objects)
    if key is not None:
        changed.sort(key=lambda pair: key(pair[0]))
        new.sort(key=key)
    for obj, changed_fields in changed:
        values = {f: getattr(obj, f) for f in changed_fields if f in fields}
        if values:
            run_service(request, update, **{name: obj}, **values)
    for obj in new:
        created = run_service(request, create, **parent, **{f: getattr(obj, f) for f in fields})
        adopt(obj, created)


# Each inline's rows are written by these services (the admin never saves models itself).
FORMSET_ROUTES = {
    ProficiencyLevel: {
        "create": services.level_create,
        "update": services.level_update,
        "delete": services.level_delete,
        "name": "level",
        "fields": ("rank", "label", "description", "counts_as_acquired"),
        # Demotions first, so that the new threshold is the one left standing.
        "key": lambda level: level.counts_as_acquired,
    },
    Bloc: {
        "create": services.bloc_create,
        "update": services.bloc_update,
        "delete": services.bloc_delete,
        "name": "bloc",
        "fields": ("code", "title", "order"),
    },
}


class LevelForm(forms.ModelForm):
    class Meta:
        model = ProficiencyLevel
        fields = ["rank", "label", "description", "counts_as_acquired"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def _get_validation_exclusions(self):
        # Moving the "acquired" threshold from one level to another in one save is allowed: the
        # formset checks there is one, and the service demotes the previous threshold.
        exclude = super()._get_validation_exclusions()
        exclude.add("counts_as_acquired")
        return exclude


class LevelFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if hasattr(form, "cleaned_data")
            and form.cleaned_data
            and not form.cleaned_data.get("DELETE")
        ]
        if sum(1 for form in kept if form.cleaned_data.get("counts_as_acquired")) > 1:
            raise forms.ValidationError(_("Un seul niveau peut être le seuil « acquis »."))


class LevelInline(FrozenMixin, admin.TabularInline):
    model = ProficiencyLevel
    form = LevelForm
    formset = LevelFormSet
    extra = 0
    verbose_name_plural = gettext_lazy("Échelle de maîtrise")


class BlocInlineForm(CodeCheckForm):
    class Meta:
        model = Bloc
        fields = ["code", "title", "order"]


class BlocInline(FrozenMixin, admin.TabularInline):
    model = Bloc
    form = BlocInlineForm
    formset = CodeCheckFormSet
    extra = 0
    show_change_link = True


@admin.register(ReferentialVersion)
class ReferentialVersionAdmin(ServiceAdminMixin, FrozenMixin, admin.ModelAdmin):
    list_display = ["referential", "number", "status", "published_at", "bloc_count"]
    list_filter = ["status", "referential"]
    list_select_related = ["referential"]
    inlines = [LevelInline, BlocInline]
    change_form_template = "competences/admin/version_change_form.html"
    actions = ["publish", "clone", "retire", "export_csv", "export_xlsx", "export_json"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(bloc_total=Count("blocs"))

    @admin.display(description=gettext_lazy("blocs"), ordering="bloc_total")
    def bloc_count(self, obj):
        return obj.bloc_total

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["referential", "notes", "peer_assessment_needs_confirmation"]
        return [
            "referential",
            "number",
            "status",
            "notes",
            "peer_assessment_needs_confirmation",
            "cloned_from",
            "created_at",
            "published_at",
            "retired_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "referential",
            "number",
            "status",
            "cloned_from",
            "created_at",
            "published_at",
            "retired_at",
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        rules = {"peer_assessment_needs_confirmation": obj.peer_assessment_needs_confirmation}
        if change:
            run_service(request, services.version_update, version=obj, notes=obj.notes, **rules)
        else:
            created = run_service(
                request,
                services.version_create,
                referential=obj.referential,
                notes=obj.notes,
                **rules,
            )
            adopt(obj, created)

    def save_formset(self, request, form, formset, change):
        route_formset(
            request, formset, parent={"version": form.instance}, **FORMSET_ROUTES[formset.model]
        )

    def delete_model(self, request, obj):
        run_service(request, services.version_delete, version=obj)

    def delete_queryset(self, request, queryset):
        for version in queryset:
            run_service(request, services.version_delete, version=version)

    def _each(self, request, queryset, func, done):
        count = 0
        for version in queryset:
            try:
                func(actor=request.user, version=version)
            except DomainError as error:
                messages.error(request, f"{version} : {error.message}")
            else:
                count += 1
        if count:
            messages.success(request, done % {"count": count})

    @admin.action(description=gettext_lazy("Publier les versions sélectionnées"))
    def publish(self, request, queryset):
        self._each(
            request, queryset, services.version_publish, _("%(count)s version(s) publiée(s).")
        )

    @admin.action(description=gettext_lazy("Nouvelle version (copie en brouillon)"))
    def clone(self, request, queryset):
        self._each(request, queryset, services.version_clone, _("%(count)s brouillon(s) créé(s)."))

    @admin.action(description=gettext_lazy("Retirer les versions sélectionnées"))
    def retire(self, request, queryset):
        self._each(
            request, queryset, services.version_retire, _("%(count)s version(s) retirée(s).")
        )

    def _export(self, request, queryset, fmt):
        if queryset.count() != 1:
            messages.error(request, _("Choisissez une seule version à exporter."))
            return None
        exported = export_reference(queryset.select_related("referential").get(), fmt)
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response

    @admin.action(description=gettext_lazy("Exporter la version (CSV)"))
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description=gettext_lazy("Exporter la version (XLSX)"))
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")

    @admin.action(description=gettext_lazy("Exporter la version (JSON)"))
    def export_json(self, request, queryset):
        return self._export(request, queryset, "json")
