import pytest
from django.urls import reverse

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


def test_items_are_matched_on_their_lineage(hub, published):
    """A renamed code was a removal and an addition; it is the same competence, whose evidence
    still counts."""
    clone = services.version_clone(actor=hub, version=published)
    services.bloc_update(actor=hub, bloc=clone.blocs.get(code="B2"), code="B7")
    services.competence_update(
        actor=hub, competence=clone.competences.get(code="B1.C1"), code="B1.C9", title="Écoute"
    )
    diff = diff_versions(published, clone)
    blocs = diff.by_name("blocs")
    assert not blocs.added and not blocs.removed
    assert [(c.code, c.fields) for c in blocs.changed] == [("B7", [("code", "code", "B2", "B7")])]
    competences = diff.by_name("competences")
    assert not competences.added and not competences.removed
    (renamed,) = competences.changed  # B2's competences did not move: only their bloc's code
    assert renamed.renamed and not renamed.evidence_lost
    assert [f[0] for f in renamed.fields] == ["code", "title"]
    assert [(c.old.code, c.code) for c in diff.renamed] == [("B2", "B7"), ("B1.C1", "B1.C9")]
    assert not diff.substantially_changed
    assert diff.by_name("criteria").is_empty  # their competence is the same one


def test_a_substantially_changed_competence_is_shown_as_such(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    services.competence_update(
        actor=hub, competence=clone.competences.get(code="B1.C2"), substantially_changed=True
    )
    diff = diff_versions(published, clone)
    competences = diff.by_name("competences")
    assert not competences.added and not competences.removed
    (change,) = competences.changed
    assert change.code == "B1.C2" and change.evidence_lost and not change.renamed
    assert [(f[0], str(f[2]), str(f[3])) for f in change.fields] == [
        ("evidence", "comptent", "ne comptent plus")
    ]
    assert [c.code for c in diff.substantially_changed] == ["B1.C2"]
    assert diff.by_name("criteria").is_empty
    assert diff.totals() == {"added": 0, "removed": 0, "changed": 1}

    # A version later, still the same: what was assessed on version 1 does not count.
    services.version_publish(actor=hub, version=clone)
    third = services.version_clone(actor=hub, version=clone)
    assert [c.code for c in diff_versions(published, third).substantially_changed] == ["B1.C2"]
    assert diff_versions(clone, third).is_empty


def test_the_compare_page_shows_renamed_and_substantially_changed_items(client_for, hub, published):
    clone = services.version_clone(actor=hub, version=published)
    services.competence_update(
        actor=hub, competence=clone.competences.get(code="B1.C1"), code="B1.C9"
    )
    services.competence_update(
        actor=hub, competence=clone.competences.get(code="B2.C1"), substantially_changed=True
    )
    response = client_for(hub).get(
        reverse("competences:compare", args=[published.referential.code]),
        {"old": published.number, "new": clone.number},
    )
    html = response.content.decode()
    assert "Compétences modifiées en profondeur" in html
    assert f"faites sur la version {published.number} ne comptent pas" in html
    assert "Codes renommés" in html
    assert '<span class="code">B1.C1</span> <span aria-hidden="true">→</span>' in html
    assert "ne comptent plus" in html
