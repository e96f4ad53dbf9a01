from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Socle — commun")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .audit import log_login
        from .mfa import remember_at_login

        # Whether two-factor authentication is asked of the person is worked out once at login
        # and kept in the session (core.mfa), so that a request costs no query.
        user_logged_in.connect(remember_at_login, dispatch_uid="socle_mfa_at_login")
        user_logged_in.connect(log_login, dispatch_uid="socle_audit_login")
