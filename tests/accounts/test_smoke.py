from accounts.models import Commune
from tests import factories


def test_territories_are_loaded(db):
    lille = Commune.objects.select_related("departement__region").get(insee_code="59350")
    assert lille.departement.code == "59"
    assert lille.departement.region.name == "Hauts-de-France"
    assert "59000" in lille.postal_code_list


def test_make_reference_builds_a_complete_published_version(db):
    version = factories.make_reference(blocs=2, competences=3, criteria=2)
    assert version.is_published
    assert version.blocs.count() == 2
    assert version.competences.count() == 6
    assert version.criteria.count() == 12
    assert version.levels.get(counts_as_acquired=True).rank == 3


def test_hub_coordinator_role_gives_admin_access_and_can_be_taken_back(db):
    from accounts.services import user_set_hub_coordinator
    from core.permissions import is_hub_coordinator

    user = factories.UserFactory()
    user_set_hub_coordinator(actor=None, user=user)
    user.refresh_from_db()
    assert user.is_staff and is_hub_coordinator(user)
    user_set_hub_coordinator(actor=None, user=user, is_coordinator=False)
    user = type(user).objects.get(pk=user.pk)  # role checks are cached on the instance
    assert not user.is_staff and not is_hub_coordinator(user)
