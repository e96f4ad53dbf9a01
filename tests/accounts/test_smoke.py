from accounts.models import Commune


def test_territories_are_loaded(db):
    lille = Commune.objects.select_related("departement__region").get(insee_code="59350")
    assert lille.departement.code == "59"
    assert lille.departement.region.name == "Hauts-de-France"
    assert "59000" in lille.postal_code_list
