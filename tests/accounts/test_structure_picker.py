"""Structures are chosen with a search picker, not a <select> of every structure."""

import pytest
from django.urls import reverse

from accounts.forms import MembershipForm
from accounts.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db):
    return {
        "lille": factories.StructureFactory(name="Espace numérique de Lille-Fives"),
        "lens": factories.StructureFactory(name="Médiathèque de Lens"),
        "lens2": factories.StructureFactory(name="Maison France services de Lens"),
    }


def test_the_picker_finds_by_name_and_lists_at_most_fifteen(client, places):
    client.force_login(factories.UserFactory())
    url = reverse("accounts:structure_search")
    body = client.get(url, {"structure_search": "fives"}).content.decode()
    assert f'data-structure-id="{places["lille"].pk}"' in body
    assert "Lens" not in body
    for index in range(20):
        factories.StructureFactory(name=f"Tiers-lieu {index:02d}")
    body = client.get(url, {"structure_search": "tiers"}).content.decode()
    assert body.count("data-structure-id=") == 15
    assert (
        "Aucune structure trouvée" in client.get(url, {"structure_search": "zz"}).content.decode()
    )


def test_typed_text_without_javascript_must_name_one_structure(places):
    form = MembershipForm({"structure_search": "lens", "function": "aidant"})
    assert not form.is_valid()
    assert "ne désigne pas une seule structure" in form.errors["structure_search"][0]
    form = MembershipForm({"structure_search": "médiathèque de lens", "function": "aidant"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["structure"] == places["lens"]


def test_a_picked_id_wins_unless_the_text_was_changed(places):
    lens = places["lens"]
    label = f"{lens.name} — {lens.commune.name}"
    form = MembershipForm({"structure": lens.pk, "structure_search": label, "function": "aidant"})
    assert form.is_valid() and form.cleaned_data["structure"] == lens
    changed = MembershipForm(
        {"structure": lens.pk, "structure_search": "Fives", "function": "aidant"}
    )
    assert changed.is_valid() and changed.cleaned_data["structure"] == places["lille"]
    missing = MembershipForm({"structure": "999999", "function": "aidant"})
    assert not missing.is_valid()


def test_joining_through_the_profile_with_the_picker(client, places):
    person = factories.UserFactory()
    client.force_login(person)
    page = client.get(reverse("accounts:profile")).content.decode()
    form = page.split("Me rattacher à une structure")[1].split("</form>")[0]
    assert 'name="structure_search"' in form and '<select name="structure"' not in form
    response = client.post(
        reverse("accounts:membership_add"),
        {"structure_search": "Espace numérique de Lille-Fives", "function": "aidant"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=person).structure == places["lille"]
