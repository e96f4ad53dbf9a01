"""One territory of record per person: their main structure's commune, or their own commune."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Commune, MediatorFunction, Membership, StructureKind, User
from accounts.selectors import territory_of_record
from core.exceptions import DomainError
from tests import factories

pytestmark = pytest.mark.django_db


def commune(code):
    return Commune.objects.get(insee_code=code)


def test_the_first_approved_attachment_is_the_main_one_until_the_person_chooses():
    person = factories.UserFactory()
    lille = factories.StructureFactory(commune=commune("59350"), postal_code="59000")
    arras = factories.StructureFactory(
        commune=commune("62041"), postal_code="62000", kind=StructureKind.FRANCE_SERVICES
    )
    # A pending request does not count.
    pending = services.membership_create(
        actor=person, user=person, structure=lille, function=MediatorFunction.AIDANT
    )
    person.refresh_from_db()
    assert person.main_membership is None
    assert territory_of_record(person).structure is None

    hub = factories.HubCoordinatorFactory()
    services.membership_approve(actor=hub, membership=pending)
    second = services.membership_create(
        actor=hub, user=person, structure=arras, function=MediatorFunction.MOBILE
    )
    person.refresh_from_db()
    assert person.main_membership == pending
    territory = territory_of_record(person)
    assert (territory.structure, territory.function, territory.commune.insee_code) == (
        lille,
        MediatorFunction.AIDANT,
        "59350",
    )

    services.user_set_territory(
        actor=person, user=person, main_membership=second, statistics_opt_out=False
    )
    person.refresh_from_db()
    assert territory_of_record(person).commune.insee_code == "62041"

    # Leaving the main structure falls back to the other attachment, then to the own commune.
    services.membership_delete(actor=person, membership=second)
    person.refresh_from_db()
    assert person.main_membership == Membership.objects.get(structure=lille)
    services.user_set_territory(
        actor=person, user=person, commune=commune("80021"), statistics_opt_out=False
    )
    services.membership_delete(actor=person, membership=person.main_membership)
    person.refresh_from_db()
    territory = territory_of_record(person)
    assert person.main_membership is None and territory.structure is None
    assert territory.commune.insee_code == "80021" and territory.function == ""


def test_only_ones_own_approved_attachment_can_be_main():
    person = factories.UserFactory()
    other = factories.MembershipFactory()
    with pytest.raises(DomainError) as error:
        services.user_set_territory(
            actor=person, user=person, main_membership=other, statistics_opt_out=False
        )
    assert error.value.field == "main_membership"
    pending = factories.MembershipFactory(user=person, status="pending")
    with pytest.raises(DomainError):
        services.user_set_territory(
            actor=person, user=person, main_membership=pending, statistics_opt_out=False
        )
    with pytest.raises(DomainError):
        services.user_set_territory(actor=other.user, user=person, statistics_opt_out=True)


def test_profile_form_sets_where_one_is_counted(client):
    person = factories.UserFactory()
    first = factories.MembershipFactory(user=person)
    second = factories.MembershipFactory(user=person)
    client.force_login(person)
    page = client.get(reverse("accounts:profile"))
    assert "Où je suis compté·e" in page.content.decode()
    assert "<title>Mon profil — Socle</title>" in page.content.decode()
    assert first.structure.name in page.content.decode()

    response = client.post(
        reverse("accounts:territory_update"),
        {
            "main_membership": second.pk,
            # Typed without picking from the list (no JavaScript): one commune matches.
            "commune_search": "Amiens",
            "insee_code": "",
            "statistics_opt_out": "on",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.main_membership == second
    assert person.commune_id == "80021"
    assert person.statistics_opt_out is True


def test_profile_form_names_the_field_on_bad_input(client):
    person = factories.UserFactory()
    mine = factories.MembershipFactory(user=person)
    someone_elses = factories.MembershipFactory()
    client.force_login(person)
    response = client.post(
        reverse("accounts:territory_update"),
        {"main_membership": someone_elses.pk, "commune_search": "Saint", "insee_code": ""},
    )
    assert response.status_code == 400
    errors = response.context["territory_form"].errors
    assert "main_membership" in errors
    assert "ne désigne pas une seule commune" in errors["commune_search"][0]
    person.refresh_from_db()
    assert person.main_membership == mine and person.commune is None

    # A stale INSEE code left by the picker does not win over the name typed afterwards.
    response = client.post(
        reverse("accounts:territory_update"),
        {"main_membership": mine.pk, "commune_search": "Amiens", "insee_code": "59350"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=person.pk).commune_id == "80021"
