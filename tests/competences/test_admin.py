"""The admin reflects the freeze and saves through the services; its import uses
django-import-export with Socle's reader."""

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from competences import services
from competences.models import (
    Bloc,
    Pathway,
    PathwayRequirement,
    ReferentialVersion,
    VersionStatus,
)
from core.models import AuditLog
from tests import factories

from .conftest import counts, make_csv, row


class _FormParser(HTMLParser):
    """The values a browser would post for the page's main form."""

    def __init__(self):
        super().__init__()
        self.data = {}
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            else:
                self.data[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.lstrip("\n")


def form_data(response):
    parser = _FormParser()
    parser.feed(response.content.decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


def _change(model, pk):
    return reverse(f"admin:competences_{model}_change", args=[pk])


def test_hub_coordinators_use_the_admin(client_for, hub, published):
    client = client_for(hub)
    for model in (
        "referential",
        "referentialversion",
        "bloc",
        "competence",
        "criterion",
        "pathway",
    ):
        assert client.get(reverse(f"admin:competences_{model}_changelist")).status_code == 200


def test_mediators_do_not(client_for, user):
    user.is_staff = True
    user.save()
    response = client_for(user).get(reverse("admin:competences_referentialversion_changelist"))
    assert response.status_code == 403


@pytest.mark.parametrize("status", ["published", "retired"])
def test_a_frozen_version_is_read_only_in_the_admin(client_for, hub, published, status):
    if status == "retired":
        published.status = VersionStatus.RETIRED
        published.save()
    client = client_for(hub)
    response = client.get(_change("referentialversion", published.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "elle est figée et s'affiche en lecture seule" in html
    assert 'name="_save"' not in html
    assert 'name="blocs-TOTAL_FORMS"' not in html or 'name="blocs-0-code"' not in html
    bloc = published.blocs.get(code="B1")
    html = client.get(_change("bloc", bloc.pk)).content.decode()
    assert 'name="_save"' not in html and 'name="title"' not in html
    # Posting anyway is refused, and deleting too.
    response = client.post(_change("bloc", bloc.pk), {"title": "Changé", "code": "B1"})
    assert response.status_code == 403
    delete = reverse("admin:competences_referentialversion_delete", args=[published.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bloc.refresh_from_db()
    assert bloc.title == "Bloc 1"


def test_editing_a_draft_goes_through_the_services(client_for, hub, draft):
    client = client_for(hub)
    url = _change("referentialversion", draft.pk)
    data = form_data(client.get(url))
    total = int(data["blocs-TOTAL_FORMS"])
    data.update(
        {
            "notes": "Relecture du comité",
            "blocs-TOTAL_FORMS": str(total + 1),
            f"blocs-{total}-code": "B3",
            f"blocs-{total}-title": "Contribuer au réseau",
            f"blocs-{total}-order": "3",
            f"blocs-{total}-version": str(draft.pk),
            "blocs-0-title": "Accueillir",
        }
    )
    # Move the "acquired" threshold from level 3 to level 4 in the same save.
    for index in range(int(data["levels-TOTAL_FORMS"])):
        data.pop(f"levels-{index}-counts_as_acquired", None)
        if data[f"levels-{index}-rank"] == "4":
            data[f"levels-{index}-counts_as_acquired"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.notes == "Relecture du comité"
    assert draft.blocs.get(code="B3").title == "Contribuer au réseau"
    assert draft.blocs.get(code="B1").title == "Accueillir"
    assert list(draft.levels.filter(counts_as_acquired=True).values_list("rank", flat=True)) == [4]
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"version.update", "bloc.create", "bloc.update", "level.update"} <= actions


def test_a_code_taken_by_another_kind_is_a_form_error(client_for, hub, draft):
    client = client_for(hub)
    bloc = draft.blocs.get(code="B2")
    data = form_data(client.get(_change("bloc", bloc.pk)))
    data["code"] = "B1.C1"
    response = client.post(_change("bloc", bloc.pk), data)
    assert response.status_code == 200
    assert "est déjà utilisé par une compétence" in response.content.decode()
    bloc.refresh_from_db()
    assert bloc.code == "B2"


def test_adding_criteria_inline_on_a_competence(client_for, hub, draft):
    client = client_for(hub)
    competence = draft.competences.get(code="B1.C1")
    url = _change("competence", competence.pk)
    data = form_data(client.get(url))
    total = int(data["criteria-TOTAL_FORMS"])
    data.update(
        {
            "criteria-TOTAL_FORMS": str(total + 2),
            f"criteria-{total}-code": "B1.C1.9",
            f"criteria-{total}-text": "Nouveau critère",
            f"criteria-{total}-order": "9",
            f"criteria-{total}-competence": str(competence.pk),
            f"criteria-{total + 1}-code": "B1.C1.9",
            f"criteria-{total + 1}-text": "Doublon",
            f"criteria-{total + 1}-order": "10",
            f"criteria-{total + 1}-competence": str(competence.pk),
        }
    )
    response = client.post(url, data)
    assert "Ce code est saisi deux fois." in response.content.decode()
    data[f"criteria-{total + 1}-code"] = "B1.C1.10"
    assert client.post(url, data).status_code == 302
    assert competence.criteria.filter(code__in=["B1.C1.9", "B1.C1.10"]).count() == 2
    assert competence.criteria.get(code="B1.C1.9").version == draft


def test_version_actions_in_the_admin(client_for, hub, draft, published):
    client = client_for(hub)
    changelist = reverse("admin:competences_referentialversion_changelist")
    client.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    client.post(changelist, {"action": "clone", "_selected_action": [published.pk]})
    assert published.clones.get().status == VersionStatus.DRAFT
    response = client.post(
        changelist, {"action": "export_json", "_selected_action": [published.pk]}
    )
    assert response["Content-Type"] == "application/json"
    response = client.post(changelist, {"action": "retire", "_selected_action": [published.pk]})
    published.refresh_from_db()
    assert published.status == VersionStatus.RETIRED


def test_import_through_django_import_export_admin(client_for, hub):
    client = client_for(hub)
    url = reverse("admin:competences_referential_import")
    assert client.get(url).status_code == 200
    data = make_csv([row(), row(criterion="B1.C1.2")], encoding="cp1252")
    response = client.post(
        url,
        {
            "import_file": SimpleUploadedFile("ref.csv", data),
            "format": "0",
            "resource": "0",
            "code": "aidants",
            "title": "Aidants numériques",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "B1.C1.2" in html  # the preview
    assert not ReferentialVersion.objects.filter(referential__code="aidants").exists()  # dry run
    confirm = response.context["confirm_form"]
    process = reverse("admin:competences_referential_process_import")
    response = client.post(process, {**confirm.initial, "resource": "0"})
    version = ReferentialVersion.objects.get(referential__code="aidants")
    assert response.status_code == 302
    assert response["Location"] == _change("referentialversion", version.pk)
    assert version.criteria.count() == 2 and version.status == VersionStatus.DRAFT


def test_admin_import_refusal_lists_the_issues(client_for, hub):
    client = client_for(hub)
    before = counts()
    data = make_csv([row(), row(criterion="B1.C1.1")])
    response = client.post(
        reverse("admin:competences_referential_import"),
        {
            "import_file": SimpleUploadedFile("ref.csv", data),
            "format": "0",
            "resource": "0",
            "code": "x",
            "title": "X",
        },
    )
    html = response.content.decode()
    assert "code de critère « B1.C1.1 » en double (voir ligne 2)." in html
    assert "confirm" not in (response.context.get("confirm_form") or "")
    response = client.post(
        reverse("admin:competences_referential_import"),
        {
            "import_file": SimpleUploadedFile("ref.csv", b"\x81\x82;\x83"),
            "format": "0",
            "resource": "0",
            "code": "x",
            "title": "X",
        },
    )
    assert "encodage du fichier n&#x27;a pas pu être déterminé" in response.content.decode()
    assert counts() == before


def _pathway_post(version, blocs, requirements=()):
    data = {
        "version": str(version.pk),
        "code": "socle",
        "title": "Socle",
        "description": "",
        "audience": "novice",
        "min_attended_hours": "14",
        "validity_months": "36",
        "national_code": "",
        "is_active": "on",
        "pathway_blocs-TOTAL_FORMS": str(len(blocs)),
        "pathway_blocs-INITIAL_FORMS": "0",
        "requirements-TOTAL_FORMS": str(len(requirements)),
        "requirements-INITIAL_FORMS": "0",
    }
    for index, bloc in enumerate(blocs):
        data[f"pathway_blocs-{index}-bloc"] = str(bloc.pk)
        data[f"pathway_blocs-{index}-order"] = str(index + 1)
    for index, (competence, level) in enumerate(requirements):
        data[f"requirements-{index}-competence"] = str(competence.pk)
        data[f"requirements-{index}-required_level"] = str(level.pk)
    return data


def test_pathway_admin_enforces_blocs_and_requirements(client_for, hub, published):
    client = client_for(hub)
    url = reverse("admin:competences_pathway_add") + f"?version={published.pk}"
    assert client.get(url).status_code == 200
    b1 = published.blocs.get(code="B1")
    mastered = published.levels.get(rank=4)
    outside = published.competences.get(code="B2.C1")
    response = client.post(url, _pathway_post(published, [b1], [(outside, mastered)]))
    assert "ne fait pas partie des blocs du parcours" in response.content.decode()
    other = factories.make_reference()
    response = client.post(url, _pathway_post(published, [other.blocs.first()]))
    # The bloc list only offers the version's blocs, so a foreign bloc is not a valid choice.
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Pathway.objects.exists()

    inside = published.competences.get(code="B1.C2")
    response = client.post(url, _pathway_post(published, [b1], [(inside, mastered)]))
    assert response.status_code == 302
    pathway = Pathway.objects.get()
    assert list(pathway.blocs.values_list("code", flat=True)) == ["B1"]
    assert PathwayRequirement.objects.get().required_level == mastered
    assert AuditLog.objects.filter(action="pathway.create").exists()


def test_pathway_admin_refuses_a_draft_version(client_for, hub, draft):
    response = client_for(hub).post(
        reverse("admin:competences_pathway_add"), _pathway_post(draft, [draft.blocs.first()])
    )
    assert response.status_code == 200
    assert not Pathway.objects.exists()


def test_bloc_admin_add_offers_only_drafts(client_for, hub, draft, published):
    response = client_for(hub).get(reverse("admin:competences_bloc_add"))
    choices = list(response.context["adminform"].form.fields["version"].queryset)
    assert choices == [draft]
    assert Bloc.objects.filter(version=published).count() == 2


def test_adding_a_referential_and_a_version_in_the_admin(client_for, hub):
    client = client_for(hub)
    response = client.post(
        reverse("admin:competences_referential_add"),
        {
            "code": "aidants",
            "title": "Aidants numériques",
            "description": "",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    referential = factories.ReferentialFactory(code="aidants")  # get_or_create on code
    response = client.post(
        reverse("admin:competences_referentialversion_add"),
        {"referential": str(referential.pk), "notes": "Première version"},
    )
    assert response.status_code == 302
    version = referential.versions.get()
    assert (version.number, version.status, version.levels.count()) == (1, "draft", 4)
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"referential.create", "version.create"} <= actions


def test_a_bulk_deletion_refused_midway_deletes_nothing(client_for, hub, monkeypatch):
    """Another coordinator publishes the second selected draft while the first is deleted: the
    refusal was a 500 and left the first draft deleted."""
    first = factories.make_reference(status="draft")
    second = factories.make_reference(status="draft", referential=first.referential)
    real_delete = services.version_delete

    def delete_while_the_other_is_published(*, actor, version):
        ReferentialVersion.objects.filter(pk=second.pk).update(
            status=VersionStatus.PUBLISHED, published_at=timezone.now()
        )
        return real_delete(actor=actor, version=version)

    monkeypatch.setattr(services, "version_delete", delete_while_the_other_is_published)
    changelist = reverse("admin:competences_referentialversion_changelist")
    response = client_for(hub).post(
        changelist,
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert "ne peut plus être modifiée" in response.content.decode()
    assert ReferentialVersion.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def test_renaming_a_pathway_to_a_taken_code_is_a_form_error(client_for, hub, published):
    """The version being read-only on a change, Django skipped the (version, code) constraint
    and the service's full_clean() raised a 500."""
    pathway = factories.make_pathway(published, code="socle")
    factories.make_pathway(published, code="aidant")
    client = client_for(hub)
    url = _change("pathway", pathway.pk)
    data = form_data(client.get(url))
    data["code"] = "aidant"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Un autre parcours de cette version porte déjà ce code." in response.content.decode()
    pathway.refresh_from_db()
    assert pathway.code == "socle"


def test_a_validation_error_from_a_service_is_a_message_not_a_500(
    client_for, hub, draft, monkeypatch
):
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError({"notes": ["Refusé par le service."]})

    monkeypatch.setattr(services, "version_update", refuse)
    client = client_for(hub)
    url = _change("referentialversion", draft.pk)
    data = form_data(client.get(url))
    data["notes"] = "Nouvelle note"
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "Refusé par le service." in response.content.decode()
    draft.refresh_from_db()
    assert draft.notes == ""


def test_changing_a_requirements_competence_moves_the_requirement(client_for, hub, published):
    """The old competence kept its requirement: the row was added to, not changed."""
    pathway = factories.make_pathway(published, code="socle", requirements={"B1.C1": 4})
    client = client_for(hub)
    url = _change("pathway", pathway.pk)
    data = form_data(client.get(url))
    data["requirements-0-competence"] = str(published.competences.get(code="B1.C2").pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(pathway.requirements.values_list("competence__code", "required_level__rank")) == [
        ("B1.C2", 4)
    ]


def test_the_peer_confirmation_rule_is_a_checkbox_of_a_draft(client_for, hub, draft, published):
    client = client_for(hub)
    url = _change("referentialversion", draft.pk)
    response = client.get(url)
    html = response.content.decode()
    assert 'type="checkbox" name="peer_assessment_needs_confirmation"' in html
    assert "une fois confirmée par un formateur habilité" in html
    data = form_data(response)
    assert data.pop("peer_assessment_needs_confirmation") == "on"
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.peer_assessment_needs_confirmation is False
    entry = AuditLog.objects.filter(action="version.update").latest("pk")
    assert entry.data["peer_assessment_needs_confirmation"] is False
    # Frozen with the version: shown, not editable.
    html = client.get(_change("referentialversion", published.pk)).content.decode()
    assert "Évaluations par un pair à confirmer" in html
    assert 'name="peer_assessment_needs_confirmation"' not in html


def test_a_new_version_in_the_admin_gets_the_peer_confirmation_rule(client_for, hub):
    referential = factories.ReferentialFactory(code="aidants")
    client = client_for(hub)
    add = reverse("admin:competences_referentialversion_add")
    assert 'name="peer_assessment_needs_confirmation"' in client.get(add).content.decode()
    response = client.post(add, {"referential": str(referential.pk), "notes": ""})
    assert response.status_code == 302
    assert referential.versions.get().peer_assessment_needs_confirmation is False  # unticked


def test_substantially_changed_is_offered_only_when_there_is_an_earlier_version(
    client_for, hub, draft, published
):
    client = client_for(hub)
    first = draft.competences.get(code="B1.C1")
    assert (
        'name="substantially_changed"'
        not in client.get(_change("competence", first.pk)).content.decode()
    )
    assert (
        'name="substantially_changed"'
        not in client.get(reverse("admin:competences_competence_add")).content.decode()
    )

    clone = services.version_clone(actor=hub, version=published)
    competence = clone.competences.get(code="B1.C1")
    url = _change("competence", competence.pk)
    response = client.get(url)
    html = response.content.decode()
    assert 'name="substantially_changed"' in html
    assert "ne comptent plus pour cette compétence" in html  # the help text
    data = form_data(response)
    data["substantially_changed"] = "on"
    assert client.post(url, data).status_code == 302
    competence.refresh_from_db()
    assert competence.substantially_changed
    assert competence.lineage != published.competences.get(code="B1.C1").lineage
    # Saving the page again (title only) keeps its new lineage; unticking gives the old back.
    marked = competence.lineage
    data["title"] = "Écouter"
    assert client.post(url, data).status_code == 302
    competence.refresh_from_db()
    assert competence.lineage == marked
    data.pop("substantially_changed")
    assert client.post(url, data).status_code == 302
    competence.refresh_from_db()
    assert competence.lineage == published.competences.get(code="B1.C1").lineage


def test_a_bloc_national_code_is_edited_on_a_draft(client_for, hub, draft):
    client = client_for(hub)
    bloc = draft.blocs.get(code="B1")
    url = _change("bloc", bloc.pk)
    data = form_data(client.get(url))
    assert data["national_code"] == ""
    data["national_code"] = "RNCP37445-BC02"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Un code France Compétences" in response.content.decode()
    data["national_code"] = "RNCP37445BC02"
    assert client.post(url, data).status_code == 302
    bloc.refresh_from_db()
    assert bloc.national_code == "RNCP37445BC02"
    add = reverse("admin:competences_bloc_add")
    response = client.post(
        add,
        {
            "version": str(draft.pk),
            "code": "B3",
            "national_code": "RS5678",
            "title": "Animer",
            "description": "",
            "evaluation_modalities": "",
            "order": "3",
            "competences-TOTAL_FORMS": "0",
            "competences-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert draft.blocs.get(code="B3").national_code == "RS5678"


def test_a_pathway_national_code_is_checked_by_the_form(client_for, hub, published):
    client = client_for(hub)
    url = reverse("admin:competences_pathway_add") + f"?version={published.pk}"
    assert 'name="national_code"' in client.get(url).content.decode()
    data = _pathway_post(published, [published.blocs.get(code="B1")])
    data["national_code"] = "RNCP 37445"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Un code France Compétences" in response.content.decode()
    assert not Pathway.objects.exists()
    data["national_code"] = "RNCP37445"
    assert client.post(url, data).status_code == 302
    assert Pathway.objects.get().national_code == "RNCP37445"
