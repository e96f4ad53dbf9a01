"""Lineages: a bloc or competence of a new version continues the one with the same code in the
version it comes from, so that evidence on version 1 counts on version 2, unless the hub marks
the competence as substantially changed."""

import json

import pytest

from competences import services
from competences.exporting import export_reference
from competences.importing import import_reference
from core.exceptions import DomainError
from core.models import AuditLog


def lineages(version, kind="competences"):
    return dict(getattr(version, kind).values_list("code", "lineage"))


def test_the_lineage_source_is_the_cloned_version_else_the_previous_one(hub, published):
    assert services.lineage_source(published) is None
    v2 = services.version_clone(actor=hub, version=published)
    v3 = services.version_create(actor=hub, referential=published.referential)
    v4 = services.version_clone(actor=hub, version=published)
    assert services.lineage_source(v2) == published
    assert services.lineage_source(v3) == v2
    assert services.lineage_source(v4) == published
    services.version_delete(actor=hub, version=v2)
    services.version_delete(actor=hub, version=v3)
    v5 = services.version_create(actor=hub, referential=published.referential)
    assert services.lineage_source(v5) == v4


def test_a_clone_keeps_every_lineage(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    assert lineages(clone) == lineages(published)
    assert lineages(clone, "blocs") == lineages(published, "blocs")
    assert len(set(lineages(clone).values())) == 6


def test_a_clone_of_a_clone_keeps_the_lineages_of_its_own_source(hub, published):
    """A competence marked in v2 has v2's lineage in v3, unmarked: v3 differs from v2 in
    nothing, and v1's evidence does not count for it on v3 either."""
    v2 = services.version_clone(actor=hub, version=published)
    marked = services.competence_update(
        actor=hub, competence=v2.competences.get(code="B1.C1"), substantially_changed=True
    )
    services.version_publish(actor=hub, version=v2)
    v3 = services.version_clone(actor=hub, version=v2)
    assert lineages(v3) == lineages(v2)
    continued = v3.competences.get(code="B1.C1")
    assert continued.lineage == marked.lineage != lineages(published)["B1.C1"]
    assert continued.substantially_changed is False


def test_an_import_inherits_the_lineages_by_code(hub, published):
    exported = export_reference(published, "json")
    rows = json.loads(exported.content)
    assert not any("lineage" in key for row in rows for key in row)  # not in the file format
    for row in rows:
        if row["competence_code"] == "B2.C3":
            row["competence_code"] = "B2.C9"
            row["criterion_code"] = row["criterion_code"].replace("B2.C3", "B2.C9")
    imported = import_reference(
        actor=hub,
        data=json.dumps(rows).encode(),
        fmt="json",
        code=published.referential.code,
    )
    assert services.lineage_source(imported) == published
    old, new = lineages(published), lineages(imported)
    assert {code: new[code] for code in new if code != "B2.C9"} == {
        code: old[code] for code in old if code != "B2.C3"
    }
    assert new["B2.C9"] not in old.values()
    assert lineages(imported, "blocs") == lineages(published, "blocs")


def test_the_first_version_of_a_referential_starts_its_own_lineages(hub, published):
    rows = json.loads(export_reference(published, "json").content)
    imported = import_reference(
        actor=hub, data=json.dumps(rows).encode(), fmt="json", code="autre", title="Autre"
    )
    assert not set(lineages(imported).values()) & set(lineages(published).values())


def test_content_created_in_a_draft_inherits_by_code(hub, published):
    draft = services.version_create(actor=hub, referential=published.referential)
    bloc = services.bloc_create(actor=hub, version=draft, code="B1", title="Accueillir")
    competence = services.competence_create(actor=hub, bloc=bloc, code="B1.C2", title="Écouter")
    new = services.competence_create(actor=hub, bloc=bloc, code="B1.C7", title="Nouvelle")
    assert bloc.lineage == published.blocs.get(code="B1").lineage
    assert competence.lineage == published.competences.get(code="B1.C2").lineage
    assert new.lineage not in lineages(published).values()


def test_renaming_keeps_the_lineage_and_frees_nothing(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    original = lineages(published)["B1.C1"]
    renamed = services.competence_update(
        actor=hub, competence=clone.competences.get(code="B1.C1"), code="B1.C9"
    )
    assert renamed.lineage == original
    # The old code is free again, but its lineage is taken by the renamed competence.
    recreated = services.competence_create(
        actor=hub, bloc=clone.blocs.get(code="B1"), code="B1.C1", title="Nouvelle"
    )
    assert recreated.lineage != original
    bloc = services.bloc_update(actor=hub, bloc=clone.blocs.get(code="B2"), code="B7")
    assert bloc.lineage == published.blocs.get(code="B2").lineage


def test_a_deleted_competence_recreated_with_its_code_continues_its_lineage(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    services.competence_delete(actor=hub, competence=clone.competences.get(code="B2.C1"))
    recreated = services.competence_create(
        actor=hub, bloc=clone.blocs.get(code="B2"), code="B2.C1", title="Réécrite"
    )
    assert recreated.lineage == lineages(published)["B2.C1"]


def test_marking_a_competence_substantially_changed_gives_it_a_lineage_of_its_own(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    inherited = lineages(published)["B1.C1"]
    competence = clone.competences.get(code="B1.C1")
    services.competence_update(actor=hub, competence=competence, substantially_changed=True)
    competence.refresh_from_db()
    marked = competence.lineage
    assert competence.substantially_changed and marked != inherited
    assert marked not in lineages(published).values()
    entry = AuditLog.objects.filter(action="competence.update").latest("pk")
    assert entry.data["fields"] == ["substantially_changed"]
    assert entry.data["lineage"] == str(marked)
    assert entry.data["previous_lineage"] == str(inherited)

    # Saving it again marked, or editing something else, keeps the same lineage.
    services.competence_update(
        actor=hub, competence=competence, title="Changée", substantially_changed=True
    )
    services.competence_update(actor=hub, competence=competence, title="Encore")
    competence.refresh_from_db()
    assert competence.lineage == marked and competence.substantially_changed

    services.competence_update(actor=hub, competence=competence, substantially_changed=False)
    competence.refresh_from_db()
    assert competence.lineage == inherited and not competence.substantially_changed


def test_unmarking_keeps_the_lineage_when_there_is_none_to_go_back_to(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    competence = services.competence_update(
        actor=hub,
        competence=clone.competences.get(code="B1.C1"),
        code="B1.C8",
        substantially_changed=True,
    )
    marked = competence.lineage
    services.competence_update(actor=hub, competence=competence, substantially_changed=False)
    competence.refresh_from_db()
    assert not competence.substantially_changed
    assert competence.lineage == marked  # no B1.C8 in version 1


def test_unmarking_does_not_take_a_lineage_another_competence_carries(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    inherited = lineages(published)["B1.C1"]
    first = services.competence_update(
        actor=hub,
        competence=clone.competences.get(code="B1.C1"),
        code="B1.C9",
        substantially_changed=True,
    )
    # B1.C1's lineage is free once the marked competence left it: a new B1.C1 takes it, then
    # moves to another code, and the marked one comes back to B1.C1.
    second = services.competence_create(
        actor=hub, bloc=clone.blocs.get(code="B1"), code="B1.C1", title="Reprise"
    )
    assert second.lineage == inherited
    services.competence_update(actor=hub, competence=second, code="B1.C5")
    services.competence_update(
        actor=hub, competence=first, code="B1.C1", substantially_changed=False
    )
    first.refresh_from_db()
    assert not first.substantially_changed
    assert first.lineage != inherited  # still carried by B1.C5


def test_marking_needs_an_earlier_version(hub, draft):
    competence = draft.competences.get(code="B1.C1")
    before = competence.lineage
    with pytest.raises(DomainError) as error:
        services.competence_update(actor=hub, competence=competence, substantially_changed=True)
    assert error.value.code == "no_lineage_source"
    assert error.value.field == "substantially_changed"
    assert "version précédente" in error.value.message
    competence.refresh_from_db()
    assert competence.lineage == before and not competence.substantially_changed


def test_marking_a_published_competence_is_refused(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    services.version_publish(actor=hub, version=clone)
    with pytest.raises(DomainError) as error:
        services.competence_update(
            actor=hub, competence=clone.competences.first(), substantially_changed=True
        )
    assert error.value.code == "version_frozen"


def test_a_stale_object_does_not_bring_an_old_lineage_back(hub, published):
    clone = services.version_clone(actor=hub, version=published)
    stale = clone.competences.get(code="B1.C1")
    fresh = clone.competences.get(code="B1.C1")
    services.competence_update(actor=hub, competence=fresh, substantially_changed=True)
    services.competence_update(actor=hub, competence=stale, title="Titre")
    stale.refresh_from_db()
    assert stale.substantially_changed and stale.lineage == fresh.lineage
