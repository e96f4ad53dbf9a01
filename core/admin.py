from django.contrib import admin

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "subject", "target_type", "target_id"]
    list_select_related = ["actor", "subject"]
    list_filter = ["action"]
    search_fields = ["action", "target_repr", "actor__email", "subject__email"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
