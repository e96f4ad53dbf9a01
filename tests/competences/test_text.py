"""Stored text comes back unchanged from an export and an import, in every format."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from competences import services
from competences.diff import diff_versions
from competences.exporting import export_reference
from competences.importing import import_reference
from tests import factories

from .test_admin import form_data


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_text_typed_in_a_textarea_survives_a_round_trip(hub, fmt):
    """A browser sends "\r\n" line ends; the import reads "\n" and strips each cell."""
    version = factories.make_reference(blocs=1, competences=1, criteria=1, status="draft")
    services.criterion_update(
        actor=hub, criterion=version.criteria.get(), text="  Repère l'échéance\r\net agit  "
    )
    services.bloc_update(
        actor=hub, bloc=version.blocs.get(), evaluation_modalities="Mise en situation\r20 min"
    )
    criterion = version.criteria.get()
    assert criterion.text == "Repère l'échéance\net agit"
    back = import_reference(
        actor=hub,
        data=export_reference(version, fmt).content,
        fmt=fmt,
        code=version.referential.code,
    )
    assert services.content_as_dicts(back) == services.content_as_dicts(version)
    assert diff_versions(version, back).is_empty


@pytest.mark.parametrize("character", ["\x0b", "\x0c", "\x00", "\x1f"])
def test_control_characters_are_refused(hub, draft, character):
    """Word's line break (\x0b) made the XLSX export crash and the CSV round trip fail."""
    criterion = draft.criteria.first()
    with pytest.raises(ValidationError) as error:
        services.criterion_update(actor=hub, criterion=criterion, text=f"Ligne{character}suite")
    assert "caractère de contrôle" in str(error.value.message_dict["text"])
    criterion.refresh_from_db()
    assert criterion.text.startswith("Critère")


def test_the_admin_shows_a_control_character_on_its_field(client_for, hub, draft):
    client = client_for(hub)
    competence = draft.competences.first()
    url = reverse("admin:competences_competence_change", args=[competence.pk])
    data = form_data(client.get(url))
    data["description"] = "Première ligne\x0bseconde"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "caractère de contrôle" in response.content.decode()
    competence.refresh_from_db()
    assert competence.description == ""
