"""Admin for certifying pathways: their blocs and per-competence required levels.

The forms check what the services enforce (blocs of the pathway's version, requirements on
competences of those blocs, levels of that version's scale) so that mistakes come back as form
errors; the save itself goes through competences.services.
"""

from django import forms
from django.contrib import admin
from django.forms import formsets
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import services
from ..models import (
    Bloc,
    Competence,
    Pathway,
    PathwayBloc,
    PathwayRequirement,
    ProficiencyLevel,
    ReferentialVersion,
    VersionStatus,
)
from ._base import HubAccessMixin, ServiceAdminMixin, adopt, run_service

PATHWAY_FIELDS = ["version", *services.pathways.PATHWAY_FIELDS]


def _pathway_version_id(formset):
    """The version of the pathway being edited or created (from the main form's data)."""
    if formset.instance.version_id:
        return formset.instance.version_id
    value = formset.data.get("version")
    return int(value) if value and str(value).isdecimal() else None


def _kept_bloc_ids(data):
    """Blocs the pathway keeps after this save, read from the bloc inline's POST data."""
    prefix = "pathway_blocs"
    # Raw POST data: a count or an id may be any text (a 500), and a huge count looped for ever;
    # never read more rows than the formset itself would (its own checks refuse the rest).
    total = str(data.get(f"{prefix}-TOTAL_FORMS") or "")
    total = min(int(total), formsets.DEFAULT_MAX_NUM * 2) if total.isdecimal() else 0
    kept = set()
    for index in range(total):
        bloc = str(data.get(f"{prefix}-{index}-bloc") or "")
        if bloc.isdecimal() and not data.get(f"{prefix}-{index}-DELETE"):
            kept.add(int(bloc))
    return kept


class PathwayBlocFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        version_id = _pathway_version_id(self)
        seen = set()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            bloc = form.cleaned_data.get("bloc")
            if bloc is None:
                continue
            if version_id is not None and bloc.version_id != version_id:
                form.add_error("bloc", _("Ce bloc n'appartient pas à la version du parcours."))
            if bloc.pk in seen:
                form.add_error("bloc", _("Ce bloc est cité deux fois."))
            seen.add(bloc.pk)


class RequirementFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        version_id = _pathway_version_id(self)
        kept_blocs = _kept_bloc_ids(self.data)
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            competence = form.cleaned_data.get("competence")
            level = form.cleaned_data.get("required_level")
            if competence is not None and competence.bloc_id not in kept_blocs:
                form.add_error(
                    "competence", _("Cette compétence ne fait pas partie des blocs du parcours.")
                )
            if level is not None and version_id is not None and level.version_id != version_id:
                form.add_error(
                    "required_level",
                    _("Ce niveau n'appartient pas à l'échelle de la version du parcours."),
                )


class _PathwayChildInline(admin.TabularInline):
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Every row's select would run its own query for the same choices: read them once.
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None:
            field.choices = list(field.choices)
        return field

    def _version_filter(self, request):
        """Limit choices to the pathway's version when it is known (edit, or ?version= on
        the add page), else to published versions."""
        match = request.resolver_match
        object_id = match.kwargs.get("object_id") if match else None
        if object_id:
            version_id = Pathway.objects.filter(pk=object_id).values_list("version_id", flat=True)
            return {"version_id__in": list(version_id)}
        if request.GET.get("version", "").isdecimal():
            return {"version_id": int(request.GET["version"])}
        return {"version__status": VersionStatus.PUBLISHED}

    def has_view_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.version.is_published

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.version.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.version.is_published


class PathwayBlocInline(_PathwayChildInline):
    model = PathwayBloc
    formset = PathwayBlocFormSet
    fields = ["bloc", "order"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pathway", "bloc")  # row labels

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "bloc":
            kwargs["queryset"] = Bloc.objects.filter(
                **self._version_filter(request)
            ).select_related("version__referential")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RequirementInline(_PathwayChildInline):
    model = PathwayRequirement
    formset = RequirementFormSet
    fields = ["competence", "required_level"]
    verbose_name = gettext_lazy("niveau requis différent du seuil « acquis »")
    verbose_name_plural = gettext_lazy("niveaux requis différents du seuil « acquis »")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("pathway", "competence", "required_level")  # row labels
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "competence":
            kwargs["queryset"] = Competence.objects.filter(
                **self._version_filter(request)
            ).select_related("version__referential")
        if db_field.name == "required_level":
            kwargs["queryset"] = ProficiencyLevel.objects.filter(
                **self._version_filter(request)
            ).select_related("version__referential")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PathwayForm(forms.ModelForm):
    class Meta:
        model = Pathway
        fields = PATHWAY_FIELDS

    def clean(self):
        cleaned = super().clean()
        # On a change the version is read-only, so Django leaves the (version, code) constraint
        # unchecked: a taken code would only fail in the service.
        code = cleaned.get("code")
        if self.instance.pk and code:
            taken = Pathway.objects.filter(version_id=self.instance.version_id, code=code)
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error("code", _("Un autre parcours de cette version porte déjà ce code."))
        return cleaned


@admin.register(Pathway)
class PathwayAdmin(ServiceAdminMixin, HubAccessMixin, admin.ModelAdmin):
    form = PathwayForm
    list_display = ["title", "code", "version", "audience", "min_attended_hours", "is_active"]
    list_filter = ["is_active", "audience", "version__referential"]
    list_select_related = ["version__referential"]
    search_fields = ["code", "title"]
    inlines = [PathwayBlocInline, RequirementInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if not obj.version.is_published:
            return PATHWAY_FIELDS  # a retired version's pathways are kept as they were
        return ["version"]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.version.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if request.GET.get("version", "").isdecimal():
            initial["version"] = int(request.GET["version"])
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = ReferentialVersion.objects.filter(
                status=VersionStatus.PUBLISHED
            ).select_related("referential")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        values = {f: getattr(obj, f) for f in PATHWAY_FIELDS if f not in ("version", "code")}
        if change:
            run_service(request, services.pathway_update, pathway=obj, code=obj.code, **values)
        else:
            created = run_service(
                request, services.pathway_create, version=obj.version, code=obj.code, **values
            )
            adopt(obj, created)

    def save_related(self, request, form, formsets, change):
        pathway = form.instance
        for formset in formsets:
            formset.save(commit=False)  # fills new/changed/deleted_objects for the change log
        bloc_formset = next(f for f in formsets if f.model is PathwayBloc)
        kept = [
            f.cleaned_data
            for f in bloc_formset.forms
            if getattr(f, "cleaned_data", None)
            and f.cleaned_data.get("bloc")
            and not f.cleaned_data.get("DELETE")
        ]
        kept.sort(key=lambda data: data.get("order") or 0)
        run_service(
            request,
            services.pathway_update,
            pathway=pathway,
            blocs=[data["bloc"] for data in kept],
        )
        requirement_formset = next(f for f in formsets if f.model is PathwayRequirement)
        changed = [
            form_
            for form_ in requirement_formset.forms
            if getattr(form_, "cleaned_data", None)
            and not form_.cleaned_data.get("DELETE")
            and form_.has_changed()
        ]
        # A row whose competence changed names another requirement: its old one goes.
        moved = PathwayRequirement.objects.filter(
            pk__in=[form_.instance.pk for form_ in changed if "competence" in form_.changed_data]
        ).select_related("pathway", "competence")
        for requirement in [*requirement_formset.deleted_objects, *moved]:
            run_service(request, services.pathway_requirement_delete, requirement=requirement)
        for form_ in changed:
            data = form_.cleaned_data
            run_service(
                request,
                services.pathway_requirement_set,
                pathway=pathway,
                competence=data["competence"],
                level=data["required_level"],
            )

    def delete_model(self, request, obj):
        run_service(request, services.pathway_delete, pathway=obj)

    def delete_queryset(self, request, queryset):
        for pathway in queryset:
            run_service(request, services.pathway_delete, pathway=pathway)
