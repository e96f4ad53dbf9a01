"""The hub edits a draft version of the competency reference from Socle's own pages: every
write goes through the services (lineage, codes, audit log), a published version stays frozen,
bad input shows the field's error and writes nothing, and the others are refused."""

import pytest
from django.urls import reverse

from competences import services
from competences.models import Bloc, Competence, Criterion, ProficiencyLevel
from core.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub():
    return factories.HubCoordinatorFactory()


@pytest.fixture
def draft():
    return factories.make_reference(blocs=2, competences=2, criteria=2, status="draft")


def _url(name, version, **kwargs):
    return reverse(
        f"competences:{name}",
        kwargs={"code": version.referential.code, "number": version.number, **kwargs},
    )


def _detail(version):
    return _url("version_detail", version)


def _rows():
    return (
        list(Bloc.objects.values_list("pk", "code", "title", "order")),
        list(Competence.objects.values_list("pk", "code", "title", "bloc_id", "lineage")),
        list(Criterion.objects.values_list("pk", "code", "text", "competence_id")),
        list(ProficiencyLevel.objects.values_list("pk", "label", "description")),
    )


def _content_log():
    """Audit entries of the reference's writes (logging in writes its own)."""
    return AuditLog.objects.filter(action__regex=r"^(version|bloc|competence|criterion|level)\.")


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# The version page ------------------------------------------------------------------------------


def test_draft_page_links_to_the_edit_pages_not_the_admin(client_for, hub, draft):
    response = client_for(hub).get(_detail(draft))
    html = response.content.decode()
    bloc = draft.blocs.get(code="B1")
    competence = draft.competences.get(code="B1.C1")
    criterion = draft.criteria.get(code="B1.C1.1")
    level = draft.levels.first()
    for url in (
        _url("draft_update", draft),
        _url("draft_bloc_create", draft),
        _url("draft_bloc_update", draft, pk=bloc.pk),
        _url("draft_bloc_delete", draft, pk=bloc.pk),
        _url("draft_competence_create", draft, bloc_pk=bloc.pk),
        _url("draft_competence_update", draft, pk=competence.pk),
        _url("draft_competence_delete", draft, pk=competence.pk),
        _url("draft_criterion_create", draft, competence_pk=competence.pk),
        _url("draft_criterion_update", draft, pk=criterion.pk),
        _url("draft_criterion_delete", draft, pk=criterion.pk),
        _url("draft_level_update", draft, pk=level.pk),
    ):
        assert f'href="{url}"' in html
    assert "/admin/" not in html


def test_published_page_has_no_edit_link(client_for, hub):
    published = factories.make_reference(blocs=1, competences=1, criteria=1)
    html = client_for(hub).get(_detail(published)).content.decode()
    assert "/brouillon/" not in html


def test_manage_page_no_longer_sends_drafts_to_the_admin(client_for, hub, draft):
    html = client_for(hub).get(reverse("competences:manage")).content.decode()
    assert "que vous modifiez dans l&#x27;administration" not in html
    assert "referentialversion" not in html
    assert f'href="{_detail(draft)}"' in html


@pytest.mark.parametrize("size", [1, 4])
def test_draft_page_query_count_does_not_grow(client_for, hub, size, django_assert_max_num_queries):
    draft = factories.make_reference(blocs=size, competences=size, criteria=size, status="draft")
    client = client_for(hub)
    client.get(_detail(draft))  # session and caches warmed
    with django_assert_max_num_queries(13):
        response = client.get(_detail(draft))
    assert response.status_code == 200
    assert response.content.decode().count("/brouillon/critere/") == 2 * size**3


# The version's notes and rule ----------------------------------------------------------------


def test_hub_edits_the_version_notes(client_for, hub, draft):
    response = client_for(hub).post(
        _url("draft_update", draft),
        {"notes": "Refonte du bloc 2.", "peer_assessment_needs_confirmation": "on"},
        follow=True,
    )
    draft.refresh_from_db()
    assert draft.notes == "Refonte du bloc 2."
    assert draft.peer_assessment_needs_confirmation is True
    assert response.redirect_chain[-1][0] == _detail(draft)
    assert "Le brouillon" in " ".join(_messages(response))
    entry = AuditLog.objects.get(action="version.update")
    assert entry.actor == hub and "notes" in entry.data["fields"]


# Blocs ---------------------------------------------------------------------------------------


def test_hub_adds_a_bloc(client_for, hub, draft):
    client = client_for(hub)
    assert client.get(_url("draft_bloc_create", draft)).status_code == 200
    response = client.post(
        _url("draft_bloc_create", draft),
        {"code": "B3", "title": "Accompagner en ligne", "description": "", "order": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{_detail(draft)}#B3"
    bloc = draft.blocs.get(code="B3")
    assert (bloc.title, bloc.order) == ("Accompagner en ligne", 3)
    assert AuditLog.objects.filter(action="bloc.create", target_id=str(bloc.pk)).exists()


def test_hub_edits_a_bloc(client_for, hub, draft):
    bloc = draft.blocs.get(code="B1")
    client = client_for(hub)
    form = client.get(_url("draft_bloc_update", draft, pk=bloc.pk))
    assert 'value="Bloc 1"' in form.content.decode()
    response = client.post(
        _url("draft_bloc_update", draft, pk=bloc.pk),
        {"code": "B1", "title": "Bloc un", "evaluation_modalities": "Mise en situation"},
    )
    assert response.status_code == 302
    bloc.refresh_from_db()
    assert (bloc.title, bloc.evaluation_modalities, bloc.order) == (
        "Bloc un",
        "Mise en situation",
        1,  # left empty: the bloc keeps its place
    )
    entry = AuditLog.objects.get(action="bloc.update")
    assert entry.data["fields"] == ["evaluation_modalities", "title"]


def test_bloc_code_already_used_shows_the_field_error_and_writes_nothing(client_for, hub, draft):
    bloc = draft.blocs.get(code="B1")
    before = _rows()
    response = client_for(hub).post(
        _url("draft_bloc_update", draft, pk=bloc.pk),
        {"code": "B2.C1", "title": "Bloc un"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "déjà utilisé par une compétence" in errors["code"][0]
    assert 'href="#id_code">Code</a>' in response.content.decode()
    assert _rows() == before
    assert not AuditLog.objects.filter(action__startswith="bloc.").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "B 3", "title": "Un bloc"}, "code", "sans espace"),
        ({"code": "B3", "title": ""}, "title", "obligatoire"),
        ({"code": "B3", "title": "x" * 256}, "title", "255"),
        ({"code": "B3", "title": "Un bloc", "order": "-1"}, "order", "0"),
    ],
)
def test_bad_bloc_input_names_the_field(client_for, hub, draft, data, field, message):
    before = _rows()
    response = client_for(hub).post(_url("draft_bloc_create", draft), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert _rows() == before
    assert not _content_log().exists()


def test_hub_deletes_a_bloc_after_confirming(client_for, hub, draft):
    bloc = draft.blocs.get(code="B2")
    client = client_for(hub)
    confirm = client.get(_url("draft_bloc_delete", draft, pk=bloc.pk))
    assert confirm.status_code == 200
    assert "Confirmer la suppression" in confirm.content.decode()
    assert Bloc.objects.filter(pk=bloc.pk).exists()  # the GET deletes nothing
    response = client.post(_url("draft_bloc_delete", draft, pk=bloc.pk), follow=True)
    assert not Bloc.objects.filter(pk=bloc.pk).exists()
    assert not draft.competences.filter(code__startswith="B2.").exists()
    assert "Le bloc B2 est supprimé." in _messages(response)
    assert AuditLog.objects.filter(action="bloc.delete", target_id=str(bloc.pk)).exists()


# Competences ---------------------------------------------------------------------------------


def test_hub_adds_a_competence_to_a_bloc(client_for, hub, draft):
    bloc = draft.blocs.get(code="B2")
    client = client_for(hub)
    form = client.get(_url("draft_competence_create", draft, bloc_pk=bloc.pk))
    assert "substantially_changed" not in form.context["form"].fields
    response = client.post(
        _url("draft_competence_create", draft, bloc_pk=bloc.pk),
        {"code": "B2.C3", "title": "Protéger ses données", "bloc": bloc.pk},
    )
    assert response["Location"] == f"{_detail(draft)}#B2.C3"
    competence = draft.competences.get(code="B2.C3")
    assert (competence.bloc, competence.order) == (bloc, 3)
    assert AuditLog.objects.filter(action="competence.create").count() == 1


def test_hub_edits_and_moves_a_competence(client_for, hub, draft):
    competence = draft.competences.get(code="B1.C1")
    other_bloc = draft.blocs.get(code="B2")
    response = client_for(hub).post(
        _url("draft_competence_update", draft, pk=competence.pk),
        {"code": "B2.C9", "title": "Nouvel intitulé", "bloc": other_bloc.pk, "order": "9"},
    )
    assert response.status_code == 302
    competence.refresh_from_db()
    assert (competence.code, competence.title, competence.bloc, competence.order) == (
        "B2.C9",
        "Nouvel intitulé",
        other_bloc,
        9,
    )
    entry = AuditLog.objects.get(action="competence.update")
    assert entry.data["fields"] == ["bloc", "code", "order", "title"]


def test_competence_of_a_clone_keeps_its_lineage_and_can_be_marked_changed(client_for, hub):
    published = factories.make_reference(blocs=1, competences=2, criteria=1)
    draft = services.version_clone(actor=hub, version=published)
    source = published.competences.get(code="B1.C1")
    competence = draft.competences.get(code="B1.C1")
    assert competence.lineage == source.lineage
    url = _url("draft_competence_update", draft, pk=competence.pk)
    client = client_for(hub)
    assert "substantially_changed" in client.get(url).context["form"].fields
    data = {"code": "B1.C1", "title": "Refondue", "bloc": competence.bloc_id}
    client.post(url, {**data, "substantially_changed": "on"})
    competence.refresh_from_db()
    assert competence.substantially_changed and competence.lineage != source.lineage
    client.post(url, data)  # unticked: the evidence of version 1 counts again
    competence.refresh_from_db()
    assert not competence.substantially_changed and competence.lineage == source.lineage


def test_competence_of_another_version_is_not_found(client_for, hub, draft):
    other = factories.make_reference(blocs=1, competences=1, criteria=1, status="draft")
    competence = other.competences.get()
    client = client_for(hub)
    assert client.get(_url("draft_competence_update", draft, pk=competence.pk)).status_code == 404
    response = client.post(_url("draft_competence_delete", draft, pk=competence.pk))
    assert response.status_code == 404
    assert Competence.objects.filter(pk=competence.pk).exists()


def test_bloc_of_another_version_is_refused_as_a_choice(client_for, hub, draft):
    competence = draft.competences.get(code="B1.C1")
    foreign = factories.make_reference(blocs=1, competences=1, criteria=1, status="draft")
    before = _rows()
    response = client_for(hub).post(
        _url("draft_competence_update", draft, pk=competence.pk),
        {"code": "B1.C1", "title": "Autre", "bloc": foreign.blocs.get().pk},
    )
    assert response.status_code == 400
    assert "bloc" in response.context["form"].errors
    assert _rows() == before


def test_hub_deletes_a_competence(client_for, hub, draft):
    competence = draft.competences.get(code="B1.C2")
    response = client_for(hub).post(
        _url("draft_competence_delete", draft, pk=competence.pk), follow=True
    )
    assert not Competence.objects.filter(pk=competence.pk).exists()
    assert "La compétence B1.C2 est supprimée." in _messages(response)
    assert AuditLog.objects.filter(action="competence.delete").count() == 1


# Criteria ------------------------------------------------------------------------------------


def test_hub_adds_edits_and_deletes_a_criterion(client_for, hub, draft):
    competence = draft.competences.get(code="B1.C1")
    client = client_for(hub)
    response = client.post(
        _url("draft_criterion_create", draft, competence_pk=competence.pk),
        {"code": "B1.C1.3", "text": "Crée un mot de passe robuste", "competence": competence.pk},
    )
    assert response["Location"] == f"{_detail(draft)}#B1.C1.3"
    criterion = draft.criteria.get(code="B1.C1.3")
    assert (criterion.competence, criterion.order) == (competence, 3)

    response = client.post(
        _url("draft_criterion_update", draft, pk=criterion.pk),
        {"code": "B1.C1.3", "text": "Crée et retient un mot de passe", "competence": competence.pk},
    )
    criterion.refresh_from_db()
    assert criterion.text == "Crée et retient un mot de passe"

    client.post(_url("draft_criterion_delete", draft, pk=criterion.pk))
    assert not Criterion.objects.filter(pk=criterion.pk).exists()
    assert list(
        AuditLog.objects.filter(action__startswith="criterion.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["criterion.create", "criterion.update", "criterion.delete"]


def test_empty_criterion_text_names_the_field(client_for, hub, draft):
    criterion = draft.criteria.get(code="B1.C1.1")
    before = _rows()
    response = client_for(hub).post(
        _url("draft_criterion_update", draft, pk=criterion.pk),
        {"code": "B1.C1.1", "text": "  ", "competence": criterion.competence_id},
    )
    assert response.status_code == 400
    assert "text" in response.context["form"].errors
    assert "Critère observable</a>" in response.content.decode()
    assert _rows() == before


# The scale -------------------------------------------------------------------------------------


def test_hub_edits_a_level(client_for, hub, draft):
    level = draft.levels.order_by("rank").first()
    response = client_for(hub).post(
        _url("draft_level_update", draft, pk=level.pk),
        {"label": "Premiers pas", "description": "Fait avec de l'aide."},
    )
    assert response["Location"] == f"{_detail(draft)}#echelle"
    level.refresh_from_db()
    assert (level.label, level.description) == ("Premiers pas", "Fait avec de l'aide.")
    entry = AuditLog.objects.get(action="level.update")
    assert entry.data["fields"] == ["description", "label"]


def test_unchanged_form_writes_nothing(client_for, hub, draft):
    level = draft.levels.order_by("rank").first()
    response = client_for(hub).post(
        _url("draft_level_update", draft, pk=level.pk),
        {"label": level.label, "description": level.description},
        follow=True,
    )
    assert "Aucune modification" in " ".join(_messages(response))
    assert not _content_log().exists()
