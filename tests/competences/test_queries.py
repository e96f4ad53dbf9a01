"""Pages whose query count must not grow with the number of rows they show."""

import pytest
from django.urls import reverse

from competences import services
from tests import factories


def _pathway_with(hub, size):
    version = factories.make_reference(blocs=size, competences=2, criteria=1)
    pathway = factories.make_pathway(version, code="socle")
    for competence in version.competences.all()[:size]:
        services.pathway_requirement_set(
            actor=hub, pathway=pathway, competence=competence, level=version.levels.get(rank=4)
        )
    return pathway


@pytest.mark.parametrize("size", [1, 8])
def test_pathway_admin_page(client_for, hub, size, django_assert_max_num_queries):
    """Each bloc and requirement row fetched its pathway, bloc or competence for its label and
    ran its own query for the select's choices (66 queries for 8 rows)."""
    pathway = _pathway_with(hub, size)
    client = client_for(hub)
    with django_assert_max_num_queries(24):
        response = client.get(reverse("admin:competences_pathway_change", args=[pathway.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('name="requirements-') >= size


@pytest.mark.parametrize("size", [1, 8])
def test_referential_admin_page(client_for, hub, size, django_assert_max_num_queries):
    """Each version row fetched its referential for its label."""
    version = factories.make_reference(blocs=1, competences=1, criteria=1)
    for _ in range(size):
        services.version_clone(actor=hub, version=version)
    client = client_for(hub)
    url = reverse("admin:competences_referential_change", args=[version.referential.pk])
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [(1, 1, 1), (4, 3, 3)])
def test_comparing_two_versions(client_for, hub, size, django_assert_max_num_queries):
    old = factories.make_reference(blocs=size[0], competences=size[1], criteria=size[2])
    new = services.version_clone(actor=hub, version=old)
    services.criterion_delete(actor=hub, criterion=new.criteria.first())
    client = client_for(hub)
    url = reverse("competences:compare", args=[old.referential.code])
    with django_assert_max_num_queries(17):
        response = client.get(url, {"old": old.number, "new": new.number})
    assert response.context["diff"].totals()["removed"] == 1
