"""Browser journeys for attendance: the trainer takes attendance on the grid (saved in place by
htmx, still there after a reload); a participant signs with the code the trainer shows."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from trainings.models import Attendance, AttendanceMethod


def _nav(page, name):
    return page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name=name, exact=True
    )


def _running_session(participants=2):
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=40)
    return factories.make_session(participants=participants, slots=2, start=start)


def test_attendance_trainer_marks_the_grid(page, login):
    session = _running_session()
    trainer = session.trainers.get()
    first, second = session.registrations.order_by("pk").select_related("user")
    slot = session.slots.order_by("starts_at").first()
    login(trainer, factories.DEFAULT_PASSWORD)

    _nav(page, "Mes sessions").click()
    page.get_by_role("link", name=session.title).first.click()
    page.get_by_role("link", name="Feuille de présence (saisie par créneau)").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Feuille de présence")

    cell = page.get_by_role(
        "combobox", name=re.compile(f"Présence de {first.user.get_full_name()},")
    ).first
    cell.select_option("present")
    expect_text = page.locator(f"#hours-{first.pk}")
    page.wait_for_function(
        "id => document.getElementById(id).textContent.includes('3 h 30')", arg=f"hours-{first.pk}"
    )
    assert "3 h 30" in expect_text.inner_text()
    assert "enregistrée" in page.locator("#grid-status").inner_text()
    mark = Attendance.objects.get(registration=first, slot=slot)
    assert mark.status == "present" and mark.recorded_by == trainer

    # A correction: the new status replaces the old one, which stays in the history.
    page.get_by_role(
        "combobox", name=re.compile(f"Présence de {first.user.get_full_name()},")
    ).first.select_option("late")
    page.wait_for_function(
        "() => document.getElementById('grid-status').textContent.includes('En retard')"
    )
    page.get_by_role(
        "combobox", name=re.compile(f"Présence de {second.user.get_full_name()},")
    ).first.select_option("excused")
    page.wait_for_function(
        "() => document.getElementById('grid-status').textContent.includes('excusé')"
    )

    page.reload()
    assert page.locator(f"#mark-{slot.pk}-{first.pk}").input_value() == "late"
    assert page.locator(f"#mark-{slot.pk}-{second.pk}").input_value() == "excused"
    assert Attendance.objects.filter(registration=first, slot=slot).count() == 2

    page.get_by_role(
        "link", name=re.compile(f"historique de la présence de {first.user.get_full_name()}")
    ).first.click()
    rows = page.locator("tbody tr")
    # expect() waits for the page the click opens; count() alone read it before it was parsed.
    expect(rows).to_have_count(2)
    assert "En retard" in rows.nth(0).inner_text() and "Présent·e" in rows.nth(1).inner_text()


def test_attendance_participant_signs_with_the_code(page, login):
    session = _running_session()
    trainer = session.trainers.get()
    participant = session.registrations.order_by("pk").first().user

    login(trainer, factories.DEFAULT_PASSWORD)
    page.goto(f"/formations/sessions/{session.pk}/gestion/")
    page.get_by_role("link", name="Afficher le code d'émargement du créneau en cours").click()
    page.get_by_role("button", name="Afficher le code et le QR code").click()
    code = page.locator(".sign-code span").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    expect(page.locator(".sign-qr svg")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()

    login(participant, factories.DEFAULT_PASSWORD)
    _nav(page, "Signer ma présence").click()
    page.get_by_role("textbox", name="Code d'émargement").fill(code.lower())
    page.get_by_role("button", name="Signer").click()
    page.wait_for_load_state()
    assert "Votre présence est enregistrée" in page.locator(".messages").inner_text()
    mark = Attendance.objects.get()
    assert mark.method == AttendanceMethod.CODE and mark.recorded_by == participant

    # The same code a second time is refused, with the reason on the field.
    page.get_by_role("textbox", name="Code d'émargement").fill(code)
    page.get_by_role("button", name="Signer").click()
    page.wait_for_load_state()
    assert "Vous avez déjà signé pour ce créneau." in page.locator("main").inner_text()
    assert Attendance.objects.count() == 1
