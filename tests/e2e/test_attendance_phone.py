"""The attendance grid, the assessment form inside the evaluation grid and the closing page on a
375 px phone: every half-day in view (one card per participant), nothing wider than the
screen, the title on the first screen, targets of 44 px, and axe still clean."""

import re

from tests import factories
from trainings.models import Attendance, SessionStatus

from .test_accessibility import _csp_errors, _violations

PHONE = {"width": 375, "height": 740}


def _fits(page, url):
    """Open url at 375 px: no sideways scrolling, the h1 on the first screen, axe clean."""
    errors = _csp_errors(page)
    errors.clear()
    page.set_viewport_size(PHONE)
    page.goto(url)
    page.wait_for_load_state()
    assert not errors, f"{url}: {errors}"
    _no_overflow(page, url)
    title = page.get_by_role("heading", level=1)
    box = title.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], f"{url}: title below the first screen"
    violations = _violations(page)
    assert not violations, f"{url}:\n" + "\n".join(violations)


def _no_overflow(page, url=""):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{url} is {scroll}px wide on a {inner}px screen"


def _in_view_horizontally(locator):
    box = locator.bounding_box()
    assert box is not None
    return box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def _two_day_session():
    """Held (its four half-days, over two days, are over): every slot can be marked."""
    return factories.make_session(participants=3, slots=4, status=SessionStatus.HELD)


def test_the_attendance_grid_shows_every_day_on_a_phone(page, login):
    session = _two_day_session()
    trainer = session.trainers.get()
    slots = list(session.slots.order_by("starts_at"))
    first = session.registrations.order_by("user__last_name", "user__first_name").first()
    login(trainer, factories.DEFAULT_PASSWORD)
    url = f"/formations/sessions/{session.pk}/emargement/"
    _fits(page, url)

    # Every half-day of both days, in view without scrolling sideways, each with its label.
    for slot in slots:
        select = page.locator(f"#mark-{slot.pk}-{first.pk}")
        select.scroll_into_view_if_needed()
        assert select.is_visible()
        assert _in_view_horizontally(select), f"slot {slot.pk} is off screen"
        assert select.bounding_box()["height"] >= 44
        label = page.locator(f"label[for='mark-{slot.pk}-{first.pk}']")
        assert label.is_visible()
    assert len({page.locator(f"#mark-{s.pk}-{first.pk}").bounding_box()["y"] for s in slots}) == 4

    # A choice on the second day is saved in place.
    page.locator(f"#mark-{slots[3].pk}-{first.pk}").select_option("absent")
    page.wait_for_function(
        "() => document.getElementById('grid-status').textContent.includes('Absent')"
    )
    assert Attendance.objects.get(slot=slots[3], registration=first).status == "absent"

    # « Tous présent·es » for the last half-day (htmx): the others are marked, the absent stays.
    button = page.get_by_role("button", name=re.compile(r"^Tous présent·es le .*"))
    assert button.count() == 4
    last = button.nth(3)
    assert last.bounding_box()["height"] >= 44
    last.click()
    page.wait_for_function("() => document.querySelector('#attendance-main .message') !== null")
    assert (
        "2 personnes sans saisie marquées présentes"
        in page.locator("#attendance-main .message").inner_text()
    )
    assert Attendance.objects.get(slot=slots[3], registration=first).status == "absent"
    assert Attendance.objects.filter(slot=slots[3], status="present").count() == 2
    _no_overflow(page, url)
    assert not _violations(page)


def test_the_assessment_form_fits_in_the_evaluation_grid_on_a_phone(page, login):
    session = _two_day_session()
    trainer = session.trainers.get()
    login(trainer, factories.DEFAULT_PASSWORD)
    url = f"/formations/sessions/{session.pk}/evaluations/"
    _fits(page, url)
    page.get_by_role("link", name=re.compile(r"^Évaluer ")).first.click()
    save = page.get_by_role("button", name="Enregistrer l'évaluation")
    save.wait_for()
    save.scroll_into_view_if_needed()
    assert _in_view_horizontally(save), "the save button is cut off"
    assert save.bounding_box()["height"] >= 44
    # The level radio buttons offer 44 px targets.
    for radio_label in page.locator(".eval-form label:has(> input[type=radio])").all():
        assert radio_label.bounding_box()["height"] >= 44
    _no_overflow(page, url)
    assert not _violations(page)


def test_the_closing_page_fits_on_a_phone(page, login):
    session = _two_day_session()
    trainer = session.trainers.get()
    login(trainer, factories.DEFAULT_PASSWORD)
    _fits(page, f"/formations/sessions/{session.pk}/cloturer/")
    assert page.get_by_role("heading", name=re.compile("À vérifier avant de clôturer")).is_visible()
    page.get_by_role("button", name="Clôturer quand même").click()
    page.wait_for_load_state()
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    _no_overflow(page)
