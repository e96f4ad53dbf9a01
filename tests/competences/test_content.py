"""Editing a draft: codes unique in the version across kinds, parents in the same version,
one "acquired" threshold."""

import pytest
from django.core.exceptions import ValidationError

from competences import services
from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories


def test_create_content_in_order_with_audit(hub, draft):
    bloc = services.bloc_create(
        actor=hub,
        version=draft,
        code="B3",
        title="Animer des ateliers",
        evaluation_modalities="Animation observée.",
    )
    competence = services.competence_create(actor=hub, bloc=bloc, code="B3.C1", title="Concevoir")
    criterion = services.criterion_create(
        actor=hub, competence=competence, code="B3.C1.1", text="Formule des objectifs."
    )
    assert bloc.order == 3  # after B1 and B2
    assert competence.version == draft and competence.order == 1
    assert criterion.version == draft
    assert AuditLog.objects.filter(action="criterion.create", target_id=str(criterion.pk)).exists()


@pytest.mark.parametrize("code", ["B1", "B1.C1", "B1.C1.1"])
def test_a_code_is_unique_in_the_version_whatever_the_kind(hub, draft, code):
    with pytest.raises(DomainError) as error:
        services.bloc_create(actor=hub, version=draft, code=code, title="Doublon")
    assert error.value.code == "code_taken"
    assert error.value.field == "code"


def test_the_same_code_is_fine_in_another_version(hub, draft, published):
    assert published.blocs.filter(code="B1").exists()
    services.bloc_update(actor=hub, bloc=draft.blocs.get(code="B2"), code="B7")


@pytest.mark.parametrize("code", ["B 1", "", "B1#", ".B1", "é1"])
def test_codes_must_be_usable_as_anchors(hub, draft, code):
    with pytest.raises(DomainError) as error:
        services.bloc_create(actor=hub, version=draft, code=code, title="Bloc")
    assert error.value.code == "code_invalid"


def test_renaming_to_its_own_code_is_fine(hub, draft):
    bloc = draft.blocs.get(code="B1")
    services.bloc_update(actor=hub, bloc=bloc, code="B1", title="Même code")


def test_an_empty_title_is_refused(hub, draft):
    with pytest.raises(ValidationError):
        services.bloc_create(actor=hub, version=draft, code="B9", title="")


def test_a_competence_cannot_move_to_a_bloc_of_another_version(hub, draft):
    other = factories.make_reference(status="draft")
    competence = draft.competences.get(code="B1.C1")
    with pytest.raises(DomainError) as error:
        services.competence_update(
            actor=hub, competence=competence, bloc=other.blocs.get(code="B1")
        )
    assert error.value.code == "bloc_other_version"
    services.competence_update(actor=hub, competence=competence, bloc=draft.blocs.get(code="B2"))
    competence.refresh_from_db()
    assert competence.bloc.code == "B2"


def test_a_criterion_cannot_move_to_a_competence_of_another_version(hub, draft):
    other = factories.make_reference(status="draft")
    criterion = draft.criteria.get(code="B1.C1.1")
    with pytest.raises(DomainError) as error:
        services.criterion_update(
            actor=hub, criterion=criterion, competence=other.competences.first()
        )
    assert error.value.code == "competence_other_version"


def test_moving_the_acquired_threshold_demotes_the_previous_one(hub, draft):
    level = draft.levels.get(rank=4)
    services.level_update(actor=hub, level=level, counts_as_acquired=True)
    assert list(draft.levels.filter(counts_as_acquired=True).values_list("rank", flat=True)) == [4]
    services.level_create(actor=hub, version=draft, rank=5, label="Expert", counts_as_acquired=True)
    assert list(draft.levels.filter(counts_as_acquired=True).values_list("rank", flat=True)) == [5]


def test_two_levels_cannot_share_a_rank(hub, draft):
    with pytest.raises(ValidationError):
        services.level_create(actor=hub, version=draft, rank=2, label="Doublon")
