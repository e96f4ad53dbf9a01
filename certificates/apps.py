from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certifications et attestations")

    def ready(self):
        from core.dashboard import register_panel
        from core.navigation import NavEntry, register
        from trainings.services.events import register_evidence_listener
        from trainings.services.sessions import register_on_close

        from . import checks  # noqa: F401
        from .services.attestations import request_session_attestations
        from .services.decisions import request_decisions
        from .views import home_panel

        register(NavEntry(_("Ma progression"), "certificates:my_progress", "mediator", 45))
        register(NavEntry(_("Mes attestations"), "certificates:my_attestations", "mediator", 46))
        register(NavEntry(_("Suivi des parcours"), "certificates:enrollment_list", "hub", 75))
        register_panel(15, home_panel)

        # After commit already: enqueue directly.
        def on_evidence(user_ids):
            from .tasks import decide_for_people

            decide_for_people.enqueue(user_ids=user_ids)

        register_evidence_listener(on_evidence)

        def on_close(session):
            request_decisions(
                session.registrations.filter(status="registered").values_list("user_id", flat=True)
            )
            request_session_attestations(session.pk)

        register_on_close(on_close)
