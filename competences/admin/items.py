"""Admin for the content of a version: blocs, competences and criteria (drafts only)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from .. import services
from ..models import Bloc, Competence, Criterion, ReferentialVersion, VersionStatus
from ._base import (
    CodeCheckForm,
    CodeCheckFormSet,
    FrozenMixin,
    ServiceAdminMixin,
    adopt,
    run_service,
)
from .versions import route_formset


def _draft_filter(field_path):
    return {f"{field_path}status": VersionStatus.DRAFT}


class BlocForm(CodeCheckForm):
    class Meta:
        model = Bloc
        fields = [
            "version",
            "code",
            "national_code",
            "title",
            "description",
            "evaluation_modalities",
            "order",
        ]


class CompetenceInlineForm(CodeCheckForm):
    class Meta:
        model = Competence
        fields = ["code", "title", "order"]


class CompetenceInline(FrozenMixin, admin.TabularInline):
    model = Competence
    form = CompetenceInlineForm
    formset = CodeCheckFormSet
    fk_name = "bloc"
    extra = 0
    show_change_link = True


@admin.register(Bloc)
class BlocAdmin(ServiceAdminMixin, FrozenMixin, admin.ModelAdmin):
    form = BlocForm
    list_display = ["code", "title", "version"]
    list_filter = ["version__status", "version__referential"]
    search_fields = ["code", "title"]
    list_select_related = ["version__referential"]
    inlines = [CompetenceInline]

    def get_readonly_fields(self, request, obj=None):
        return ["version"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = ReferentialVersion.objects.filter(
                status=VersionStatus.DRAFT
            ).select_related("referential")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        values = {f: getattr(obj, f) for f in services.content.BLOC_FIELDS}
        if change:
            run_service(request, services.bloc_update, bloc=obj, **values)
        else:
            created = run_service(request, services.bloc_create, version=obj.version, **values)
            adopt(obj, created)

    def save_formset(self, request, form, formset, change):
        route_formset(
            request,
            formset,
            create=services.competence_create,
            update=services.competence_update,
            delete=services.competence_delete,
            name="competence",
            parent={"bloc": form.instance},
            fields=("code", "title", "order"),
        )

    def delete_model(self, request, obj):
        run_service(request, services.bloc_delete, bloc=obj)

    def delete_queryset(self, request, queryset):
        for bloc in queryset:
            run_service(request, services.bloc_delete, bloc=bloc)


class CompetenceForm(CodeCheckForm):
    class Meta:
        model = Competence
        fields = ["bloc", "code", "title", "description", "order", "substantially_changed"]

    def clean(self):
        cleaned = super().clean()
        bloc = cleaned.get("bloc")
        if self.instance.pk and bloc is not None and bloc.version_id != self.instance.version_id:
            self.add_error(
                "bloc", _("Le bloc choisi appartient à une autre version du référentiel.")
            )
        return cleaned


class CriterionInlineForm(CodeCheckForm):
    class Meta:
        model = Criterion
        fields = ["code", "text", "order"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 60})}


class CriterionInline(FrozenMixin, admin.TabularInline):
    model = Criterion
    form = CriterionInlineForm
    formset = CodeCheckFormSet
    fk_name = "competence"
    extra = 0


@admin.register(Competence)
class CompetenceAdmin(ServiceAdminMixin, FrozenMixin, admin.ModelAdmin):
    form = CompetenceForm
    list_display = ["code", "title", "bloc", "version"]
    list_filter = ["version__status", "version__referential"]
    search_fields = ["code", "title"]
    list_select_related = ["bloc", "version__referential"]
    inlines = [CriterionInline]

    def get_fields(self, request, obj=None):
        fields = ["bloc", "code", "title", "description", "order"]
        # Marking only means something against an earlier version whose evidence would count.
        if obj is not None and services.lineage_source(obj.version) is not None:
            fields.append("substantially_changed")
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "bloc":
            kwargs["queryset"] = Bloc.objects.filter(**_draft_filter("version__")).select_related(
                "version__referential"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        values = {f: getattr(obj, f) for f in ("code", "title", "description", "order")}
        if change:
            if "substantially_changed" in form.changed_data:
                values["substantially_changed"] = obj.substantially_changed
            run_service(
                request, services.competence_update, competence=obj, bloc=obj.bloc, **values
            )
        else:
            created = run_service(request, services.competence_create, bloc=obj.bloc, **values)
            adopt(obj, created)

    def save_formset(self, request, form, formset, change):
        route_formset(
            request,
            formset,
            create=services.criterion_create,
            update=services.criterion_update,
            delete=services.criterion_delete,
            name="criterion",
            parent={"competence": form.instance},
            fields=("code", "text", "order"),
        )

    def delete_model(self, request, obj):
        run_service(request, services.competence_delete, competence=obj)

    def delete_queryset(self, request, queryset):
        for competence in queryset:
            run_service(request, services.competence_delete, competence=competence)


class CriterionForm(CodeCheckForm):
    class Meta:
        model = Criterion
        fields = ["competence", "code", "text", "order"]

    def clean(self):
        cleaned = super().clean()
        competence = cleaned.get("competence")
        if (
            self.instance.pk
            and competence is not None
            and competence.version_id != self.instance.version_id
        ):
            self.add_error(
                "competence",
                _("La compétence choisie appartient à une autre version du référentiel."),
            )
        return cleaned


@admin.register(Criterion)
class CriterionAdmin(ServiceAdminMixin, FrozenMixin, admin.ModelAdmin):
    form = CriterionForm
    list_display = ["code", "text", "competence", "version"]
    list_filter = ["version__status", "version__referential"]
    search_fields = ["code", "text"]
    list_select_related = ["competence", "version__referential"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "competence":
            kwargs["queryset"] = Competence.objects.filter(
                **_draft_filter("version__")
            ).select_related("version__referential")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        values = {f: getattr(obj, f) for f in ("code", "text", "order")}
        if change:
            run_service(
                request,
                services.criterion_update,
                criterion=obj,
                competence=obj.competence,
                **values,
            )
        else:
            created = run_service(
                request, services.criterion_create, competence=obj.competence, **values
            )
            adopt(obj, created)

    def delete_model(self, request, obj):
        run_service(request, services.criterion_delete, criterion=obj)

    def delete_queryset(self, request, queryset):
        for criterion in queryset:
            run_service(request, services.criterion_delete, criterion=criterion)
