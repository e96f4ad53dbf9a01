"""Pathways live on a published version; their blocs and requirements stay inside it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from competences import selectors, services
from competences.models import PathwayAudience, PathwayRequirement
from core.exceptions import DomainError
from tests import factories


def _create(hub, version, blocs, **extra):
    return services.pathway_create(
        actor=hub,
        version=version,
        code=extra.pop("code", "socle"),
        title="Socle du médiateur",
        audience=PathwayAudience.NOVICE,
        blocs=blocs,
        min_attended_hours=Decimal("14"),
        validity_months=36,
        **extra,
    )


def test_create_a_pathway_with_its_blocs(hub, published):
    blocs = list(published.blocs.order_by("code"))
    pathway = _create(hub, published, blocs, national_code="RNCP37445")
    assert list(pathway.pathway_blocs.values_list("bloc__code", "order")) == [("B1", 1), ("B2", 2)]
    assert pathway.validity_months == 36
    assert pathway.national_code == "RNCP37445"


def test_the_peer_confirmation_rule_is_not_a_pathway_setting(hub, published):
    """It moved to the version: a pathway cannot waive it for the assessments it reads."""
    with pytest.raises(TypeError):
        _create(hub, published, [], peer_assessment_needs_confirmation=False)


@pytest.mark.parametrize("code", ["37445", "RNCP12", "rncp37445", "RS", "RNCP37445 BC02"])
def test_a_national_code_has_the_france_competences_shape(hub, published, code):
    with pytest.raises(ValidationError) as error:
        _create(hub, published, [], national_code=code)
    assert "national_code" in error.value.message_dict
    assert not published.pathways.exists()


def test_a_pathway_needs_a_published_version(hub, draft):
    with pytest.raises(DomainError) as error:
        _create(hub, draft, list(draft.blocs.all()))
    assert error.value.code == "version_not_published"


def test_a_retired_version_takes_no_new_pathway_nor_edits(hub, published):
    pathway = _create(hub, published, list(published.blocs.all()))
    services.version_retire(actor=hub, version=published)
    published.refresh_from_db()
    with pytest.raises(DomainError):
        _create(hub, published, [], code="autre")
    pathway.refresh_from_db()
    with pytest.raises(DomainError):
        services.pathway_update(actor=hub, pathway=pathway, title="Changé")


def test_blocs_must_belong_to_the_pathway_version(hub, published):
    other = factories.make_reference()
    with pytest.raises(DomainError) as error:
        _create(hub, published, [published.blocs.first(), other.blocs.get(code="B2")])
    assert error.value.code == "bloc_other_version"
    assert not published.pathways.exists()


def test_requirement_competence_must_be_in_the_pathway_blocs(hub, published):
    pathway = _create(hub, published, [published.blocs.get(code="B1")])
    outside = published.competences.get(code="B2.C1")
    with pytest.raises(DomainError) as error:
        services.pathway_requirement_set(
            actor=hub, pathway=pathway, competence=outside, level=published.levels.get(rank=4)
        )
    assert error.value.code == "competence_not_in_pathway"
    assert not PathwayRequirement.objects.exists()


def test_requirement_level_must_be_in_the_version_scale(hub, published):
    other = factories.make_reference()
    pathway = _create(hub, published, [published.blocs.get(code="B1")])
    with pytest.raises(DomainError) as error:
        services.pathway_requirement_set(
            actor=hub,
            pathway=pathway,
            competence=published.competences.get(code="B1.C1"),
            level=other.levels.get(rank=4),
        )
    assert error.value.code == "level_other_version"


def test_required_level_defaults_to_acquired_and_can_be_raised(hub, published):
    pathway = _create(hub, published, list(published.blocs.all()))
    c11 = published.competences.get(code="B1.C1")
    c12 = published.competences.get(code="B1.C2")
    mastered = published.levels.get(rank=4)
    services.pathway_requirement_set(actor=hub, pathway=pathway, competence=c11, level=mastered)
    assert selectors.required_level(pathway, c11) == mastered
    assert selectors.required_level(pathway, c12).label == "Acquis"
    assert selectors.acquired_level(published).rank == 3
    levels = selectors.required_levels(pathway)
    assert len(levels) == 6
    assert levels[c11.pk] == mastered and levels[c12.pk].rank == 3
    # Setting it again updates the same requirement.
    services.pathway_requirement_set(
        actor=hub, pathway=pathway, competence=c11, level=published.levels.get(rank=2)
    )
    assert pathway.requirements.get().required_level.rank == 2


def test_removing_a_bloc_drops_the_requirements_on_its_competences(hub, published):
    pathway = _create(hub, published, list(published.blocs.all()))
    services.pathway_requirement_set(
        actor=hub,
        pathway=pathway,
        competence=published.competences.get(code="B2.C1"),
        level=published.levels.get(rank=4),
    )
    services.pathway_update(actor=hub, pathway=pathway, blocs=[published.blocs.get(code="B1")])
    assert list(pathway.pathway_blocs.values_list("bloc__code", flat=True)) == ["B1"]
    assert not pathway.requirements.exists()


def test_pathway_with_content_costs_a_fixed_number_of_queries(
    hub, published, django_assert_max_num_queries
):
    pathway = _create(hub, published, list(published.blocs.all()))
    services.pathway_requirement_set(
        actor=hub,
        pathway=pathway,
        competence=published.competences.get(code="B1.C1"),
        level=published.levels.get(rank=4),
    )
    with django_assert_max_num_queries(6):
        loaded = selectors.pathway_with_content(pathway)
        required = {
            c.code: c.required_level.rank
            for pb in loaded.pathway_blocs.all()
            for c in pb.bloc.competences.all()
        }
    assert required["B1.C1"] == 4 and required["B2.C3"] == 3


def test_make_pathway_factory_helper(db):
    pathway = factories.make_pathway(blocs=["B2"], requirements={"B2.C1": 4})
    assert list(pathway.blocs.values_list("code", flat=True)) == ["B2"]
    assert (
        selectors.required_levels(pathway)[pathway.version.competences.get(code="B2.C1").pk].rank
        == 4
    )
    requirement = factories.PathwayRequirementFactory(pathway=factories.make_pathway())
    assert requirement.required_level.rank == 4
