"""Publishing version 2: carrying pathways over from version 1, then retiring version 1."""

import pytest
from django.urls import reverse

from competences import services
from competences.models import Pathway, PathwayRequirement, VersionStatus
from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories


@pytest.fixture
def versions(db):
    """Version 1 (blocs B1..B3) with a pathway on all three blocs and a level requirement on
    B1.C1 and B3.C1; version 2, published, where B2 became B2X and B3 was removed."""
    hub = factories.HubCoordinatorFactory()
    v1 = factories.make_reference(blocs=3, competences=2, criteria=1)
    pathway = factories.make_pathway(
        v1, code="mediateur", title="Médiateur confirmé", requirements={"B1.C1": 4, "B3.C1": 4}
    )
    v2 = services.version_clone(actor=hub, version=v1)
    services.bloc_update(actor=hub, bloc=v2.blocs.get(code="B2"), code="B2X")
    services.bloc_delete(actor=hub, bloc=v2.blocs.get(code="B3"))
    v2 = services.version_publish(actor=hub, version=v2)
    return hub, v1, v2, pathway


def test_plan_maps_blocs_by_lineage_and_says_what_is_lost(versions, django_assert_max_num_queries):
    _hub, v1, v2, pathway = versions
    with django_assert_max_num_queries(10):
        plan = services.carry_over_plan(v2)
    assert plan.source == v1
    [item] = plan.to_create
    assert item.source == pathway
    assert [(old.code, new.code) for old, new in item.blocs] == [("B1", "B1"), ("B2", "B2X")]
    assert [bloc.code for bloc in item.lost_blocs] == ["B3"]
    assert [(old.code, new.code, level.rank) for old, new, level in item.requirements] == [
        ("B1.C1", "B1.C1", 4)
    ]
    assert item.lost_requirements == ["B3.C1"]
    assert [(old.code, new.code) for old, new in plan.renamed_blocs] == [("B2", "B2X")]
    assert plan.source_can_retire and plan.needs_attention


def test_carry_over_creates_once_and_is_audited(versions):
    hub, _v1, v2, _pathway = versions
    [created] = services.pathways_carry_over(actor=hub, version=v2)
    assert created.version == v2 and created.code == "mediateur" and created.is_active
    assert sorted(pb.bloc.code for pb in created.pathway_blocs.all()) == ["B1", "B2X"]
    requirement = PathwayRequirement.objects.get(pathway=created)
    assert requirement.competence.version_id == v2.pk
    assert requirement.competence.code == "B1.C1" and requirement.required_level.rank == 4
    assert created.rule_sets.count() == 1
    rules = created.rule_sets.get().rules
    assert [bloc["code"] for bloc in rules["blocs"]] == ["B1", "B2X"]
    assert AuditLog.objects.filter(action="version.carry_over", target_id=str(v2.pk)).exists()

    # Twice: nothing more.
    assert services.pathways_carry_over(actor=hub, version=v2) == []
    assert Pathway.objects.filter(version=v2).count() == 1
    assert not services.carry_over_plan(v2).to_create


def test_a_pathway_whose_blocs_are_all_gone_is_not_created(versions):
    hub, v1, v2, _pathway = versions
    factories.make_pathway(v1, code="b3-seul", blocs=["B3"])
    plan = services.carry_over_plan(v2)
    assert [item.source.code for item in plan.impossible] == ["b3-seul"]
    created = services.pathways_carry_over(actor=hub, version=v2)
    assert [p.code for p in created] == ["mediateur"]


def test_a_draft_or_a_first_version_has_nothing_to_carry(db):
    hub = factories.HubCoordinatorFactory()
    v1 = factories.make_reference()
    assert services.carry_over_plan(v1) is None
    draft = services.version_clone(actor=hub, version=v1)
    assert services.carry_over_plan(draft) is None
    with pytest.raises(DomainError) as error:
        services.pathways_carry_over(actor=hub, version=v1)
    assert error.value.code == "no_source"


def test_version_page_previews_then_confirms_then_offers_to_retire(versions, client_for):
    hub, v1, v2, _pathway = versions
    client = client_for(hub)
    url = reverse("competences:version_detail", args=[v2.referential.code, v2.number])
    page = client.get(url).content.decode()
    assert f"Reprendre depuis la version {v1.number}" in page
    assert "Reprendre ce parcours" in page
    assert "B2X" in page and "anciennement B2" in page
    assert "Blocs supprimés dans cette version" not in page  # one bloc: singular
    assert "Bloc supprimé dans cette version, donc retiré du parcours" in page
    assert "couvre le bloc de même code" in page

    response = client.post(reverse("competences:carry_over", args=[v2.referential.code, v2.number]))
    assert response.status_code == 302 and response["Location"].endswith(url + "#reprise")
    assert Pathway.objects.filter(version=v2, code="mediateur").exists()
    page = client.get(url).content.decode()
    assert "Reprendre ce parcours" not in page
    assert f"Retirer la version {v1.number}" in page

    response = client.post(
        reverse("competences:retire", args=[v1.referential.code, v1.number]),
        {"back": str(v2.number)},
    )
    assert response["Location"] == url
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED
    assert "Reprendre depuis" not in client.get(url).content.decode()


def test_only_the_hub_sees_or_runs_the_carry_over(versions, client_for, user):
    _hub, _v1, v2, _pathway = versions
    client = client_for(user)
    url = reverse("competences:version_detail", args=[v2.referential.code, v2.number])
    assert "Reprendre depuis" not in client.get(url).content.decode()
    response = client.post(reverse("competences:carry_over", args=[v2.referential.code, v2.number]))
    assert response.status_code == 403
    assert not Pathway.objects.filter(version=v2).exists()


def test_version_page_query_count_for_the_hub(versions, client_for, django_assert_max_num_queries):
    hub, _v1, v2, _pathway = versions
    client = client_for(hub)
    url = reverse("competences:version_detail", args=[v2.referential.code, v2.number])
    client.get(url)
    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200


def test_home_panel_figures_are_links_and_point_to_what_is_left(versions, client_for, user):
    hub, v1, v2, _pathway = versions
    page = client_for(hub).get("/").content.decode()
    index = reverse("competences:index")
    assert f'<a href="{index}">2</a>' in page  # published versions
    assert f'<a href="{index}#parcours-ouverts">1</a>' in page  # open pathways
    assert f'<a href="{reverse("competences:manage")}">0</a>' in page  # drafts
    v2_url = reverse("competences:version_detail", args=[v2.referential.code, v2.number])
    assert f"{v2_url}#reprise" in page
    page = client_for(user).get("/").content.decode()
    assert f'<a href="{index}">2</a>' in page
    assert "#reprise" not in page and reverse("competences:manage") not in page
    services.version_retire(actor=hub, version=v1)
    assert "#reprise" not in client_for(hub).get("/").content.decode()
