from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
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
]
