from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et structures")

    def ready(self):
        from core.dashboard import register_panel
        from core.navigation import NavEntry, register

        from .views import home_panel

        register(NavEntry(_("Accueil"), "home", "mediator", 0))
        register(NavEntry(_("Mon profil"), "accounts:profile", "mediator", 90))
        register(NavEntry(_("Structures"), "accounts:structure_list", "hub", 80))
        register(NavEntry(_("Journal"), "audit_log", "hub", 85))
        register_panel(10, home_panel)
