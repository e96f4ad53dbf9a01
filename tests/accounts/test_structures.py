import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Membership, Structure
from accounts.validators import validate_siret
from core.models import AuditLog
from tests import factories

VALID_SIRET = "73282932000074"  # a real establishment's SIRET (Luhn-valid)

STRUCTURE = {
    "name": "Espace numérique des Moulins",
    "kind": "association",
    "commune_search": "Lille",
    "insee_code": "59350",
    "postal_code": "59000",
    "departement": "59",
    "address": "12 rue d'Arras",
    "siret": "",
    "function": "aidant",
}


@pytest.mark.parametrize("value", [VALID_SIRET, "356 000 000 49837"])
def test_valid_sirets(value):
    validate_siret(value.replace(" ", ""))


@pytest.mark.parametrize(
    "value, code",
    [
        ("73282932000075", "siret_checksum"),
        ("1234", "siret_format"),
        ("7328293200007A", "siret_format"),
    ],
)
def test_invalid_sirets(value, code):
    with pytest.raises(ValidationError) as error:
        validate_siret(value)
    assert error.value.code == code


@pytest.mark.django_db
def test_mediator_creates_structure_and_is_attached(client_for):
    user = factories.UserFactory()
    response = client_for(user).post(
        reverse("accounts:structure_create"), {**STRUCTURE, "siret": VALID_SIRET}
    )
    structure = Structure.objects.get(name=STRUCTURE["name"])
    assert response.status_code == 302
    assert structure.commune.name == "Lille"
    assert structure.region.name == "Hauts-de-France"
    assert Membership.objects.get(user=user, structure=structure).function == "aidant"
    assert AuditLog.objects.filter(action="structure.create", target_id=str(structure.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field, fragment",
    [
        ({"siret": "73282932000075"}, "siret", "clé de contrôle"),
        ({"departement": "99"}, "departement", "Département inconnu"),
        ({"departement": "62"}, "departement", "département 59"),
        ({"insee_code": "00000"}, "insee_code", "Aucune commune"),
        ({"postal_code": "62000"}, "postal_code", "n'est pas celui de Lille"),
        ({"postal_code": "59A00"}, "postal_code", "5 chiffres"),
        ({"name": ""}, "name", "obligatoire"),
    ],
)
def test_bad_structure_input_is_refused_on_the_field(client_for, change, field, fragment):
    client = client_for(factories.UserFactory())
    response = client.post(reverse("accounts:structure_create"), {**STRUCTURE, **change})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert fragment in " ".join(errors[field])
    assert not Structure.objects.filter(name=STRUCTURE["name"]).exists()
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_duplicate_siret_is_refused(client_for):
    factories.StructureFactory(siret=VALID_SIRET)
    client = client_for(factories.UserFactory())
    response = client.post(
        reverse("accounts:structure_create"), {**STRUCTURE, "siret": VALID_SIRET}
    )
    assert "déjà" in response.context["form"].errors["siret"][0]


@pytest.mark.django_db
def test_commune_picker_finds_by_name_and_postal_code(client_for):
    client = client_for(factories.UserFactory())
    by_name = client.get(reverse("accounts:commune_search"), {"commune_search": "Roubai"})
    assert b'data-commune-insee="59512"' in by_name.content
    assert b'data-commune-departement="59"' in by_name.content
    assert "Hauts-de-France" in by_name.content.decode()
    by_postal = client.get(reverse("accounts:commune_search"), {"commune_search": "80000"})
    assert b'data-commune-insee="80021"' in by_postal.content  # Amiens
    nothing = client.get(reverse("accounts:commune_search"), {"commune_search": "x"})
    assert b"data-commune-insee" not in nothing.content


@pytest.mark.django_db
def test_hub_edits_a_structure(client_for, hub_user):
    structure = factories.StructureFactory()
    data = {
        **STRUCTURE,
        "name": "Nouveau nom",
        "insee_code": "62041",
        "postal_code": "62000",
        "departement": "62",
    }
    response = client_for(hub_user).post(
        reverse("accounts:structure_update", args=[structure.pk]), data
    )
    assert response.status_code == 302
    structure.refresh_from_db()
    assert (structure.name, structure.commune.name) == ("Nouveau nom", "Arras")


@pytest.mark.django_db
def test_join_and_leave_a_structure(client_for):
    user = factories.UserFactory()
    structure = factories.StructureFactory()
    client = client_for(user)
    client.post(
        reverse("accounts:membership_add"), {"structure": structure.pk, "function": "mobile"}
    )
    membership = Membership.objects.get(user=user, structure=structure)
    assert membership.function == "mobile"
    again = client.post(
        reverse("accounts:membership_add"), {"structure": structure.pk, "function": "aidant"}
    )
    assert again.status_code == 400
    assert "déjà" in again.content.decode()
    client.post(reverse("accounts:membership_remove", args=[membership.pk]))
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_cannot_remove_someone_elses_membership(client_for):
    membership = factories.MembershipFactory()
    response = client_for(factories.UserFactory()).post(
        reverse("accounts:membership_remove", args=[membership.pk])
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_structure_list_query_count_does_not_grow(
    client_for, hub_user, django_assert_max_num_queries
):
    client = client_for(hub_user)
    factories.MembershipFactory.create_batch(3)
    with django_assert_max_num_queries(8):
        client.get(reverse("accounts:structure_list"))
    factories.MembershipFactory.create_batch(40)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("accounts:structure_list"))
    assert len(response.context["page"]) == 43


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "departement=%00",
        "kind=%00",
        "kind=inconnu",
        "departement=%3Cscript%3E",
        "page=abc",
        "page=-1",
        "page=99999999999999999999",
    ],
)
def test_structure_list_ignores_junk_filters(client_for, hub_user, query):
    """A NUL byte in a filter was a 500 on PostgreSQL; junk values are ignored."""
    structure = factories.StructureFactory(name="Espace des Moulins")
    response = client_for(hub_user).get(reverse("accounts:structure_list") + "?" + query)
    assert response.status_code == 200
    assert structure.name in response.content.decode()
    assert "<script>" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["Lil%00", "%00%00", "59%00"])
def test_commune_picker_ignores_a_nul_byte(client_for, query):
    response = client_for(factories.UserFactory()).get(
        reverse("accounts:commune_search") + "?commune_search=" + query
    )
    assert response.status_code == 200
    assert "Aucune commune trouvée." in response.content.decode()


@pytest.mark.django_db
def test_the_service_refuses_a_postal_code_of_another_commune(hub_user):
    """Only the structure form checked it: the admin and other callers could store Lille
    with Arras' postal code."""
    from accounts import services
    from accounts.models import Commune

    with pytest.raises(ValidationError) as error:
        services.structure_create(
            actor=hub_user,
            name="Espace",
            kind="association",
            commune=Commune.objects.get(insee_code="59350"),
            postal_code="62000",
        )
    assert "n'est pas celui de Lille" in str(error.value.message_dict["postal_code"])
    assert not Structure.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_postal_code_of_another_commune(client_for, hub_user):
    hub_user.is_superuser = True  # the structures admin is Django's plain model admin
    hub_user.is_staff = True
    hub_user.save()
    response = client_for(hub_user).post(
        reverse("admin:accounts_structure_add"),
        {"name": "Espace", "kind": "association", "commune": "59350", "postal_code": "62000"},
    )
    assert response.status_code == 200
    assert "n&#x27;est pas celui de Lille" in response.content.decode()
    assert not Structure.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, expected, unexpected",
    [
        # The start of a postal code, not any place in it: "7500" found 17500, 27500… first.
        ("7500", b'data-commune-insee="75101"', b'data-commune-postal="17500"'),
        ("5900", b'data-commune-postal="59000"', b'data-commune-postal="25900"'),
        # A commune's second postal code is found too (Amiens: 80080 80090 80000).
        ("80090", b'data-commune-insee="80021"', None),
        # Corsica's INSEE codes hold a letter: they were searched as names.
        ("2A004", b'data-commune-insee="2A004"', None),
        ("2b0", b'data-commune-departement="2B"', None),
    ],
    ids=["paris", "lille", "second-postal-code", "ajaccio", "haute-corse"],
)
def test_commune_picker_searches_codes_by_their_start(client_for, query, expected, unexpected):
    response = client_for(factories.UserFactory()).get(
        reverse("accounts:commune_search"), {"commune_search": query}
    )
    assert expected in response.content
    if unexpected:
        assert unexpected not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, insee",
    [
        ("evry", "89162"),  # Évry
        ("epinal", "88160"),  # Épinal
        ("st etienne", "42218"),  # Saint-Étienne
        ("saint etien", "42218"),
        ("l ile d yeu", "85113"),  # L'Île-d'Yeu
        ("coeuvres", "02201"),  # Cœuvres-et-Valsery
        ("ÉVRY", "89162"),
    ],
)
def test_commune_picker_finds_names_typed_without_accents_or_hyphens(client_for, query, insee):
    """Only the exact spelling was found: « Evry » or « st etienne » listed nothing."""
    response = client_for(factories.UserFactory()).get(
        reverse("accounts:commune_search"), {"commune_search": query}
    )
    assert f'data-commune-insee="{insee}"'.encode() in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["((", "a.b", "[x", "\\d+", "st", "*?"])
def test_commune_picker_reads_regex_characters_literally(client_for, query):
    response = client_for(factories.UserFactory()).get(
        reverse("accounts:commune_search"), {"commune_search": query}
    )
    assert response.status_code == 200
