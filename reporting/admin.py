"""Export jobs, read-only: for following what was asked and what failed. The files are not linked
here (nominative data, served only to their requester through a checked view)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ReportExport


@admin.register(ReportExport)
class ReportExportAdmin(admin.ModelAdmin):
    list_display = [
        "requested_at",
        "requested_by",
        "kind",
        "format",
        "status",
        "rows_done",
        "rows_total",
        "expires_at",
    ]
    list_filter = ["status", "kind", "format"]
    list_select_related = ["requested_by"]
    search_fields = ["requested_by__email", "requested_by__last_name"]
    date_hierarchy = "requested_at"
    show_full_result_count = False
    fields = [
        "requested_by",
        "kind",
        "format",
        "query",
        "scope_is_hub",
        "scope_structure_ids",
        "status",
        "rows_done",
        "rows_total",
        "file_name",
        "size",
        "error",
        "requested_at",
        "started_at",
        "ready_at",
        "expires_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("fichier"))
    def file_name(self, job):
        return job.filename

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
