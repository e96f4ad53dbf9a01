"""Versioning: drafts, publication rules, retirement, cloning, deletion."""

import pytest

from competences import selectors, services
from competences.models import Referential, ReferentialVersion, VersionStatus
from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories


def test_new_version_numbers_follow_and_get_the_default_scale(hub):
    referential = services.referential_create(actor=hub, code="ref", title="Référentiel")
    first = services.version_create(actor=hub, referential=referential)
    second = services.version_create(actor=hub, referential=referential)
    assert (first.number, second.number) == (1, 2)
    assert first.status == VersionStatus.DRAFT
    labels = list(first.levels.order_by("rank").values_list("label", "counts_as_acquired"))
    assert labels == [
        ("Découverte", False),
        ("En cours d'acquisition", False),
        ("Acquis", True),
        ("Maîtrisé", False),
    ]


def test_new_version_copies_the_scale_of_the_latest_version(hub, published):
    level = published.levels.get(rank=4)
    ProficiencyLevel = type(level)
    ProficiencyLevel.objects.filter(pk=level.pk).update(label="Expert")
    draft = services.version_create(actor=hub, referential=published.referential)
    assert draft.levels.get(rank=4).label == "Expert"


def test_publish_a_complete_draft(hub, draft):
    services.version_publish(actor=hub, version=draft)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert draft.published_at is not None
    assert AuditLog.objects.filter(action="version.publish", target_id=str(draft.pk)).exists()


@pytest.mark.parametrize(
    "breakage, expected",
    [
        ("no_bloc", "aucun bloc"),
        ("bloc_without_competence", "le bloc B2 n'a aucune compétence"),
        ("competence_without_criterion", "la compétence B1.C1 n'a aucun critère"),
        ("no_acquired_level", "exactement un niveau « acquis »"),
        ("no_scale", "l'échelle de maîtrise est vide"),
    ],
)
def test_publish_refuses_an_incomplete_draft(hub, draft, breakage, expected):
    if breakage == "no_bloc":
        draft.blocs.all().delete()
    elif breakage == "bloc_without_competence":
        draft.competences.filter(bloc__code="B2").delete()
    elif breakage == "competence_without_criterion":
        draft.criteria.filter(competence__code="B1.C1").delete()
    elif breakage == "no_acquired_level":
        draft.levels.update(counts_as_acquired=False)
    elif breakage == "no_scale":
        draft.levels.all().delete()
    with pytest.raises(DomainError) as error:
        services.version_publish(actor=hub, version=draft)
    assert error.value.code == "version_incomplete"
    assert expected in error.value.message
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_publish_lists_every_problem_at_once(hub, draft):
    draft.criteria.filter(competence__code__in=["B1.C1", "B2.C2"]).delete()
    with pytest.raises(DomainError) as error:
        services.version_publish(actor=hub, version=draft)
    assert "B1.C1" in error.value.message and "B2.C2" in error.value.message


def test_publishing_keeps_earlier_versions_unless_asked(hub, published):
    second = services.version_clone(actor=hub, version=published)
    services.version_publish(actor=hub, version=second)
    published.refresh_from_db()
    assert published.status == VersionStatus.PUBLISHED

    third = services.version_clone(actor=hub, version=second)
    services.version_publish(actor=hub, version=third, retire_previous=True)
    published.refresh_from_db()
    second.refresh_from_db()
    assert published.status == second.status == VersionStatus.RETIRED
    assert selectors.latest_published_version(published.referential.code) == third


def test_publishing_twice_is_refused(hub, published):
    with pytest.raises(DomainError) as error:
        services.version_publish(actor=hub, version=published)
    assert error.value.code == "version_frozen"


def test_a_stale_instance_cannot_bypass_the_freeze(hub, draft):
    stale = ReferentialVersion.objects.get(pk=draft.pk)
    services.version_publish(actor=hub, version=draft)
    assert stale.status == VersionStatus.DRAFT  # the caller's object is out of date
    with pytest.raises(DomainError) as error:
        services.bloc_create(actor=hub, version=stale, code="B9", title="Bloc tardif")
    assert error.value.code == "version_frozen"


def test_retire_only_a_published_version_and_close_its_pathways(hub, published, draft):
    pathway = factories.PathwayFactory(version=published, with_blocs=list(published.blocs.all()))
    services.version_retire(actor=hub, version=published)
    published.refresh_from_db()
    pathway.refresh_from_db()
    assert published.status == VersionStatus.RETIRED and published.retired_at
    assert pathway.is_active is False
    with pytest.raises(DomainError) as error:
        services.version_retire(actor=hub, version=draft)
    assert error.value.code == "version_not_published"
    with pytest.raises(DomainError):
        services.version_retire(actor=hub, version=published)


def test_clone_copies_everything_into_a_new_draft(hub, published):
    published.blocs.filter(code="B1").update(evaluation_modalities="Mise en situation.")
    clone = services.version_clone(actor=hub, version=published)
    assert clone.status == VersionStatus.DRAFT
    assert clone.number == published.number + 1
    assert clone.cloned_from == published
    assert clone.referential == published.referential

    def snapshot(version):
        return {
            "levels": list(version.levels.values_list("rank", "label", "counts_as_acquired")),
            "blocs": list(
                version.blocs.values_list("code", "title", "evaluation_modalities", "order")
            ),
            "competences": list(
                version.competences.values_list("code", "bloc__code", "title", "order")
            ),
            "criteria": list(
                version.criteria.values_list("code", "competence__code", "text", "order")
            ),
        }

    assert snapshot(clone) == snapshot(published)
    # New rows: what was assessed against the old ones never moves.
    assert not set(clone.criteria.values_list("pk", flat=True)) & set(
        published.criteria.values_list("pk", flat=True)
    )
    assert all(c.version_id == clone.pk for c in clone.competences.select_related("bloc"))
    assert all(c.bloc.version_id == clone.pk for c in clone.competences.select_related("bloc"))


def test_editing_the_clone_leaves_the_published_version_untouched(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    bloc = clone.blocs.get(code="B1")
    services.bloc_update(actor=hub, bloc=bloc, title="Nouveau titre")
    services.criterion_delete(actor=hub, criterion=clone.criteria.get(code="B1.C1.1"))
    assert published.blocs.get(code="B1").title == "Bloc 1"
    assert published.criteria.filter(code="B1.C1.1").exists()


def test_delete_a_draft_but_never_a_published_version(hub, published, draft):
    services.version_delete(actor=hub, version=draft)
    assert not ReferentialVersion.objects.filter(pk=draft.pk).exists()
    with pytest.raises(DomainError) as error:
        services.version_delete(actor=hub, version=published)
    assert error.value.code == "version_frozen"
    assert ReferentialVersion.objects.filter(pk=published.pk).exists()


def test_a_referential_with_versions_cannot_be_deleted(hub, published):
    with pytest.raises(DomainError):
        services.referential_delete(actor=hub, referential=published.referential)
    empty = services.referential_create(actor=hub, code="vide", title="Vide")
    services.referential_delete(actor=hub, referential=empty)
    assert not Referential.objects.filter(code="vide").exists()


def test_default_export_version_prefers_the_latest_published(hub, published):
    draft = services.version_clone(actor=hub, version=published)
    assert selectors.default_export_version(published.referential) == published
    services.version_retire(actor=hub, version=published)
    assert selectors.default_export_version(published.referential) == draft


def test_the_peer_confirmation_rule_belongs_to_the_version(hub, published):
    assert published.peer_assessment_needs_confirmation is True
    published.peer_assessment_needs_confirmation = False
    published.save(update_fields=["peer_assessment_needs_confirmation"])
    clone = services.version_clone(actor=hub, version=published)
    assert clone.peer_assessment_needs_confirmation is False  # copied from its source
    empty = services.version_create(actor=hub, referential=published.referential)
    assert empty.peer_assessment_needs_confirmation is False  # continues the latest version
    strict = services.version_clone(
        actor=hub, version=published, peer_assessment_needs_confirmation=True
    )
    assert strict.peer_assessment_needs_confirmation is True
    first = services.version_create(
        actor=hub,
        referential=services.referential_create(actor=hub, code="neuf", title="Neuf"),
    )
    assert first.peer_assessment_needs_confirmation is True  # the model's default


def test_the_peer_confirmation_rule_is_edited_on_drafts_only(hub, published, draft):
    services.version_update(actor=hub, version=draft, peer_assessment_needs_confirmation=False)
    draft.refresh_from_db()
    assert draft.peer_assessment_needs_confirmation is False and draft.notes == ""
    entry = AuditLog.objects.filter(action="version.update").latest("pk")
    assert entry.data["fields"] == ["peer_assessment_needs_confirmation"]
    assert entry.data["peer_assessment_needs_confirmation"] is False
    with pytest.raises(DomainError) as error:
        services.version_update(
            actor=hub, version=published, peer_assessment_needs_confirmation=False
        )
    assert error.value.code == "version_frozen"
    published.refresh_from_db()
    assert published.peer_assessment_needs_confirmation is True
    with pytest.raises(TypeError):
        services.version_update(actor=hub, version=draft, number=9)


def test_an_import_may_set_the_peer_confirmation_rule(hub):
    blocs = [
        {
            "code": "B1",
            "title": "Bloc",
            "order": 1,
            "competences": [
                {
                    "code": "B1.C1",
                    "title": "Compétence",
                    "order": 1,
                    "criteria": [{"code": "B1.C1.1", "text": "Critère", "order": 1}],
                }
            ],
        }
    ]
    version = services.version_import(
        actor=hub,
        code="pairs",
        title="Pairs",
        blocs=blocs,
        peer_assessment_needs_confirmation=False,
    )
    assert version.peer_assessment_needs_confirmation is False
    again = services.version_import(actor=hub, code="pairs", blocs=blocs)
    assert again.peer_assessment_needs_confirmation is False
    assert again.competences.get().lineage == version.competences.get().lineage
