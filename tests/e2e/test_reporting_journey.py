"""The hub coordinator reads the network's figures and charts, then downloads an export."""

from pathlib import Path

from tests import factories
from tests.reporting import network

from .test_accessibility import _check

PERIOD = "start=2026-01-01&end=2026-06-30"


def test_hub_reads_the_dashboard_and_its_lists(page, login):
    net = network.build()
    login(net.hub, factories.DEFAULT_PASSWORD)
    for url in [
        f"/pilotage/?{PERIOD}",
        f"/pilotage/sessions/?{PERIOD}",
        f"/pilotage/certifications/?{PERIOD}&kind=bloc",
        f"/pilotage/attestations/?{PERIOD}",
        f"/pilotage/exports/?{PERIOD}",
        f"/pilotage/qualite/?{PERIOD}",
    ]:
        _check(page, url)  # axe-clean, no CSP violation, no sideways scrolling at 320 px

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/pilotage/?{PERIOD}")
    assert page.get_by_role("heading", level=1).is_visible()
    # Every chart with data is drawn (an SVG named by its caption) beside its table.
    page.wait_for_selector("figure.chart .chart-canvas svg")
    drawn = page.eval_on_selector_all(
        "figure.chart", "figs => figs.map(f => !!f.querySelector('.chart-canvas svg[role=img]'))"
    )
    assert drawn == [True] * 6
    label = page.get_attribute("figure[data-chart=tiles] svg[role=img]", "aria-label")
    assert label == "Carte des blocs validés par département"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # A figure opens its list, with the same period.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="Blocs validés", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Certifications et blocs validés"
    assert page.locator("main p[role=status]").inner_text().startswith("3 résultats")

    # Filters are kept in the address: a département narrows everything.
    page.goto(f"/pilotage/?{PERIOD}")
    page.get_by_text("Filtrer les chiffres").click()
    page.get_by_label("Département", exact=True).select_option("59")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_load_state()
    assert "departement=59" in page.url
    value = page.locator(".key-figure", has_text="Blocs validés").locator(".key-figure-value")
    assert value.inner_text() == "1"

    # « Exporter ces chiffres » carries the filters over; the file is prepared in the background
    # (at once in tests) and downloaded from its status page.
    page.get_by_role("link", name="Exporter ces chiffres").click()
    page.wait_for_load_state()
    assert "departement=59" in page.url
    page.get_by_label("Certifications et blocs validés (nominatif)").check()
    page.get_by_label("CSV (tableur)").check()
    page.get_by_role("button", name="Préparer l'export").click()
    page.wait_for_load_state()
    download_link = page.get_by_role("link", name="Télécharger")
    download_link.wait_for()
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    # Anna's two decisions in the Nord (the pathway and the bloc); Bruno's was withdrawn.
    assert content.count(net.anna.last_name) == 2 and net.bruno.last_name not in content
