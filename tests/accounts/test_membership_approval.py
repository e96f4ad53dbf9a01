"""Joining a structure is a request its head (or the hub) approves; only approved members see
the structure's members; a structure a mediator adds is not every trainer's place."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import MediatorFunction, Membership, MembershipStatus
from core.exceptions import DomainError
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure_with_head():
    head = factories.MembershipFactory(function=MediatorFunction.RESPONSABLE)
    return head.structure, head.user


def test_joining_is_a_request_until_the_head_approves_it(client, structure_with_head):
    structure, head = structure_with_head
    newcomer = factories.UserFactory()
    client.force_login(newcomer)
    client.post(
        reverse("accounts:membership_add"),
        {"structure": structure.pk, "function": MediatorFunction.AIDANT},
    )
    membership = Membership.objects.get(user=newcomer)
    assert membership.status == MembershipStatus.PENDING
    # Pending: the members stay hidden.
    assert client.get(reverse("accounts:structure_detail", args=[structure.pk])).status_code == 403
    # Another mediator cannot approve it.
    client.force_login(factories.UserFactory())
    url = reverse("accounts:membership_decide", args=[membership.pk, "valider"])
    assert client.post(url).status_code == 403
    # The head sees the request and approves it.
    client.force_login(head)
    page = client.get(reverse("accounts:structure_detail", args=[structure.pk])).content.decode()
    assert newcomer.get_full_name() in page and "Demandes de rattachement" in page
    client.post(url)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPROVED and membership.approved_by == head
    client.force_login(newcomer)
    assert client.get(reverse("accounts:structure_detail", args=[structure.pk])).status_code == 200


def test_the_hub_approves_or_refuses(structure_with_head):
    structure, _head = structure_with_head
    hub = factories.HubCoordinatorFactory()
    request = services.membership_create(
        actor=factories.UserFactory(),
        user=factories.UserFactory(),
        structure=structure,
        function=MediatorFunction.AIDANT,
    )
    services.membership_refuse(actor=hub, membership=request)
    assert not Membership.objects.filter(pk=request.pk).exists()
    approved = services.membership_create(
        actor=hub,
        user=factories.UserFactory(),
        structure=structure,
        function=MediatorFunction.AIDANT,
    )
    assert approved.status == MembershipStatus.APPROVED
    with pytest.raises(DomainError) as error:
        services.membership_approve(actor=hub, membership=approved)
    assert error.value.code == "already_approved"


def test_the_creator_of_a_new_structure_is_its_first_member(client):
    mediator = factories.UserFactory()
    structure = services.structure_create(
        actor=mediator,
        join_as=MediatorFunction.RESPONSABLE,
        name="Tiers-lieu des Flandres",
        kind="association",
        commune=factories.StructureFactory.build().commune,
        postal_code="59000",
    )
    membership = Membership.objects.get(user=mediator, structure=structure)
    assert membership.status == MembershipStatus.APPROVED
    assert structure.verified is False


def test_an_unverified_structure_is_offered_as_a_place_to_its_members_only(client):
    from trainings.forms.sessions import SessionForm

    mediator_trainer = factories.UserFactory()
    other_trainer = factories.UserFactory()
    added = factories.StructureFactory(verified=False)
    factories.MembershipFactory(user=mediator_trainer, structure=added)
    verified = factories.StructureFactory()
    mine = SessionForm(actor=mediator_trainer).structure_choices()
    theirs = SessionForm(actor=other_trainer).structure_choices()
    assert added in mine and verified in mine
    assert added not in theirs and verified in theirs
    # The picker lists the same places as the form accepts.
    client.force_login(other_trainer)
    url = reverse("accounts:structure_search")
    listed = client.get(url, {"scope": "places", "structure_search": added.name[:6]})
    assert f'data-structure-id="{added.pk}"' not in listed.content.decode()
    services.structure_verify(actor=factories.HubCoordinatorFactory(), structure=added)
    assert added in SessionForm(actor=other_trainer).structure_choices()
    listed = client.get(url, {"scope": "places", "structure_search": added.name[:6]})
    assert f'data-structure-id="{added.pk}"' in listed.content.decode()
