"""The hub after publishing version 2, on a 375 px phone: carry the pathways over from
version 1, look at what the removals affect, retire version 1, then accredit a trainer with the
person picker."""

from django.core import mail
from django.urls import reverse

from competences import services
from competences.models import Pathway, VersionStatus
from tests import factories
from tests.e2e.test_phone_lists import PHONE, _check_phone_page
from trainings.models import TrainerAccreditation


def test_hub_carries_over_checks_impact_retires_and_accredits(page, login):
    hub = factories.HubCoordinatorFactory()
    v1 = factories.make_reference(blocs=3, competences=2, criteria=1)
    factories.make_pathway(v1, code="mediateur", title="Médiateur numérique confirmé")
    b3 = v1.blocs.get(code="B3")
    session = factories.SessionFactory(version=v1, competences=list(b3.competences.all()))
    factories.SlotFactory(session=session)
    factories.AccreditationFactory(bloc=b3)
    v2 = services.version_clone(actor=hub, version=v1)
    services.bloc_delete(actor=hub, bloc=v2.blocs.get(code="B3"))
    v2 = services.version_publish(actor=hub, version=v2)
    trainer = factories.UserFactory(first_name="Marie", last_name="Dupontel")
    factories.UserFactory(first_name="Marc", last_name="Durand")
    code = v1.referential.code

    page.set_viewport_size(PHONE)
    login(hub, factories.DEFAULT_PASSWORD)

    # Version 2's page: the preview, one action, then the suggestion to retire version 1.
    _check_phone_page(page, reverse("competences:version_detail", args=[code, v2.number]))
    section = page.locator("#reprise")
    assert "Bloc supprimé dans cette version" in section.inner_text()
    section.get_by_role("button", name="Reprendre ce parcours").click()
    page.wait_for_load_state()
    assert "1 parcours est repris" in page.locator("main").inner_text()
    assert Pathway.objects.filter(version=v2, code="mediateur").exists()

    # What removing B3 affects, from the link next to the retire button.
    page.locator("#reprise").get_by_role(
        "link", name="Voir ce que touchent les suppressions"
    ).click()
    page.wait_for_load_state()
    impact = page.locator("#diff-impact").locator("xpath=..")
    text = impact.inner_text()
    assert "1 parcours le requiert" in text
    assert "1 session à venir le vise" in text
    assert "1 personne habilitée sur ce bloc" in text
    _check_phone_page(page, page.url)

    page.goto(reverse("competences:version_detail", args=[code, v2.number]))
    page.locator("#reprise").get_by_role("button", name=f"Retirer la version {v1.number}").click()
    page.wait_for_load_state()
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED
    assert page.locator("#reprise").count() == 0

    # Accrediting a trainer: search by name, choose, submit; they receive an e-mail.
    _check_phone_page(page, reverse("trainings:accreditation_grant"))
    field = page.get_by_role("searchbox", name="Formateur ou formatrice")
    field.press_sequentially("dupon", delay=30)
    page.get_by_role("button", name=f"Marie Dupontel ({trainer.email})").click()
    assert field.input_value() == trainer.email
    assert "Personne choisie : Marie Dupontel" in page.locator("[data-person-chosen]").inner_text()
    bloc = v2.blocs.get(code="B1")
    page.locator(f'input[name="blocs"][value="{bloc.pk}"]').check()
    mail.outbox.clear()
    page.get_by_role("button", name="Accorder").click()
    page.wait_for_load_state()
    assert TrainerAccreditation.objects.filter(user=trainer, bloc=bloc).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert [m.to for m in mail.outbox] == [[trainer.email]]
