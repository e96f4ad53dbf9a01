"""Sessions, registrations and accreditations (mounted at /formations/, namespace "trainings")."""

from django.urls import path

from .views import accreditations, closing, registrations, sessions

urlpatterns = [
    # Browsing and the participant's side.
    path("sessions/", sessions.session_list, name="session_list"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/inscription/", registrations.register, name="register"),
    path("mes-inscriptions/", registrations.my_registrations, name="my_registrations"),
    path(
        "inscriptions/<int:pk>/annuler/",
        registrations.registration_cancel,
        name="registration_cancel",
    ),
    path(
        "inscriptions/<int:pk>/calendrier.ics",
        registrations.registration_ics,
        name="registration_ics",
    ),
    # The trainer's side.
    path("mes-sessions/", sessions.my_sessions, name="my_sessions"),
    path("sessions/nouvelle/", sessions.session_create, name="session_create"),
    path("sessions/competences/", sessions.competence_choices, name="session_competence_choices"),
    path("sessions/co-formateurs/", sessions.co_trainer_choices, name="co_trainer_search"),
    path("sessions/<int:pk>/gestion/", sessions.session_manage, name="session_manage"),
    path("sessions/<int:pk>/modifier/", sessions.session_edit, name="session_edit"),
    path("sessions/<int:pk>/publier/", sessions.session_publish, name="session_publish"),
    path("sessions/<int:pk>/annuler/", sessions.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/dupliquer/", sessions.session_duplicate, name="session_duplicate"),
    path("sessions/<int:pk>/cloturer/", closing.session_close, name="session_close"),
    path(
        "sessions/<int:pk>/participants/ajouter/",
        registrations.participant_add,
        name="participant_add",
    ),
    path(
        "sessions/<int:pk>/participants/inviter/",
        registrations.participant_invite,
        name="participant_invite",
    ),
    path(
        "sessions/<int:pk>/participants/<int:registration_pk>/retirer/",
        registrations.participant_remove,
        name="participant_remove",
    ),
    # The hub's side.
    path("habilitations/", accreditations.accreditation_list, name="accreditation_list"),
    path("habilitations/accorder/", accreditations.accreditation_grant, name="accreditation_grant"),
    path(
        "habilitations/personnes/",
        accreditations.accreditation_person_search,
        name="accreditation_person_search",
    ),
    path(
        "habilitations/invitations/<int:pk>/annuler/",
        accreditations.invitation_cancel,
        name="invitation_cancel",
    ),
    path(
        "habilitations/invitations/<int:pk>/renvoyer/",
        accreditations.invitation_resend,
        name="invitation_resend",
    ),
    path("invitation/<str:token>/", accreditations.invitation, name="invitation"),
    path(
        "habilitations/<int:pk>/retirer/",
        accreditations.accreditation_revoke,
        name="accreditation_revoke",
    ),
    path(
        "habilitations/formateurs/<int:user_pk>/",
        accreditations.trainer_history,
        name="trainer_history",
    ),
]
