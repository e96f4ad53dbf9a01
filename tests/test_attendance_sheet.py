"""The printed attendance sheet (trainings/pdf.py): one template, two versions (the blank sheet
to sign, the completed record), the organisation's details, and a layout read from WeasyPrint's
boxes: labels beside their values, the trainers' rows on the page of the last participant."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests import factories
from trainings.models import AttendanceStatus, SessionStatus
from trainings.pdf import SHEET_BLANK, SHEET_RECORD, attendance_sheet_document
from trainings.services import attendance as services

pytestmark = pytest.mark.django_db


def text_boxes(document):
    """(page number, x, y, width, height, text) of every line of text, in document order."""
    boxes = []

    def walk(box, page):
        text = getattr(box, "text", None)
        if text and text.strip():
            boxes.append((page, box.position_x, box.position_y, box.width, box.height, text))
        for child in getattr(box, "children", []) or []:
            walk(child, page)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number)
    return boxes


def first(boxes, text, *, exact=True):
    for box in boxes:
        if (box[5].strip() == text) if exact else (text in box[5]):
            return box
    raise AssertionError(f"{text!r} is not printed: {[b[5] for b in boxes][:80]}")


def held_session(participants, slots, **kwargs):
    """A session whose slots are all over (started a week ago, Europe/Paris mornings and
    afternoons), so that marks may be recorded on every slot."""
    return factories.make_session(
        participants=participants, slots=slots, status=SessionStatus.HELD, **kwargs
    )


def _overlap(a, b):
    """Whether two boxes overlap (a little tolerance for the line boxes' rounding)."""
    ax, ay, aw, ah = a[1:5]
    bx, by, bw, bh = b[1:5]
    return ax < bx + bw - 0.5 and bx < ax + aw - 0.5 and ay < by + bh - 0.5 and by < ay + ah - 0.5


@override_settings(SOCLE_HUB_ADDRESS="12 rue des Lilas\n59000 Lille", SOCLE_HUB_NDA="32590000059")
def test_labels_sit_beside_their_values_and_the_organisation_is_printed():
    session = factories.make_session(participants=3, slots=4)
    trainer = session.trainers.get()
    boxes = text_boxes(attendance_sheet_document(session, SHEET_BLANK))
    for label, value in [("Dates", "du "), ("Formateurs", trainer.last_name), ("Lieu", None)]:
        label_box = first(boxes, label)
        if value is None:
            continue
        value_box = first(boxes, value, exact=False)
        assert not _overlap(label_box, value_box), (label, label_box, value_box)
        # On the same line, to the right of the label.
        assert value_box[1] >= label_box[1] + label_box[3]
        assert abs(value_box[2] - label_box[2]) < 2
    # No two lines of the header print on top of each other.
    header = [b for b in boxes if b[0] == 0 and b[2] < first(boxes, "N°")[2]]
    for index, box in enumerate(header):
        for other in header[index + 1 :]:
            assert not _overlap(box, other), (box, other)
    assert first(boxes, "Hub numérique", exact=False)
    assert first(boxes, "12 rue des Lilas", exact=False)
    assert first(boxes, "59000 Lille", exact=False)
    assert first(boxes, "32590000059", exact=False)
    assert first(boxes, "ne vaut pas agrément", exact=False)


@override_settings(SOCLE_HUB_ADDRESS="", SOCLE_HUB_NDA="")
def test_no_nda_line_without_an_nda():
    session = factories.make_session(participants=1, slots=2)
    text = " ".join(b[5] for b in text_boxes(attendance_sheet_document(session, SHEET_BLANK)))
    assert "Déclaration d'activité" not in text


def _page_of_name(boxes, user):
    return first(boxes, user.last_name.upper(), exact=False)[0]


@pytest.mark.parametrize("mode", [SHEET_BLANK, SHEET_RECORD])
def test_a_normal_session_fits_on_one_page_with_the_trainers(mode):
    session = held_session(participants=10, slots=4)
    boxes = text_boxes(attendance_sheet_document(session, mode))
    assert {b[0] for b in boxes} == {0}
    signature = first(boxes, "Signature des formateurs")
    last = session.registrations.order_by("user__last_name", "user__first_name").last().user
    assert signature[0] == _page_of_name(boxes, last)
    # Nothing is printed past the page's right edge.
    document = attendance_sheet_document(session, mode)
    width = document.pages[0].width
    assert all(b[1] + b[3] <= width + 0.5 for b in boxes)


def test_on_a_long_sheet_the_trainers_follow_the_last_participant():
    session = held_session(participants=30, slots=6)
    document = attendance_sheet_document(session, SHEET_BLANK)
    boxes = text_boxes(document)
    assert len(document.pages) >= 2
    signature = first(boxes, "Signature des formateurs")
    last = session.registrations.order_by("user__last_name", "user__first_name").last().user
    assert signature[0] == _page_of_name(boxes, last)
    # The trainers' rows are not alone on their page: participants' rows come before them.
    rows_on_that_page = [
        b for b in boxes if b[0] == signature[0] and b[2] < signature[2] and b[5].isupper()
    ]
    assert rows_on_that_page
    # The column headers repeat on every page.
    assert len([b for b in boxes if b[5].strip() == "Nom et prénom"]) == len(document.pages)


def test_the_blank_sheet_has_empty_signature_cells_and_lines_for_walk_ins():
    session = held_session(participants=2, slots=2)
    trainer = session.trainers.get()
    registration = session.registrations.first()
    services.attendance_record(
        actor=trainer, slot=session.slots.first(), registration=registration, status="present"
    )
    text = " ".join(b[5] for b in text_boxes(attendance_sheet_document(session, SHEET_BLANK)))
    assert "Feuille d'émargement" in text
    assert str(AttendanceStatus.PRESENT.label) not in text and "non saisi" not in text
    assert "signe dans la case" in text


def test_the_record_prints_each_mark_with_how_by_whom_and_when():
    session = held_session(participants=3, slots=2)
    trainer = session.trainers.get()
    slots = list(session.slots.order_by("starts_at"))
    registrations = list(
        session.registrations.select_related("user").order_by("user__last_name", "user__first_name")
    )
    services.attendance_record(
        actor=trainer, slot=slots[0], registration=registrations[0], status="present"
    )
    services.attendance_record(
        actor=trainer, slot=slots[1], registration=registrations[0], status="absent"
    )
    code = services.slot_sign_code_get_or_create(actor=trainer, slot=slots[0])
    signer = registrations[1].user
    services.attendance_sign_with_code(
        actor=signer, code=code.code, now=slots[0].starts_at + datetime.timedelta(minutes=5)
    )
    services.attendance_sign_with_token(
        actor=registrations[2].user,
        token=code.token,
        now=slots[0].starts_at + datetime.timedelta(minutes=6),
    )
    document = attendance_sheet_document(session, SHEET_RECORD)
    boxes = text_boxes(document)
    text = " ".join(b[5] for b in boxes)
    assert "Relevé des présences" in text
    assert "code d'émargement" in text and "QR code" in text and "formateur" in text
    assert signer.get_full_name() in text and trainer.get_full_name() in text
    recorded = timezone.localtime(registrations[0].attendances.first().recorded_at)
    assert recorded.strftime("%d/%m/%Y %H:%M") in text
    # The code signature sits on its participant's row, in the first slot's column.
    name = first(boxes, registrations[1].user.last_name.upper(), exact=False)
    how = first(boxes, "code d'émargement", exact=False)
    assert how[0] == name[0] and name[2] - 2 <= how[2] <= name[2] + 30
    morning = first(
        boxes,
        slots[0].starts_at.astimezone(timezone.get_current_timezone()).strftime("%H:%M"),
        exact=False,
    )
    assert morning[1] - 10 <= how[1] <= morning[1] + 40
    # Unmarked cells say so, and the attended hours are added up (3 h 30 for a morning).
    assert "non saisi" in text
    assert "3 h 30" in text or "3 h" in text
    assert "Signature des formateurs" in text


def test_the_view_serves_both_versions(client_for):
    session = held_session(participants=1, slots=2)
    trainer = session.trainers.get()
    url = reverse("trainings:attendance_sheet", args=[session.pk])
    client = client_for(trainer)
    for version, name in [("vierge", "emargement"), ("releve", "releve-presences"), ("", "")]:
        response = client.get(url, {"version": version} if version else {})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert name in response["Content-Disposition"]
    # A session that has started gets the record by default.
    assert "releve-presences" in client.get(url)["Content-Disposition"]


# Built by a task, served from the cache -----------------------------------------------------


def test_the_sheet_is_built_once_per_state_of_its_facts(client_for, monkeypatch):
    import trainings.pdf as sheet_pdf

    calls = []
    real = sheet_pdf.attendance_sheet_pdf
    monkeypatch.setattr(
        sheet_pdf, "attendance_sheet_pdf", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    session = held_session(participants=2, slots=2)
    trainer = session.trainers.get()
    client = client_for(trainer)
    url = reverse("trainings:attendance_sheet", args=[session.pk])
    first_pdf = client.get(url, {"version": "releve"}).content
    assert first_pdf.startswith(b"%PDF") and len(calls) == 1
    assert client.get(url, {"version": "releve"}).content == first_pdf
    assert len(calls) == 1  # served from the cache
    # A new mark, then a renamed participant (an erasure renames): built again each time.
    registration = session.registrations.select_related("user").first()
    services.attendance_record(
        actor=trainer, slot=session.slots.first(), registration=registration, status="present"
    )
    client.get(url, {"version": "releve"})
    assert len(calls) == 2
    registration.user.last_name = "Anonymisée"
    registration.user.save()
    client.get(url, {"version": "releve"})
    assert len(calls) == 3
    # The blank sheet is its own document.
    client.get(url, {"version": "vierge"})
    assert len(calls) == 4


@override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}})
def test_until_a_worker_builds_it_the_page_says_it_is_being_prepared(
    client_for, django_assert_max_num_queries
):
    from django.tasks import default_task_backend

    from trainings.pdf import attendance_sheet_build

    session = held_session(participants=30, slots=6)
    client = client_for(session.trainers.get())
    url = reverse("trainings:attendance_sheet", args=[session.pk])
    client.get(url, {"version": "vierge"})  # warm the session's other caches
    default_task_backend.clear()
    url_record = f"{url}?version=releve"
    with django_assert_max_num_queries(17):
        response = client.get(url_record)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Document en préparation" in html and 'http-equiv="refresh"' in html
    assert len(default_task_backend.results) == 1
    task = default_task_backend.results[0]
    assert task.args == [] and task.kwargs == {"session_id": session.pk, "mode": "releve"}
    # Asking again does not queue a second build.
    client.get(url_record)
    assert len(default_task_backend.results) == 1
    # The worker builds it: the same page now serves the PDF.
    attendance_sheet_build(session_id=session.pk, mode="releve")
    response = client.get(url_record)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_task_is_idempotent_and_forgets_a_deleted_session():
    from trainings.pdf import attendance_sheet_build
    from trainings.tasks import build_attendance_sheet

    session = held_session(participants=1, slots=2)
    key = attendance_sheet_build(session_id=session.pk, mode="vierge")
    assert key and attendance_sheet_build(session_id=session.pk, mode="vierge") == key
    assert attendance_sheet_build(session_id=999_999, mode="vierge") is None
    assert attendance_sheet_build(session_id=session.pk, mode="autre") is None
    result = build_attendance_sheet.enqueue(session_id=session.pk, mode="releve")
    assert result.return_value.startswith(f"attendance-sheet:{session.pk}:releve:")
