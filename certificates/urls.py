from django.urls import include, path

from . import views

app_name = "certificates"

progress_patterns = [
    path("", views.my_progress, name="my_progress"),
    path("parcours/<int:pk>/suivre/", views.enroll, name="enroll"),
    path("inscriptions/<int:pk>/quitter/", views.withdraw, name="withdraw"),
    path("suivi/", views.enrollment_list, name="enrollment_list"),
    path("suivi/inscrire/", views.enroll_many, name="enroll_many"),
    path("suivi/<int:pk>/", views.enrollment_detail, name="enrollment_detail"),
    path("suivi/<int:pk>/valider/", views.validate_manually, name="validate_manually"),
    path("suivi/<int:pk>/regles/", views.move_rule_set, name="move_rule_set"),
    path(
        "decisions/<slug:kind>/<int:pk>/retirer/",
        views.withdraw_decision,
        name="withdraw_decision",
    ),
    path(
        "decisions/<slug:kind>/<int:pk>/justificatif/",
        views.decision_proof,
        name="decision_proof",
    ),
    path("sessions/<int:pk>/", views.session_progress, name="session_progress"),
    path(
        "sessions/<int:pk>/attestations/", views.session_attestations, name="session_attestations"
    ),
    path(
        "sessions/<int:pk>/attestations.zip",
        views.session_attestations_zip,
        name="session_attestations_zip",
    ),
    path(
        "sessions/<int:pk>/attestations/emettre/",
        views.session_attestations_issue,
        name="session_attestations_issue",
    ),
    path("attestations/", views.my_attestations, name="my_attestations"),
    path("attestations/<int:pk>/pdf/", views.download, name="download"),
    path("attestations/<int:pk>/detail-public/", views.show_details, name="show_details"),
    path("attestations/<int:pk>/statut/", views.attestation_manage, name="attestation_manage"),
    path("emetteur/", views.issuer_edit, name="issuer_edit"),
]

# Mounted at the site's root: the progress pages under /progression/, and the public
# verification under /verifier/ (short, printed on every document).
urlpatterns = [
    path("progression/", include(progress_patterns)),
    path("verifier/", views.verify_home, name="verify_home"),
    path("verifier/cles.json", views.badge_keys, name="badge_keys"),
    path("verifier/emetteur.json", views.badge_issuer, name="badge_issuer"),
    path("verifier/statut/<slug:purpose>.jwt", views.status_list, name="status_list"),
    path("verifier/<str:code>.jwt", views.verify_credential, name="verify_credential"),
    path("verifier/<str:code>.json", views.verify_json, name="verify_json"),
    path("verifier/<str:code>/", views.verify, name="verify"),
]
