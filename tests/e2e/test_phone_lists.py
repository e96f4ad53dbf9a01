"""The lists a mediator, a trainer and the hub use, on a 375 px phone: nothing wider than the
screen (not even inside a scroll box: a table that scrolls sideways hides « Annuler » and the
calendar file), the title on the first screen, the actions in view, 44 px radio and checkbox
targets, and axe's WCAG 2.1 A/AA checks."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from tests import factories
from tests.e2e.test_accessibility import _csp_errors, _violations

PHONE = {"width": 375, "height": 740}
# A folder where to save screenshots for a person to look at (SOCLE_SCREENSHOTS=/some/dir).
SCREENSHOTS = os.environ.get("SOCLE_SCREENSHOTS", "")

# Every visible element of the page that reaches past the screen's edges, even inside a box that
# scrolls: what a person would have to scroll sideways to see.
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;  // visually hidden, hidden inputs
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    // Entirely off to the left is the skip link's way of hiding until focused.
    if (box.right > width + 0.5 || (box.left < -0.5 && box.right > 0)) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} [${Math.round(box.left)}, `
        + `${Math.round(box.right)}] ${(el.textContent || '').trim().slice(0, 40)}`);
    }
  }
  return out;
}"""


def _check_phone_page(page, url):
    """Open `url` at 375 px and assert the page fits the screen, its title is on the first
    screen, and axe finds nothing."""
    errors = _csp_errors(page)
    errors.clear()
    page.set_viewport_size(PHONE)
    page.goto(url)
    page.wait_for_load_state()
    assert not errors, f"{url}: {errors}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url} is {width}px wide on a 375px screen"
    overflowing = page.evaluate(OVERFLOWING)
    assert not overflowing, f"{url}: past the screen's edge:\n" + "\n".join(overflowing[:10])
    title = page.locator("main h1")
    box = title.bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"], f"{url}: title below the fold"
    violations = _violations(page)
    assert not violations, f"{url}:\n" + "\n".join(violations)


def _screenshot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}-375.png"), full_page=True)


def _in_view(locator):
    """The element is visible and entirely within the phone's width."""
    assert locator.is_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


@pytest.fixture
def mediator_world():
    mediator = factories.UserFactory()
    factories.MembershipFactory(user=mediator)
    upcoming = factories.make_session(participants=2)
    upcoming.title = "Accompagner les démarches administratives en ligne des personnes éloignées"
    upcoming.format = "hybrid"
    upcoming.video_url = "https://visio.example.org/une-salle-au-nom-tres-long-pour-voir"
    upcoming.save()
    registration = factories.RegistrationFactory(
        session=upcoming, user=mediator, attendance_mode="onsite"
    )
    past = factories.make_session(status="closed")
    factories.RegistrationFactory(session=past, user=mediator)
    hybrid = factories.make_session()
    hybrid.format = "hybrid"
    hybrid.save()
    return {"mediator": mediator, "registration": registration, "hybrid": hybrid}


def test_my_registrations_on_a_phone_show_cancel_and_the_calendar_file(page, login, mediator_world):
    login(mediator_world["mediator"], factories.DEFAULT_PASSWORD)
    _check_phone_page(page, "/formations/mes-inscriptions/")
    cancel = page.get_by_role("button", name="Annuler mon inscription à")
    calendar = page.get_by_role("link", name="à mon agenda")
    _in_view(cancel)
    _in_view(calendar)
    # Each card names what its lines are.
    card = page.locator("table.stack-table tbody tr").first
    labels = card.locator("td[data-label]").evaluate_all(
        "cells => cells.map(cell => getComputedStyle(cell, '::before').content)"
    )
    assert labels == ['"Dates"', '"Lieu"', '"Statut"']
    assert "Participation : Sur place" in card.inner_text()
    _screenshot(page, "mes-inscriptions")
    # On a wide screen the table is a table again.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.locator("table.stack-table thead").first.is_visible()


def test_the_catalogue_and_a_hybrid_session_on_a_phone(page, login, mediator_world):
    _check_phone_page(page, "/formations/sessions/")
    _screenshot(page, "catalogue")
    hybrid = mediator_world["hybrid"]
    _check_phone_page(page, f"/formations/sessions/{hybrid.pk}/")
    login_link = page.get_by_role("link", name="Se connecter pour s'inscrire")
    _in_view(login_link)
    login_link.click()
    page.wait_for_load_state()
    page.locator("#id_login").fill(mediator_world["mediator"].email)
    page.locator("#id_password").fill(factories.DEFAULT_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state()
    # Back on the session, which asks how one will attend, with 44 px targets.
    assert page.url.endswith(f"/formations/sessions/{hybrid.pk}/")
    _check_phone_page(page, f"/formations/sessions/{hybrid.pk}/")
    remote = page.get_by_role("radio", name="À distance")
    label = page.locator("label", has=page.locator("input[value=remote]"))
    assert label.bounding_box()["height"] >= 44
    label.click()
    assert remote.is_checked()
    page.get_by_role("button", name="S'inscrire").click()
    page.wait_for_load_state()
    assert page.get_by_text("Participation : À distance").is_visible()
    _screenshot(page, "session-hybride")
    _check_phone_page(page, "/formations/sessions/")
    places = page.get_by_label("Seulement les sessions avec des places")
    box = page.locator(".checkbox label").first.bounding_box()
    assert box["height"] >= 44
    places.check()
    assert places.is_checked()


def test_my_sessions_on_a_phone(page, login):
    trainer = factories.UserFactory()
    for days in (3, 10):
        session = factories.make_session(
            trainer=trainer,
            participants=2,
            start=timezone.now().replace(hour=8, minute=0) + datetime.timedelta(days=days),
        )
        session.title = "Découvrir les usages essentiels du numérique au quotidien"
        session.address = "Médiathèque municipale Jean-Jacques Rousseau, 12 rue de la République"
        session.save()
    factories.make_session(trainer=trainer, status="draft")
    factories.make_session(trainer=trainer, status="closed")
    login(trainer, factories.DEFAULT_PASSWORD)
    _check_phone_page(page, "/formations/mes-sessions/")
    _screenshot(page, "mes-sessions")
    _in_view(page.locator("table.stack-table tbody tr th a").first)


def test_the_accreditation_list_on_a_phone(page, login):
    hub = factories.HubCoordinatorFactory()
    version = factories.make_reference(blocs=2, competences=3)
    for bloc in version.blocs.all():
        for _index in range(2):
            person = factories.UserFactory(
                email=f"une.adresse.vraiment.longue.{bloc.code}.{_index}@structure-exemple.test"
            )
            factories.AccreditationFactory(user=person, bloc=bloc, granted_by=hub)
    login(hub, factories.DEFAULT_PASSWORD)
    _check_phone_page(page, "/formations/habilitations/")
    _screenshot(page, "habilitations")
    revoke = page.get_by_role("button", name="Retirer l'habilitation").first
    _in_view(revoke)
    _in_view(page.get_by_label("Motif du retrait").first)
