import pytest

from competences import services
from competences.diff import diff_versions
from core.exceptions import DomainError
from tests import factories


def test_identical_versions_have_no_difference(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    diff = diff_versions(published, clone)
    assert diff.is_empty
    assert diff.totals() == {"added": 0, "removed": 0, "changed": 0}


def test_added_removed_and_changed_items(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    b1 = clone.blocs.get(code="B1")
    services.bloc_update(actor=hub, bloc=b1, title="Accueillir", evaluation_modalities="Oral")
    services.bloc_create(actor=hub, version=clone, code="B3", title="Animer")
    services.competence_delete(actor=hub, competence=clone.competences.get(code="B2.C3"))
    services.competence_update(
        actor=hub, competence=clone.competences.get(code="B1.C2"), bloc=clone.blocs.get(code="B2")
    )
    services.criterion_update(
        actor=hub, criterion=clone.criteria.get(code="B1.C1.1"), text="Accueille", order=9
    )
    services.level_update(actor=hub, level=clone.levels.get(rank=1), label="Sensibilisé")

    diff = diff_versions(published, clone)
    blocs = diff.by_name("blocs")
    assert [item.code for item in blocs.added] == ["B3"]
    assert [(c.code, [f[0] for f in c.fields]) for c in blocs.changed] == [
        ("B1", ["title", "evaluation_modalities"])
    ]
    competences = diff.by_name("competences")
    assert [item.code for item in competences.removed] == ["B2.C3"]
    moved = next(c for c in competences.changed if c.code == "B1.C2")
    assert ("parent", "B1", "B2") in [(f[0], f[2], f[3]) for f in moved.fields]
    criteria = diff.by_name("criteria")
    assert sorted(item.code for item in criteria.removed) == ["B2.C3.1", "B2.C3.2"]
    changed = {c.code: {f[0] for f in c.fields} for c in criteria.changed}
    assert changed == {"B1.C1.1": {"text", "order"}}
    assert [c.code for c in diff.by_name("levels").changed] == ["1"]
    assert diff.totals() == {"added": 1, "removed": 3, "changed": 4}


def test_only_versions_of_the_same_referential_compare(published):
    other = factories.make_reference()
    with pytest.raises(DomainError) as error:
        diff_versions(published, other)
    assert error.value.code == "diff_other_referential"
