"""On a phone the header is one row and the menu folds behind « Menu »; on a wide screen it is
open. It works without JavaScript (a <details> disclosure)."""

from tests import factories

PHONE = {"width": 375, "height": 740}


def _header_height(page):
    return page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")


def test_on_a_phone_the_title_is_on_the_first_screen_and_the_menu_opens(page, login):
    trainer = factories.UserFactory()
    factories.make_session(trainer=trainer)
    login(trainer, factories.DEFAULT_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/formations/mes-sessions/")
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert not nav.is_visible()
    assert _header_height(page) < 120
    # The title is on the first screen, even below the two-factor reminder trainers get.
    title = page.get_by_role("heading", level=1)
    assert title.bounding_box()["y"] + title.bounding_box()["height"] < PHONE["height"] * 0.6
    toggle = page.locator("summary.site-menu-toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    assert nav.is_visible()
    nav.get_by_role("link", name="Sessions", exact=True).first.click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_wide_screen_the_menu_is_open_and_its_button_hidden(page, login):
    login(factories.UserFactory(), factories.DEFAULT_PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    assert page.get_by_role("navigation", name="Navigation principale").is_visible()
    assert not page.locator("summary.site-menu-toggle").is_visible()
    assert page.get_by_role("button", name="Se déconnecter").is_visible()


def test_without_javascript_the_menu_still_opens(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=False, viewport=PHONE
    )
    page = context.new_page()
    try:
        page.goto("/")
        tools = page.locator(".site-menu .header-tools")
        assert not tools.is_visible()
        page.locator("summary.site-menu-toggle").click()
        assert tools.get_by_role("link", name="Se connecter").is_visible()
    finally:
        context.close()
