"""The hub edits a competence of a draft version on a 375 px phone, without the admin: from the
version's page to the competence's form, a refused empty title, then the saved change."""

from django.urls import reverse

from competences import services
from core.models import AuditLog
from tests import factories
from tests.e2e.test_phone_lists import PHONE, _check_phone_page


def test_hub_edits_a_competence_of_a_draft_on_a_phone(page, login):
    hub = factories.HubCoordinatorFactory()
    published = factories.make_reference(blocs=2, competences=2, criteria=2)
    draft = services.version_clone(actor=hub, version=published)
    competence = draft.competences.get(code="B1.C2")
    # A long bloc title: the form's bloc list must still fit the phone's width.
    services.bloc_update(
        actor=hub,
        bloc=draft.blocs.get(code="B2"),
        title="Accompagner les personnes dans leurs démarches administratives en ligne "
        "sur ordinateur, tablette et téléphone",
    )
    detail = reverse("competences:version_detail", args=[draft.referential.code, draft.number])

    page.set_viewport_size(PHONE)
    login(hub, factories.DEFAULT_PASSWORD)
    _check_phone_page(page, detail)
    assert page.get_by_role("link", name="Gestion des référentiels").count() == 1
    assert page.locator("a[href*='/admin/']").count() == 0

    page.get_by_role("link", name="Modifier la compétence B1.C2").click()
    page.wait_for_load_state()
    assert page.locator("main h1").inner_text() == "Modifier la compétence B1.C2"
    _check_phone_page(page, page.url)

    # An empty title: the page says which field, and the field keeps its label.
    title = page.get_by_role("textbox", name="Intitulé")
    title.fill("")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    errors = page.locator("#form-errors")
    assert "Intitulé" in errors.inner_text()
    errors.get_by_role("link", name="Intitulé").click()
    assert page.evaluate("document.activeElement.id") == "id_title"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    competence.refresh_from_db()
    assert competence.title == "Compétence 1.2"

    # A new title and the competence marked as changed in depth.
    page.get_by_role("textbox", name="Intitulé").fill("Sécuriser ses comptes en ligne")
    page.get_by_role("checkbox", name="Modifiée en profondeur").check()
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"{detail}#B1.C2")
    main = page.locator("main").inner_text()
    assert "La compétence B1.C2 est modifiée." in main
    assert "Sécuriser ses comptes en ligne" in page.locator("#B1\\.C2-titre").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    competence.refresh_from_db()
    assert competence.title == "Sécuriser ses comptes en ligne"
    assert competence.substantially_changed
    assert AuditLog.objects.filter(action="competence.update", actor=hub).count() == 1

    # The other kinds of page, at the same width: adding a bloc, confirming a deletion.
    _check_phone_page(
        page, reverse("competences:draft_bloc_create", args=[draft.referential.code, draft.number])
    )
    criterion = draft.criteria.get(code="B1.C2.1")
    _check_phone_page(
        page,
        reverse(
            "competences:draft_criterion_delete",
            args=[draft.referential.code, draft.number, criterion.pk],
        ),
    )
    page.get_by_role("button", name="Confirmer la suppression").click()
    page.wait_for_load_state()
    assert "Le critère B1.C2.1 est supprimé." in page.locator("main").inner_text()
    assert not draft.criteria.filter(pk=criterion.pk).exists()
