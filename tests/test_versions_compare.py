"""The comparison page: agreed words, and what a removal affects (for the hub)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from competences import services
from competences.diff import diff_versions
from competences.impact import diff_impact
from tests import factories


@pytest.fixture
def versions(db):
    """Version 1 (B1..B3, two competences each); version 2 without B3, B1.C2 substantially
    changed, B2.C1's title changed and one criterion added."""
    hub = factories.HubCoordinatorFactory()
    v1 = factories.make_reference(blocs=3, competences=2, criteria=1)
    v2 = services.version_clone(actor=hub, version=v1)
    services.bloc_delete(actor=hub, bloc=v2.blocs.get(code="B3"))
    services.competence_update(
        actor=hub, competence=v2.competences.get(code="B1.C2"), substantially_changed=True
    )
    services.competence_update(
        actor=hub, competence=v2.competences.get(code="B2.C1"), title="Nouvel intitulé"
    )
    services.criterion_create(
        actor=hub, competence=v2.competences.get(code="B2.C1"), code="B2.C1.9", text="Nouveau"
    )
    v2 = services.version_publish(actor=hub, version=v2)
    return hub, v1, v2


def _url(v1, v2):
    return (
        reverse("competences:compare", args=[v1.referential.code])
        + f"?old={v1.number}&new={v2.number}"
    )


def test_words_agree_in_number_and_gender(versions, client_for, user):
    _hub, v1, v2 = versions
    page = client_for(user).get(_url(v1, v2)).content.decode()
    assert "ajout(s)" not in page and "suppression(s)" not in page
    # B3 (1 bloc, 2 competences, 2 criteria) removed; one criterion added.
    assert "1 ajout," in page
    assert "5 suppressions," in page
    assert "Compétences modifiées" in page
    assert "Compétences modifiés" not in page
    assert "Blocs supprimés" in page
    assert "Critères ajoutés" in page
    # Not for everyone: the impact section is the hub's.
    assert "Ce que touchent les suppressions" not in page


def test_impact_counts_pathways_sessions_and_accreditations(versions):
    _hub, v1, v2 = versions
    pathway = factories.make_pathway(v1, code="p1", title="Parcours un")
    b3 = v1.blocs.get(code="B3")
    session = factories.SessionFactory(version=v1, competences=list(b3.competences.all()))
    factories.SlotFactory(session=session)
    past = factories.SessionFactory(version=v1, competences=list(b3.competences.all()))
    factories.SlotFactory(session=past, starts_at=timezone.now() - datetime.timedelta(days=10))
    factories.AccreditationFactory(bloc=b3)
    factories.AccreditationFactory(
        bloc=b3, valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    impacts = {i.code: i for i in diff_impact(diff_versions(v1, v2))}
    assert set(impacts) == {"B3", "B1.C2"}  # B3's competences are said once, with B3
    assert impacts["B3"].reason == "removed" and impacts["B3"].pathways == [pathway]
    assert impacts["B3"].sessions == 1
    assert impacts["B3"].accreditations == 1
    assert impacts["B1.C2"].reason == "changed"
    assert impacts["B1.C2"].pathways == [pathway]
    assert impacts["B1.C2"].sessions == 0 and impacts["B1.C2"].accreditations == 0


def test_hub_sees_the_impact_with_links_in_bounded_queries(
    versions, client_for, django_assert_max_num_queries
):
    hub, v1, v2 = versions
    for n in range(3):
        factories.make_pathway(v1, code=f"p{n}", title=f"Parcours {n}")
        session = factories.SessionFactory(
            version=v1, competences=list(v1.blocs.get(code="B3").competences.all())
        )
        factories.SlotFactory(session=session)
        factories.AccreditationFactory(bloc=v1.blocs.get(code="B3"))
    client = client_for(hub)
    client.get(_url(v1, v2))
    with django_assert_max_num_queries(22):
        page = client.get(_url(v1, v2)).content.decode()
    assert "Ce que touchent les suppressions" in page
    assert "3 parcours le requièrent" in page
    assert "3 sessions à venir le visent" in page
    assert "3 personnes habilitées sur ce bloc" in page
    assert reverse("trainings:accreditation_list") + "?bloc=B3&amp;state=valid" in page
    assert reverse("trainings:session_list") + "?bloc=B3" in page
    assert reverse("competences:pathway_detail", args=[v1.referential.code, v1.number, "p0"]) in (
        page
    )
    # Ten times the pathways, sessions and accreditations: the same number of queries.
    for n in range(3, 13):
        factories.make_pathway(v1, code=f"p{n}", title=f"Parcours {n}")
        factories.AccreditationFactory(bloc=v1.blocs.get(code="B3"))
    with django_assert_max_num_queries(22):
        client.get(_url(v1, v2))
