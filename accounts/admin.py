from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Commune, Departement, Membership, Region, Structure, User


class MembershipInline(admin.TabularInline):
    """Shown for information: mediators manage their own attachments (audited services)."""

    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["structure", "function", "status", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "password1", "password2"),
            },
        ),
    )
    inlines = [MembershipInline]

    def save_related(self, request, form, formsets, change):
        # The groups field is how a superuser names a hub coordinator: the role also gives (or
        # takes back) the admin access and is audited, as the service does it.
        group = services.hub_coordinator_group()
        before = {getattr(g, "pk", g) for g in form.initial.get("groups", [])}
        super().save_related(request, form, formsets, change)
        user = form.instance
        is_coordinator = user.groups.filter(pk=group.pk).exists()
        if is_coordinator != (group.pk in before):
            services.user_set_hub_coordinator(
                actor=request.user, user=user, is_coordinator=is_coordinator
            )


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "commune", "siret"]
    list_filter = ["kind", "commune__departement"]
    search_fields = ["name", "commune__name", "siret"]
    autocomplete_fields = ["commune"]

    def save_model(self, request, obj, form, change):
        # Writes go through the services (validation + audit log), never straight to the model.
        fields = {name: form.cleaned_data[name] for name in services.STRUCTURE_FIELDS}
        if change:
            services.structure_update(actor=request.user, structure=obj, **fields)
        else:
            created = services.structure_create(actor=request.user, **fields)
            obj.pk = created.pk


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["insee_code", "name", "postal_codes", "departement"]
    search_fields = ["name", "insee_code", "postal_codes"]
    list_filter = ["departement__region"]


admin.site.register(Region)
admin.site.register(Departement)
