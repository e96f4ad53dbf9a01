"""The hub imports a reference from a French spreadsheet, publishes it; a mediator browses and
searches it."""

from competences.models import ReferentialVersion, VersionStatus
from tests import factories
from tests.competences.conftest import make_csv, row


def _csv():
    rows = [
        row(
            "B1",
            "B1.C1",
            "B1.C1.1",
            bloc_title="Accueillir",
            competence_title="Écouter",
            criterion_text="Reformule la demande sans jugement",
        ),
        row(
            "B1",
            "B1.C1",
            "B1.C1.2",
            bloc_title="Accueillir",
            competence_title="Écouter",
            criterion_text="Repère l’urgence des démarches",
        ),
        row(
            "B2",
            "B2.C1",
            "B2.C1.1",
            bloc_title="Accompagner",
            competence_title="Sécurité",
            criterion_text="Fait reconnaître un hameçonnage",
        ),
    ]
    return make_csv(rows, encoding="cp1252")


def test_hub_imports_then_publishes_and_a_mediator_searches(page, login):
    hub = factories.HubCoordinatorFactory(first_name="Claire")
    login(hub, factories.DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Gestion du référentiel"
    ).click()
    page.get_by_role("link", name="Importer un fichier").click()

    # A file with a duplicate code first: refused, every problem listed, nothing written.
    bad = make_csv([row(), row(criterion="B1.C1.1")])
    page.locator("#id_file").set_input_files(
        files=[{"name": "faux.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    page.get_by_role("textbox", name="Code du référentiel").fill("mediation")
    page.get_by_role("textbox", name="Intitulé du référentiel").fill("Médiation numérique")
    page.get_by_role("button", name="Importer").click()
    alert = page.get_by_role("alert")
    assert "Rien n'a été enregistré" in alert.inner_text()
    assert "Ligne 3" in alert.inner_text()
    assert not ReferentialVersion.objects.exists()

    page.locator("#id_file").set_input_files(
        files=[{"name": "referentiel.csv", "mimeType": "text/csv", "buffer": _csv()}]
    )
    page.get_by_role("textbox", name="Code du référentiel").fill("mediation")
    page.get_by_role("textbox", name="Intitulé du référentiel").fill("Médiation numérique")
    page.get_by_role("button", name="Importer").click()
    page.wait_for_load_state()
    assert "en brouillon" in page.get_by_role("status").first.inner_text()
    # The criterion's text first, then (on a draft) its edit links.
    criterion = page.locator('[id="B1.C1.2"]').inner_text()
    assert "B1.C1.2 Repère l’urgence des démarches" in " ".join(criterion.split())

    page.goto("/referentiels/gestion/")
    page.get_by_role("button", name="Publier la version 1").click()
    page.wait_for_load_state()
    assert "La version 1 est publiée." in page.get_by_role("status").first.inner_text()
    assert ReferentialVersion.objects.get().status == VersionStatus.PUBLISHED

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
    mediator = factories.UserFactory()
    login(mediator, factories.DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Référentiel", exact=True
    ).click()
    page.get_by_role("link", name="Version 1").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Médiation numérique")

    page.get_by_role("navigation", name="Sommaire").get_by_role(
        "link", name="B2 — Accompagner"
    ).click()
    assert page.url.endswith("#B2")

    page.get_by_role("searchbox", name="Rechercher une compétence ou un critère").fill("demarches")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert "1 élément correspond" in page.get_by_role("status").inner_text()
    assert page.locator("mark").inner_text() == "démarches"
    assert page.locator('[id="B2.C1.1"]').count() == 0
