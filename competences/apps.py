from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetencesConfig(AppConfig):
    name = "competences"
    verbose_name = _("Référentiels de compétences")

    def ready(self):
        from core.dashboard import register_panel
        from core.navigation import NavEntry, register

        from .views import home_panel

        register(NavEntry(_("Référentiel"), "competences:index", "mediator", 20))
        register(NavEntry(_("Gestion du référentiel"), "competences:manage", "hub", 35))
        register_panel(30, home_panel)
