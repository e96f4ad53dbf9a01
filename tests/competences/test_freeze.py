"""A published (or retired) version is frozen: every edit is refused by the services."""

import pytest

from competences import services
from competences.models import Bloc, Competence, Criterion, ProficiencyLevel
from core.exceptions import DomainError

from .conftest import counts


def _edits(version):
    bloc = version.blocs.get(code="B1")
    competence = version.competences.get(code="B1.C1")
    criterion = version.criteria.get(code="B1.C1.1")
    level = version.levels.get(rank=1)
    return {
        "bloc_create": lambda a: services.bloc_create(
            actor=a, version=version, code="B9", title="Nouveau bloc"
        ),
        "bloc_update": lambda a: services.bloc_update(actor=a, bloc=bloc, title="Changé"),
        "bloc_delete": lambda a: services.bloc_delete(actor=a, bloc=bloc),
        "competence_create": lambda a: services.competence_create(
            actor=a, bloc=bloc, code="B1.C9", title="Nouvelle"
        ),
        "competence_update": lambda a: services.competence_update(
            actor=a, competence=competence, title="Changée"
        ),
        "competence_delete": lambda a: services.competence_delete(actor=a, competence=competence),
        "criterion_create": lambda a: services.criterion_create(
            actor=a, competence=competence, code="B1.C1.9", text="Nouveau"
        ),
        "criterion_update": lambda a: services.criterion_update(
            actor=a, criterion=criterion, text="Changé"
        ),
        "criterion_delete": lambda a: services.criterion_delete(actor=a, criterion=criterion),
        "level_create": lambda a: services.level_create(
            actor=a, version=version, rank=5, label="Expert"
        ),
        "level_update": lambda a: services.level_update(actor=a, level=level, label="Changé"),
        "level_delete": lambda a: services.level_delete(actor=a, level=level),
        "version_update": lambda a: services.version_update(actor=a, version=version, notes="x"),
        "version_delete": lambda a: services.version_delete(actor=a, version=version),
    }


EDIT_NAMES = [
    "bloc_create",
    "bloc_update",
    "bloc_delete",
    "competence_create",
    "competence_update",
    "competence_delete",
    "criterion_create",
    "criterion_update",
    "criterion_delete",
    "level_create",
    "level_update",
    "level_delete",
    "version_update",
    "version_delete",
]


def _content(version):
    return (
        list(Bloc.objects.filter(version=version).values_list("code", "title")),
        list(Competence.objects.filter(version=version).values_list("code", "title")),
        list(Criterion.objects.filter(version=version).values_list("code", "text")),
        list(ProficiencyLevel.objects.filter(version=version).values_list("rank", "label")),
    )


@pytest.mark.parametrize("status", ["published", "retired"])
@pytest.mark.parametrize("edit", EDIT_NAMES)
def test_every_edit_of_a_frozen_version_is_refused(hub, published, status, edit):
    if status == "retired":
        services.version_retire(actor=hub, version=published)
        published.refresh_from_db()
    before = (_content(published), counts())
    with pytest.raises(DomainError) as error:
        _edits(published)[edit](hub)
    assert error.value.code == "version_frozen"
    assert "nouvelle version" in error.value.message.lower()
    assert (_content(published), counts()) == before


@pytest.mark.parametrize("edit", EDIT_NAMES)
def test_the_same_edits_work_on_a_draft(hub, draft, edit):
    _edits(draft)[edit](hub)
