"""Admin: read-only views of the trainings data. Writes go through the services: accreditations
are revoked and sessions published or closed by admin actions calling them; granting an
accreditation and editing a session happen on the hub's and trainers' pages."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin_scale import LargeTableAdmin
from core.exceptions import DomainError

from .models import Assessment, Attendance, Registration, Session, Slot, TrainerAccreditation
from .services import accreditations as accreditation_services
from .services import sessions as session_services


class ReadOnlyMixin:
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, func, queryset, success):
    done = 0
    for obj in queryset:
        try:
            func(obj)
        except DomainError as error:
            modeladmin.message_user(request, f"{obj} : {error.message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, success % {"count": done}, messages.SUCCESS)


@admin.register(TrainerAccreditation)
class TrainerAccreditationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Granted on the hub's page (/formations/habilitations/), revoked here by an action."""

    list_display = ("user", "bloc", "valid_from", "valid_until", "revoked_at", "granted_by")
    list_filter = ("bloc__code", "revoked_at")
    search_fields = ("user__email", "user__last_name", "user__first_name")
    list_select_related = ("user", "bloc__version__referential", "granted_by")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retirer les habilitations sélectionnées"))
    def revoke(self, request, queryset):
        _run(
            self,
            request,
            lambda obj: accreditation_services.accreditation_revoke(
                actor=request.user, accreditation=obj
            ),
            queryset,
            _("%(count)s habilitation(s) retirée(s)."),
        )


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0
    can_delete = False
    readonly_fields = ("starts_at", "ends_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("title", "status", "starts_at", "capacity", "format", "structure")
    list_select_related = ("structure__commune",)
    list_filter = ("status", "format")
    search_fields = ("title", "trainers__email", "trainers__last_name")
    date_hierarchy = "starts_at"
    inlines = [SlotInline]
    actions = ["publish", "close"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Publier les sessions sélectionnées"))
    def publish(self, request, queryset):
        _run(
            self,
            request,
            lambda obj: session_services.session_publish(actor=request.user, session=obj),
            queryset,
            _("%(count)s session(s) publiée(s)."),
        )

    @admin.action(description=_("Clôturer les sessions sélectionnées"))
    def close(self, request, queryset):
        _run(
            self,
            request,
            lambda obj: session_services.session_close(actor=request.user, session=obj),
            queryset,
            _("%(count)s session(s) clôturée(s)."),
        )


@admin.register(Registration)
class RegistrationAdmin(LargeTableAdmin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("user", "session", "status", "status_changed_at", "added_by")
    list_filter = ("status",)
    search_fields = ("user__email",)  # shows the search box; LargeTableAdmin does the search
    search_help_text = _("Début de l'e-mail, du nom ou du prénom de la personne.")
    person_fields = ("user",)
    list_select_related = ("user", "session", "added_by")

    def has_add_permission(self, request):
        return False


@admin.register(Attendance)
class AttendanceAdmin(LargeTableAdmin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("registration", "slot", "status", "method", "recorded_by", "is_current")
    list_filter = ("status", "method", "is_current")
    search_fields = ("registration__user__email",)
    search_help_text = _("Début de l'e-mail, du nom ou du prénom de la personne.")
    person_fields = ("registration__user",)
    list_select_related = (
        "registration__user",
        "registration__session",
        "slot__session",
        "recorded_by",
    )

    def has_add_permission(self, request):
        return False


@admin.register(Assessment)
class AssessmentAdmin(LargeTableAdmin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("participant", "competence", "level", "assessor", "assessor_role", "created_at")
    list_filter = ("assessor_role", "method")
    search_fields = ("participant__email",)
    search_help_text = _(
        "Début de l'e-mail, du nom ou du prénom de la personne évaluée ou de l'évaluateur, "
        "ou code exact d'une compétence (B1.C2)."
    )
    person_fields = ("participant", "assessor")
    exact_search_fields = ("competence__code",)
    list_select_related = ("participant", "competence", "level", "assessor")

    def has_add_permission(self, request):
        return False
