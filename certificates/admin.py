"""Read-only admin views of enrolments and decisions: every change goes through the services
(the hub's follow-up pages), which check, lock and audit."""

from django.contrib import admin

from .models import BlocValidation, Enrollment, PathwayCertification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "pathway", "rule_set", "status", "enrolled_at"]
    list_filter = ["status", "pathway"]
    list_select_related = ["user", "pathway", "rule_set__pathway"]
    search_fields = ["user__email", "user__last_name"]
    show_full_result_count = False


class DecisionAdmin(ReadOnlyAdmin):
    list_filter = ["basis", "is_current"]
    search_fields = ["holder_name", "enrollment__user__email"]
    date_hierarchy = "decided_on"
    show_full_result_count = False


@admin.register(BlocValidation)
class BlocValidationAdmin(DecisionAdmin):
    list_display = ["holder_name", "bloc", "basis", "decided_on", "valid_until", "is_current"]
    list_select_related = ["bloc"]


@admin.register(PathwayCertification)
class PathwayCertificationAdmin(DecisionAdmin):
    list_display = ["holder_name", "rule_set", "basis", "decided_on", "valid_until", "is_current"]
    list_select_related = ["rule_set__pathway"]
