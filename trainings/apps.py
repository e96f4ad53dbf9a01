from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = _("Formations entre pairs")

    def ready(self):
        from core.dashboard import register_panel
        from core.navigation import NavEntry, register
        from core.permissions import register_role

        from .permissions import is_trainer
        from .views.registrations import home_panel

        register_role("trainer", is_trainer)
        register(NavEntry(_("Sessions"), "trainings:session_list", "mediator", 40))
        register(NavEntry(_("Mes inscriptions"), "trainings:my_registrations", "mediator", 50))
        register(NavEntry(_("Mes évaluations"), "trainings:my_assessments", "mediator", 55))
        register(NavEntry(_("Signer ma présence"), "trainings:attendance_sign", "mediator", 56))
        register(NavEntry(_("Mes sessions"), "trainings:my_sessions", "trainer", 60))
        register(NavEntry(_("À confirmer"), "trainings:review_list", "trainer", 65))
        register(NavEntry(_("Habilitations"), "trainings:accreditation_list", "hub", 70))
        register_panel(20, home_panel)
