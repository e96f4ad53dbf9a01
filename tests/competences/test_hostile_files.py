"""Hostile or broken files: each is refused with a French message, never a crash, and nothing
is written."""

import pytest

from competences.importing import ImportRefused, import_reference

from .conftest import counts


def _refused(hub, data, fmt):
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        import_reference(actor=hub, data=data, fmt=fmt, code="mediation", title="Médiation")
    assert counts() == before, "a refused import must write nothing"
    return [str(issue) for issue in refused.value.issues]


def test_json_nested_past_the_recursion_limit_is_refused(hub):
    issues = _refused(hub, b"[" * 100_000 + b"]" * 100_000, "json")
    assert issues == [
        "Le JSON est imbriqué trop profondément : une liste d'objets simples est attendue."
    ]


def test_json_with_a_huge_integer_is_refused(hub):
    issues = _refused(hub, b'[{"bloc_code": ' + b"1" * 5000 + b"}]", "json")
    assert issues == ["Le JSON contient un nombre démesuré : ce n'est pas un référentiel."]
