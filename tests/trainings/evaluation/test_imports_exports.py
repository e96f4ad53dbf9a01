import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests import factories
from trainings.models import (
    Attendance,
    AttendanceMethod,
    Registration,
    RegistrationStatus,
    SessionStatus,
)
from trainings.services.imports import ImportRefused, attendance_import, participants_import

pytestmark = pytest.mark.django_db


def csv_file(rows, *, delimiter=";", encoding="utf-8", name="import.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="import.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def local_start(slot):
    return timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M")


# Participants.


def test_import_participants_csv_semicolon_windows_1252(session_now, trainer):
    people = [factories.UserFactory(last_name="Lefèvre"), factories.UserFactory()]
    upload = csv_file(
        [
            ["Courriel", "Prénom", "Nom"],
            [people[0].email.upper(), people[0].first_name, "LEFEVRE"],
            [people[1].email, "", ""],
            ["", "", ""],  # a blank line at the end is ignored
        ],
        encoding="cp1252",
    )
    summary = participants_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert summary.created == 2
    for person in people:
        assert Registration.objects.get(session=session_now, user=person).status == (
            RegistrationStatus.REGISTERED
        )


def test_import_participants_xlsx_and_already_registered(session_now, trainer, participant):
    person = factories.UserFactory()
    upload = xlsx_file([["email"], [person.email], [participant.email]])
    summary = participants_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert (summary.created, summary.unchanged) == (1, 1)


def test_unknown_participant_refuses_the_whole_file(session_now, trainer):
    known = factories.UserFactory()
    other = factories.UserFactory(last_name="Martin")
    upload = csv_file(
        [
            ["email", "first_name", "last_name"],
            [known.email, known.first_name, known.last_name],
            ["inconnu@exemple.test", "Jean", "Inconnu"],
            [other.email, other.first_name, "Durand"],
        ],
        delimiter=",",
    )
    before = Registration.objects.count()
    with pytest.raises(ImportRefused) as refused:
        participants_import(actor=trainer, session=session_now, uploaded_file=upload)
    errors = refused.value.errors
    assert [line for line, _message in errors] == [3, 4]
    assert "inconnu@exemple.test" in errors[0][1] and "aucun compte" in errors[0][1]
    assert "Durand" in errors[1][1]
    assert Registration.objects.count() == before  # the known one was not registered either


def test_full_session_refuses_the_file(session_now, trainer):
    type(session_now).objects.filter(pk=session_now.pk).update(capacity=3)
    people = [factories.UserFactory() for _index in range(2)]
    upload = csv_file([["email"], *[[p.email] for p in people]])
    with pytest.raises(ImportRefused) as refused:
        participants_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert refused.value.errors[0][0] == 3
    assert "complète" in refused.value.errors[0][1]
    assert not Registration.objects.filter(user__in=people).exists()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"nom;prenom\nDupont;Jean\n", "Colonne manquante : email"),
        (b"email\n", "aucune ligne"),
        (b"", "vide"),
    ],
)
def test_bad_files(session_now, trainer, content, fragment):
    upload = SimpleUploadedFile("x.csv", content)
    with pytest.raises(ImportRefused) as refused:
        participants_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert fragment in refused.value.errors[0][1]


def test_broken_xlsx_is_refused(session_now, trainer):
    upload = SimpleUploadedFile("x.xlsx", b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImportRefused) as refused:
        participants_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert "illisible" in refused.value.errors[0][1]


def test_xlsx_that_unzips_too_big_is_refused(session_now, trainer, monkeypatch):
    from trainings.services import imports

    monkeypatch.setattr(imports, "MAX_UNZIPPED_BYTES", 10_000)
    upload = xlsx_file([["email"], *[[f"p{i}@exemple.test"] for i in range(2000)]])
    with pytest.raises(ImportRefused) as refused:
        participants_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert "trop volumineux" in refused.value.errors[0][1]
    assert not Registration.objects.filter(session=session_now, user__email="p1@exemple.test")


def test_import_needs_a_trainer_and_an_open_session(session_now, trainer):
    upload = csv_file([["email"], [factories.UserFactory().email]])
    with pytest.raises(ImportRefused.__mro__[1]) as error:
        participants_import(
            actor=factories.UserFactory(), session=session_now, uploaded_file=upload
        )
    assert error.value.code == "not_session_trainer"
    session_now.status = SessionStatus.CLOSED
    with pytest.raises(ImportRefused.__mro__[1]) as error:
        participants_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert error.value.code == "session_frozen"


# Attendance.


def test_import_attendance_by_slot_start_and_number(
    session_now, trainer, registrations, slots, afternoon
):
    upload = csv_file(
        [
            ["email", "créneau", "statut"],
            [registrations[0].user.email, local_start(slots[0]), "Présent"],
            [registrations[0].user.email, "2", "en retard"],
            [registrations[1].user.email, "1", "Absente"],
            [registrations[1].user.email, local_start(slots[1]), "excused"],
        ]
    )
    summary = attendance_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert summary.created == 4
    marks = {(m.slot_id, m.registration_id): m for m in Attendance.objects.all()}
    assert marks[(slots[0].pk, registrations[0].pk)].status == "present"
    assert marks[(slots[1].pk, registrations[0].pk)].status == "late"
    assert marks[(slots[0].pk, registrations[1].pk)].status == "absent"
    assert marks[(slots[1].pk, registrations[1].pk)].status == "excused"
    assert {m.method for m in marks.values()} == {AttendanceMethod.IMPORT}
    # Importing the same file again changes nothing.
    upload.seek(0)
    again = attendance_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert (again.created, again.unchanged) == (0, 4)


def test_import_attendance_xlsx_with_real_datetimes(session_now, trainer, registrations, slots):
    naive = timezone.localtime(slots[0].starts_at).replace(tzinfo=None)
    upload = xlsx_file([["Email", "Slot", "Status"], [registrations[0].user.email, naive, "P"]])
    summary = attendance_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert summary.created == 1


def test_bad_attendance_rows_are_all_listed(session_now, trainer, registrations, slots):
    waiting = factories.RegistrationFactory(session=session_now, status=RegistrationStatus.WAITING)
    stranger = factories.UserFactory()
    upload = csv_file(
        [
            ["email", "creneau", "statut"],
            [registrations[0].user.email, "1", "présent"],  # fine, but the file is refused
            ["personne@nulle.part", "1", "présent"],
            [stranger.email, "1", "présent"],
            [waiting.user.email, "1", "présent"],
            [registrations[1].user.email, "9", "présent"],
            [registrations[1].user.email, "2020-01-01 09:00", "présent"],
            [registrations[1].user.email, "demain", "présent"],
            [registrations[1].user.email, "1", "malade"],
        ]
    )
    with pytest.raises(ImportRefused) as refused:
        attendance_import(actor=trainer, session=session_now, uploaded_file=upload)
    errors = dict(refused.value.errors)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9]
    assert "aucun compte" in errors[3]
    assert "n'est pas inscrit" in errors[4] and "n'est pas inscrit" in errors[5]
    assert "créneau n°9" in errors[6]
    assert "aucun créneau" in errors[7]
    assert "illisible" in errors[8]
    assert "malade" in errors[9]
    assert not Attendance.objects.exists()


# Views and exports.


def test_import_page_lists_errors(client_for, session_now, trainer):
    client = client_for(trainer)
    assert client.get(reverse("trainings:imports_home", args=[session_now.pk])).status_code == 200
    upload = csv_file([["email"], ["inconnu@exemple.test"]])
    response = client.post(
        reverse("trainings:import_participants", args=[session_now.pk]),
        {"participants-file": upload},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ligne 2" in html and "inconnu@exemple.test" in html and "rien n'a été" in html


def test_import_page_success(client_for, session_now, trainer, registrations):
    upload = csv_file([["email", "creneau", "statut"], [registrations[0].user.email, "1", "P"]])
    response = client_for(trainer).post(
        reverse("trainings:import_attendance", args=[session_now.pk]),
        {"attendance-file": upload},
        follow=True,
    )
    assert "1 présence(s) enregistrée(s)" in response.content.decode()


def test_export_attendance_csv_round_trips(client_for, session_now, trainer, registrations, slots):
    factories.AttendanceFactory(slot=slots[0], registration=registrations[0], status="present")
    dangerous = registrations[1].user
    dangerous.last_name = '=HYPERLINK("http://x")'
    dangerous.save()
    response = client_for(trainer).get(
        reverse("trainings:export_attendance", args=[session_now.pk, "csv"])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == len(registrations) * len(slots)
    mine = [r for r in rows if r["email"] == registrations[0].user.email]
    assert mine[0]["statut"] == "Présent·e" and mine[0]["heures de présence"] == "3.5"
    assert mine[1]["statut"] == "" and mine[1]["heures de présence"] == "0.0"
    assert all(not r["nom"].startswith("=") for r in rows)
    assert any(r["nom"].startswith("'=") for r in rows)
    # The export can be imported back as is.
    Attendance.objects.all().delete()
    upload = SimpleUploadedFile("export.csv", response.content)
    summary = attendance_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert summary.created == 1


def test_export_attendance_xlsx(client_for, session_now, trainer, registrations, slots):
    response = client_for(trainer).get(
        reverse("trainings:export_attendance", args=[session_now.pk, "xlsx"])
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.max_row == 1 + len(registrations) * len(slots)


def test_export_assessments_with_history(client_for, session_now, trainer, registrations):
    competence = session_now.competences.order_by("order").first()
    participant = registrations[0].user
    old = factories.AssessmentFactory(
        session=session_now,
        participant=participant,
        competence=competence,
        rank=1,
        comment="@SUM(1)",
    )
    new = factories.AssessmentFactory(
        session=session_now, participant=participant, competence=competence, rank=3
    )
    new.criteria_met.set(competence.criteria.all())
    factories.SelfAssessmentFactory(
        participant=participant, competence=competence, rank=2, session=session_now
    )
    client = client_for(trainer)
    response = client.get(reverse("trainings:export_assessments", args=[session_now.pk, "csv"]))
    rows = list(
        csv.DictReader(io.StringIO(response.content.decode().lstrip("\ufeff")), delimiter=";")
    )
    assert len(rows) == 3
    by_level = {r["niveau"]: r for r in rows}
    assert by_level["3"]["en vigueur"] == "oui" and by_level["1"]["en vigueur"] == "non"
    assert by_level["1"]["commentaire"] == "'@SUM(1)"
    assert by_level["3"]["critères observés"] == ", ".join(
        c.code for c in competence.criteria.order_by("order")
    )
    assert "ne compte pas" in by_level["2"]["statut"]
    assert old.pk != new.pk
    xlsx = client.get(reverse("trainings:export_assessments", args=[session_now.pk, "xlsx"]))
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.max_row == 4


def test_unknown_export_format_is_404(client_for, session_now, trainer):
    url = reverse("trainings:export_assessments", args=[session_now.pk, "pdf"])
    assert client_for(trainer).get(url).status_code == 404
