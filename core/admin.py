from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_scale import LargeTableAdmin
from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(LargeTableAdmin, admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "subject", "target_type", "target_id"]
    list_select_related = ["actor", "subject"]
    list_filter = ["action"]
    search_fields = ["action"]
    search_help_text = _(
        "Début de l'e-mail ou du nom de l'auteur ou de la personne concernée, ou code exact "
        "de l'action."
    )
    person_fields = ("actor", "subject")
    exact_search_fields = ("action",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
