from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Pilotage du hub")

    def ready(self):
        from core.dashboard import register_panel
        from core.navigation import NavEntry, register

        from .views import home_panel

        register_panel(5, home_panel)
        register(NavEntry(_("Pilotage"), "reporting:dashboard", "hub", 30))
