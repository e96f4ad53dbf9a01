"""URL × role matrix for the foundation pages: what each kind of person gets on each page.

Each app's own permission tests live beside its other tests (tests/<app>/)."""

import pytest
from django.urls import reverse

from tests import factories

ANON, MEDIATOR, MEMBER, HUB = "anonymous", "mediator", "member", "hub"


@pytest.fixture
def people(db):
    structure = factories.StructureFactory()
    member = factories.MembershipFactory(structure=structure).user
    return {
        "structure": structure,
        MEDIATOR: factories.UserFactory(),
        MEMBER: member,
        HUB: factories.HubCoordinatorFactory(),
    }


MATRIX = [
    # (url name, needs structure pk, {role: expected status})
    ("home", False, {ANON: 200, MEDIATOR: 200, MEMBER: 200, HUB: 200}),
    ("accounts:profile", False, {ANON: 302, MEDIATOR: 200, MEMBER: 200, HUB: 200}),
    ("accounts:structure_list", False, {ANON: 302, MEDIATOR: 403, MEMBER: 403, HUB: 200}),
    ("accounts:structure_create", False, {ANON: 302, MEDIATOR: 200, MEMBER: 200, HUB: 200}),
    ("accounts:structure_detail", True, {ANON: 302, MEDIATOR: 403, MEMBER: 200, HUB: 200}),
    ("accounts:structure_update", True, {ANON: 302, MEDIATOR: 403, MEMBER: 403, HUB: 200}),
    ("accounts:commune_search", False, {ANON: 302, MEDIATOR: 200, MEMBER: 200, HUB: 200}),
]


@pytest.mark.parametrize("url_name, with_pk, expected", MATRIX, ids=[m[0] for m in MATRIX])
@pytest.mark.parametrize("role", [ANON, MEDIATOR, MEMBER, HUB])
def test_url_role_matrix(client, people, url_name, with_pk, expected, role):
    url = reverse(url_name, args=[people["structure"].pk] if with_pk else [])
    if role != ANON:
        client.force_login(people[role])
    response = client.get(url)
    assert response.status_code == expected[role], f"{role} on {url}"
    if response.status_code == 302:
        assert response.url.startswith(reverse("account_login"))


def test_navigation_shows_each_role_its_entries(client, people):
    client.force_login(people[MEDIATOR])
    body = client.get("/").content.decode()
    assert reverse("accounts:profile") in body
    assert reverse("accounts:structure_list") not in body
    client.force_login(people[HUB])
    body = client.get("/").content.decode()
    assert reverse("accounts:structure_list") in body
