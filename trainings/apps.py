from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = _("Formations entre pairs")

    def ready(self):
        from core.permissions import register_role

        from .permissions import is_trainer

        register_role("trainer", is_trainer)
