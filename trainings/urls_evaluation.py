"""Attendance (émargement), assessments, the printable sheet, imports and exports."""

from django.urls import path

from .views import assessments, attendance, evidence, imports

urlpatterns = [
    # Attendance, trainer side.
    path(
        "sessions/<int:pk>/emargement/",
        attendance.attendance_grid,
        name="attendance_grid",
    ),
    path(
        "sessions/<int:pk>/emargement/creneaux/<int:slot_pk>/inscriptions/<int:registration_pk>/",
        attendance.attendance_cell,
        name="attendance_cell",
    ),
    path(
        "sessions/<int:pk>/emargement/creneaux/<int:slot_pk>/inscriptions/<int:registration_pk>/"
        "historique/",
        attendance.attendance_history,
        name="attendance_history",
    ),
    path(
        "sessions/<int:pk>/emargement/feuille.pdf",
        attendance.attendance_sheet,
        name="attendance_sheet",
    ),
    path("sessions/<int:pk>/emargement/code/", attendance.sign_code, name="sign_code"),
    path(
        "sessions/<int:pk>/emargement/creneaux/<int:slot_pk>/code/",
        attendance.sign_code,
        name="sign_code_slot",
    ),
    # Attendance, participant side.
    path("emargement/signer/", attendance.attendance_sign, name="attendance_sign"),
    path("emargement/qr/<str:token>/", attendance.attendance_sign_qr, name="attendance_sign_qr"),
    # Assessments.
    path("sessions/<int:pk>/evaluations/", assessments.evaluation_grid, name="evaluation_grid"),
    path(
        "sessions/<int:pk>/evaluations/inscriptions/<int:registration_pk>/"
        "competences/<int:competence_pk>/",
        assessments.assessment_cell,
        name="assessment_cell",
    ),
    path("evaluations/", assessments.my_assessments, name="my_assessments"),
    path("evaluations/preuves/<int:pk>/", evidence.evidence_file, name="evidence_file"),
    path(
        "evaluations/auto-positionnement/",
        assessments.self_assessment,
        name="self_assessment",
    ),
    path(
        "evaluations/personnes/<int:user_pk>/",
        assessments.participant_assessments,
        name="participant_assessments",
    ),
    path("evaluations/a-confirmer/", assessments.review_list, name="review_list"),
    path(
        "evaluations/<int:pk>/relecture/",
        assessments.assessment_review,
        name="assessment_review",
    ),
    # Imports and exports.
    path("sessions/<int:pk>/imports-exports/", imports.imports_home, name="imports_home"),
    path(
        "sessions/<int:pk>/imports/participants/",
        imports.import_participants,
        name="import_participants",
    ),
    path(
        "sessions/<int:pk>/imports/emargement/",
        imports.import_attendance,
        name="import_attendance",
    ),
    path(
        "sessions/<int:pk>/exports/emargement.<str:fmt>",
        imports.export_attendance,
        name="export_attendance",
    ),
    path(
        "sessions/<int:pk>/exports/evaluations.<str:fmt>",
        imports.export_assessments,
        name="export_assessments",
    ),
]
