import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from trainings.models import Attendance, AttendanceMethod, SessionStatus, SlotSignCode

pytestmark = pytest.mark.django_db


def grid_url(session):
    return reverse("trainings:attendance_grid", args=[session.pk])


def cell_url(session, slot, registration):
    return reverse("trainings:attendance_cell", args=[session.pk, slot.pk, registration.pk])


def test_trainer_sees_the_grid(client_for, session_now, trainer, registrations, slots):
    factories.AttendanceFactory(slot=slots[0], registration=registrations[0], status="late")
    response = client_for(trainer).get(grid_url(session_now))
    assert response.status_code == 200
    html = response.content.decode()
    for registration in registrations:
        assert registration.user.last_name in html
        assert f'name="mark-{slots[1].pk}-{registration.pk}"' in html
    assert f'hx-post="{cell_url(session_now, slots[0], registrations[0])}"' in html
    assert '<option value="late" selected>' in html
    assert "3 h 30" in html  # the late participant's attended hours


def test_htmx_cell_saves_and_returns_the_cell(
    client_for, session_now, trainer, registrations, slots
):
    client = client_for(trainer)
    url = cell_url(session_now, slots[0], registrations[0])
    response = client.post(
        url, {f"mark-{slots[0].pk}-{registrations[0].pk}": "present"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="present" selected>' in html
    assert "enregistré" in html
    assert f'id="hours-{registrations[0].pk}" hx-swap-oob="true">3 h 30' in html
    assert 'id="grid-status"' in html and "Présent·e" in html
    mark = Attendance.objects.get()
    assert mark.recorded_by == trainer and mark.method == AttendanceMethod.TRAINER


def test_htmx_cell_shows_a_refusal(client_for, session_now, trainer, registrations, slots):
    Attendance.objects.all().delete()
    type(session_now).objects.filter(pk=session_now.pk).update(status=SessionStatus.CLOSED)
    response = client_for(trainer).post(
        cell_url(session_now, slots[0], registrations[0]),
        {"status": "present"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "clôturée" in response.content.decode()
    assert not Attendance.objects.exists()


def test_whole_grid_post_without_javascript(
    client_for, session_now, trainer, registrations, slots, afternoon
):
    client = client_for(trainer)
    data = {
        f"mark-{slots[0].pk}-{registrations[0].pk}": "present",
        f"mark-{slots[1].pk}-{registrations[0].pk}": "absent",
        f"mark-{slots[0].pk}-{registrations[1].pk}": "",
    }
    response = client.post(grid_url(session_now), data, follow=True)
    assert response.status_code == 200
    assert "2 modification(s)" in response.content.decode()
    assert Attendance.objects.count() == 2
    # Posting the same grid again adds nothing.
    client.post(grid_url(session_now), data)
    assert Attendance.objects.count() == 2
    # An unknown status refuses the whole grid.
    data[f"mark-{slots[0].pk}-{registrations[1].pk}"] = "sleeping"
    data[f"mark-{slots[1].pk}-{registrations[1].pk}"] = "present"
    refused = client.post(grid_url(session_now), data)
    assert refused.status_code == 400 and "rien n&#x27;a changé" in refused.content.decode()
    assert Attendance.objects.count() == 2


def test_cell_history(client_for, session_now, trainer, registrations, slots):
    client = client_for(trainer)
    for status in ("absent", "late"):
        client.post(cell_url(session_now, slots[0], registrations[0]), {"status": status})
    url = reverse(
        "trainings:attendance_history", args=[session_now.pk, slots[0].pk, registrations[0].pk]
    )
    html = client.get(url).content.decode()
    assert html.index("En retard") < html.index("Absent·e")
    assert html.count(trainer.get_full_name()) >= 2
    assert "corrigée" in html


def test_frozen_grid_is_read_only(client_for, session_now, trainer):
    type(session_now).objects.filter(pk=session_now.pk).update(status=SessionStatus.CLOSED)
    html = client_for(trainer).get(grid_url(session_now)).content.decode()
    assert "lecture seule" in html
    assert "hx-post" not in html


def test_sign_code_page_shows_code_and_qr(client_for, session_now, trainer, slots):
    url = reverse("trainings:sign_code", args=[session_now.pk])
    client = client_for(trainer)
    # Opening the page writes nothing: the code is created by the button.
    page = client.get(url)
    assert page.status_code == 200 and not SlotSignCode.objects.exists()
    assert "Afficher le code et le QR code" in page.content.decode()
    assert client.post(url).url == url
    response = client.get(url)
    assert response.status_code == 200
    code = SlotSignCode.objects.get()
    assert code.slot == slots[0]  # the slot running now
    html = response.content.decode()
    assert code.code in html and "<svg" in html
    assert f"http://testserver/formations/emargement/qr/{code.token}/" in html


def test_sign_code_page_for_a_given_slot(client_for, session_now, trainer, slots):
    url = reverse("trainings:sign_code_slot", args=[session_now.pk, slots[1].pk])
    client = client_for(trainer)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert SlotSignCode.objects.get().slot == slots[1]


def test_participant_signs_with_the_code(client_for, session_now, trainer, participant, slots):
    code = factories.SlotSignCodeFactory(slot=slots[0])
    client = client_for(participant)
    url = reverse("trainings:attendance_sign")
    assert client.get(url).status_code == 200
    response = client.post(url, {"code": code.code.lower()}, follow=True)
    html = response.content.decode()
    assert "Votre présence est enregistrée" in html
    assert Attendance.objects.get().method == AttendanceMethod.CODE
    assert "toutes sessions confondues : 3 h 30" in client.get(url).content.decode()
    response = client.post(url, {"code": code.code})
    assert response.status_code == 400
    assert "déjà signé" in response.content.decode()


def test_participant_signs_with_the_qr(client_for, session_now, participant, slots):
    code = factories.SlotSignCodeFactory(slot=slots[0])
    client = client_for(participant)
    url = reverse("trainings:attendance_sign_qr", args=[code.token])
    page = client.get(url)
    assert page.status_code == 200 and session_now.title in page.content.decode()
    assert not Attendance.objects.exists()  # opening the link is not signing
    client.post(url)
    assert Attendance.objects.get().method == AttendanceMethod.QR


def test_qr_outside_its_slot_is_refused(client_for, session_now, participant, slots):
    code = factories.SlotSignCodeFactory(slot=slots[1])
    response = client_for(participant).post(
        reverse("trainings:attendance_sign_qr", args=[code.token])
    )
    assert response.status_code == 400
    # The second slot starts later today: no signature before a slot starts.
    assert "pas encore commencé" in response.content.decode()


def test_qr_link_needs_login(client, session_now, slots):
    code = factories.SlotSignCodeFactory(slot=slots[0])
    url = reverse("trainings:attendance_sign_qr", args=[code.token])
    response = client.get(url)
    assert response.status_code == 302
    assert "/comptes/login/" in response["Location"] and "next=" in response["Location"]


def test_unknown_qr_token_is_404(client_for, participant):
    response = client_for(participant).get(
        reverse("trainings:attendance_sign_qr", args=["unknown"])
    )
    assert response.status_code == 404


def test_pdf_sheet(client_for, session_now, trainer, registrations):
    response = client_for(trainer).get(reverse("trainings:attendance_sheet", args=[session_now.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def _document_text(document):
    texts = []

    def walk(box):
        text = getattr(box, "text", None)
        if text:
            texts.append(text)
        for child in getattr(box, "children", []) or []:
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(texts)


def test_pdf_sheet_text():
    from trainings.pdf import attendance_sheet_document

    # Tomorrow 9:00 and 13:30: a morning and an afternoon whatever the time the test runs
    # (session_now starts an hour ago, two afternoons after 13:00).
    session_now = factories.make_session(participants=2, slots=2)
    registrations = list(session_now.registrations.select_related("user").order_by("pk"))
    factories.MembershipFactory(user=registrations[0].user)
    document = attendance_sheet_document(session_now)
    text = _document_text(document)
    for registration in registrations:
        assert registration.user.first_name in text
        assert registration.user.last_name.upper() in text
    assert registrations[0].user.memberships.get().structure.name in text
    assert "Feuille d'émargement" in text
    assert session_now.title in text
    assert "Matin" in text and "Après-midi" in text
    for competence in session_now.competences.all():
        assert competence.code in text
    assert "Signature des formateurs" in text
    assert session_now.trainers.get().last_name in text
    # Landscape A4.
    page = document.pages[0]
    assert page.width > page.height


def test_pdf_sheet_for_many_participants_has_several_pages(session_now):
    from trainings.pdf import attendance_sheet_document

    for _index in range(30):
        factories.RegistrationFactory(session=session_now)
    document = attendance_sheet_document(session_now)
    assert len(document.pages) >= 2


def test_sign_window_is_shown(client_for, session_now, trainer, slots):
    url = reverse("trainings:sign_code", args=[session_now.pk])
    html = client_for(trainer).post(url, follow=True).content
    # Signing opens when the slot starts (not before: no hours credited in advance).
    opens = timezone.localtime(slots[0].starts_at)
    assert opens.strftime("%H:%M") in html.decode()


def test_sign_page_lists_the_latest_marks(client_for):
    """ "Mes derniers émargements" showed the ten oldest marks: past ten, a new signature never
    appeared there."""
    start = timezone.now() - datetime.timedelta(days=10)
    session = factories.make_session(participants=1, slots=12, start=start)
    registration = session.registrations.get()
    slots = list(session.slots.order_by("starts_at"))
    for slot in slots:
        factories.AttendanceFactory(slot=slot, registration=registration)
    response = client_for(registration.user).get(reverse("trainings:attendance_sign"))
    marks = list(response.context["marks"])
    assert [mark.slot for mark in marks] == slots[::-1][:10]


def test_the_grid_writes_days_the_french_way(client_for, session_now, trainer, slots):
    """« lun. 30 nov. », not « lun 30 Nov »: the day and month abbreviated with their period,
    the month in lower case."""
    from django.utils import dateformat, translation

    day = timezone.localtime(slots[0].starts_at)
    with translation.override("fr"):
        expected = dateformat.format(day, "D. j N")
    html = client_for(trainer).get(grid_url(session_now)).content.decode()
    assert expected in html
    assert expected.split()[0].endswith(".") and expected == expected.lower()
