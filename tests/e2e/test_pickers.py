"""The structure picker on a phone: type, choose from the list, submit."""

from accounts.models import Membership
from tests import factories


def test_a_mediator_joins_a_structure_with_the_picker(page, login):
    page.set_viewport_size({"width": 375, "height": 740})
    wanted = factories.StructureFactory(name="Médiathèque Jean-Lévy")
    factories.StructureFactory(name="Médiathèque de Roubaix")
    person = factories.UserFactory()
    login(person, factories.DEFAULT_PASSWORD)
    page.goto("/profil/")
    field = page.get_by_role("searchbox", name="Structure")
    field.press_sequentially("jean-l", delay=30)
    option = page.get_by_role("button", name=f"Médiathèque Jean-Lévy — {wanted.commune.name}")
    option.click()
    assert field.input_value() == f"Médiathèque Jean-Lévy — {wanted.commune.name}"
    page.get_by_label("Votre fonction").select_option("aidant")
    page.get_by_role("button", name="Me rattacher").click()
    page.wait_for_load_state()
    assert Membership.objects.get(user=person).structure == wanted
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
