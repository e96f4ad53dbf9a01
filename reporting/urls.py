from django.urls import include, path

from .views import dashboard, lists

app_name = "reporting"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("sessions/", lists.session_list, name="session_list"),
    path("certifications/", lists.decision_list, name="decision_list"),
    path("attestations/", lists.attestation_list, name="attestation_list"),
    path("qualite/", lists.quality, name="quality"),
    path("exports/", include("reporting.urls_exports")),
]
