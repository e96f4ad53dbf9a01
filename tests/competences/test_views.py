"""Socle pages of the reference: browse, search, export, compare, pathways, hub management."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from competences import services
from competences.importing import MAX_BYTES
from competences.models import ReferentialVersion, VersionStatus
from tests import factories

from .conftest import counts, make_csv, row


def _detail(version, **query):
    url = reverse("competences:version_detail", args=[version.referential.code, version.number])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


# Browsing -------------------------------------------------------------------------------------


def test_a_mediator_browses_a_published_version_with_anchors(client_for, user, published):
    published.blocs.filter(code="B1").update(evaluation_modalities="Mise en situation observée.")
    response = client_for(user).get(_detail(published))
    assert response.status_code == 200
    html = response.content.decode()
    for anchor in (
        'id="B1"',
        'id="B1.C2"',
        'id="B2.C3.2"',
        'href="' + _detail(published) + '#B2.C1"',
    ):
        assert anchor in html
    assert "Mise en situation observée." in html
    assert "Modalités d'évaluation" in html
    assert "seuil « acquis »" in html


def test_drafts_are_for_the_hub_only(client_for, user, hub, draft):
    assert client_for(user).get(_detail(draft)).status_code == 404
    response = client_for(hub).get(_detail(draft))
    assert response.status_code == 200
    assert "Brouillon" in response.content.decode()


def test_a_retired_version_stays_readable(client_for, user, hub, published):
    services.version_retire(actor=hub, version=published)
    response = client_for(user).get(_detail(published))
    assert response.status_code == 200
    assert "Cette version est retirée" in response.content.decode()


def test_unknown_version_is_404(client_for, user, published):
    url = reverse("competences:version_detail", args=[published.referential.code, 99])
    assert client_for(user).get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, published):
    response = client.get(_detail(published))
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_search_filters_server_side_accent_insensitively(client_for, user, published):
    criterion = published.criteria.get(code="B2.C1.2")
    criterion.text = "Explique la démarche FranceConnect"
    criterion.save()
    response = client_for(user).get(_detail(published, q="DEMARCHE"))
    html = response.content.decode()
    assert "1 élément correspond à « DEMARCHE »." in html
    assert 'id="B2.C1.2"' in html
    assert "<mark>démarche</mark>" in html
    assert 'id="B1.C1.1"' not in html and 'id="B2.C1.1"' not in html  # filtered out
    assert 'id="B2.C1"' in html  # its competence and bloc give the context
    assert 'id="B2"' in html


def test_search_on_a_competence_keeps_its_criteria(client_for, user, published):
    html = client_for(user).get(_detail(published, q="Compétence 1.2")).content.decode()
    assert 'id="B1.C2.1"' in html and 'id="B1.C2.2"' in html
    assert 'id="B1.C1.1"' not in html


def test_search_without_results(client_for, user, published):
    html = client_for(user).get(_detail(published, q="introuvable")).content.decode()
    assert "Aucun élément ne correspond" in html


def test_search_escapes_what_it_highlights(client_for, user, published):
    html = client_for(user).get(_detail(published, q="<script>")).content.decode()
    assert "<script>" not in html.split("</header>")[1].replace("<script src=", "")


@pytest.mark.parametrize("size", [(1, 1, 1), (8, 6, 4)])
def test_browse_page_costs_a_constant_number_of_queries(
    client_for, user, size, django_assert_max_num_queries
):
    blocs, competences, criteria = size
    version = factories.make_reference(blocs=blocs, competences=competences, criteria=criteria)
    pathway = factories.PathwayFactory(version=version, with_blocs=list(version.blocs.all()))
    client = client_for(user)
    client.get("/")  # warm the session
    with django_assert_max_num_queries(15):
        response = client.get(_detail(version))
    assert response.status_code == 200
    assert response.content.decode().count('class="competence"') == blocs * competences
    with django_assert_max_num_queries(15):
        assert client.get(_detail(version, q="Critère")).status_code == 200
    pathway_url = reverse(
        "competences:pathway_detail",
        args=[version.referential.code, version.number, pathway.code],
    )
    with django_assert_max_num_queries(15):
        response = client.get(pathway_url)
    assert response.content.decode().count("3 — Acquis") == blocs * competences + 1


@pytest.mark.parametrize("size", [(1, 1, 1), (6, 5, 3)])
def test_hub_pages_cost_a_constant_number_of_queries(
    client_for, hub, size, django_assert_max_num_queries
):
    for _ in range(2):
        version = factories.make_reference(blocs=size[0], competences=size[1], criteria=size[2])
        services.version_clone(actor=hub, version=version)
        factories.PathwayFactory(version=version)
    client = client_for(hub)
    client.get("/")
    for url in (reverse("competences:manage"), reverse("competences:index")):
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200
    compare = reverse("competences:compare", args=[version.referential.code])
    with django_assert_max_num_queries(20):
        assert client.get(compare + "?old=1&new=2").status_code == 200


def test_index_lists_published_versions_and_open_pathways(client_for, user, hub, published, draft):
    pathway = factories.PathwayFactory(version=published, title="Socle du médiateur")
    retired = factories.make_reference(referential=published.referential, status="retired")
    html = client_for(user).get(reverse("competences:index")).content.decode()
    assert published.referential.title in html
    assert draft.referential.title not in html
    assert _detail(retired) in html  # retired versions stay listed: assessments point to them
    assert "Socle du médiateur" in html
    assert (
        reverse(
            "competences:pathway_detail",
            args=[published.referential.code, published.number, pathway.code],
        )
        in html
    )
    html = client_for(hub).get(reverse("competences:index")).content.decode()
    assert draft.referential.title in html


def test_home_panel_and_navigation(client_for, user, hub, published):
    html = client_for(user).get("/").content.decode()
    assert "Référentiel de compétences" in html
    assert reverse("competences:index") in html
    assert reverse("competences:manage") not in html
    html = client_for(hub).get("/").content.decode()
    assert "Gestion du référentiel" in html


# Export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, content_type",
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("json", "application/json"),
    ],
)
def test_export_links(client_for, user, published, fmt, content_type):
    url = reverse(
        "competences:version_export", args=[published.referential.code, published.number, fmt]
    )
    response = client_for(user).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert (
        f'filename="{published.referential.code}-v{published.number}.{fmt}"'
        in response["Content-Disposition"]
    )


def test_export_of_a_draft_is_for_the_hub_and_unknown_formats_404(client_for, user, hub, draft):
    url = reverse("competences:version_export", args=[draft.referential.code, draft.number, "csv"])
    assert client_for(user).get(url).status_code == 404
    assert client_for(hub).get(url).status_code == 200
    bad = reverse("competences:version_export", args=[draft.referential.code, draft.number, "pdf"])
    assert client_for(hub).get(bad).status_code == 404


# Compare --------------------------------------------------------------------------------------


def test_compare_two_versions(client_for, user, hub, published):
    clone = services.version_clone(actor=hub, version=published)
    services.bloc_update(actor=hub, bloc=clone.blocs.get(code="B1"), title="Accueillir")
    services.criterion_delete(actor=hub, criterion=clone.criteria.get(code="B2.C3.2"))
    services.version_publish(actor=hub, version=clone)
    url = reverse("competences:compare", args=[published.referential.code])
    html = (
        client_for(user).get(url, {"old": published.number, "new": clone.number}).content.decode()
    )
    assert "0 ajout, 1 suppression, 1 modification." in html
    assert "B2.C3.2" in html
    assert "<del>Bloc 1</del>" in html and "<ins>Accueillir</ins>" in html


def test_mediators_cannot_compare_drafts(client_for, user, hub, published):
    clone = services.version_clone(actor=hub, version=published)
    url = reverse("competences:compare", args=[published.referential.code])
    response = client_for(user).get(url, {"old": published.number, "new": clone.number})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    response = client_for(hub).get(url, {"old": published.number, "new": clone.number})
    assert "Les deux versions ont le même contenu." in response.content.decode()


def test_compare_unknown_referential_is_404(client_for, user):
    assert client_for(user).get(reverse("competences:compare", args=["inconnu"])).status_code == 404


# Pathways -------------------------------------------------------------------------------------


def test_pathway_page_shows_blocs_competences_levels_hours_validity(
    client_for, user, hub, published
):
    pathway = services.pathway_create(
        actor=hub,
        version=published,
        code="socle",
        title="Socle du médiateur",
        audience="novice",
        blocs=[published.blocs.get(code="B2")],
        min_attended_hours=14,
        validity_months=36,
    )
    services.pathway_requirement_set(
        actor=hub,
        pathway=pathway,
        competence=published.competences.get(code="B2.C2"),
        level=published.levels.get(rank=4),
    )
    url = reverse(
        "competences:pathway_detail", args=[published.referential.code, published.number, "socle"]
    )
    html = client_for(user).get(url).content.decode()
    assert "Socle du médiateur" in html
    assert "14 h" in html and "36 mois" in html
    assert "B2.C1" in html and "B1.C1" not in html
    assert "4 — Maîtrisé" in html and "exigence renforcée" in html
    assert "3 — Acquis" in html
    assert "à confirmer par un formateur habilité" in html
    missing = reverse(
        "competences:pathway_detail", args=[published.referential.code, published.number, "x"]
    )
    assert client_for(user).get(missing).status_code == 404


def test_pathway_page_shows_national_codes_and_the_versions_rule(client_for, user, published):
    published.blocs.filter(code="B2").update(national_code="RNCP37445BC02")
    published.peer_assessment_needs_confirmation = False
    published.save(update_fields=["peer_assessment_needs_confirmation"])
    pathway = factories.make_pathway(published, code="socle", national_code="RNCP37445")
    url = reverse(
        "competences:pathway_detail", args=[published.referential.code, published.number, "socle"]
    )
    html = client_for(user).get(url).content.decode()
    assert "<dd>RNCP37445</dd>" in html
    assert "Code France Compétences : RNCP37445BC02" in html
    assert "comptent directement" in html
    assert "à confirmer par un formateur habilité" not in html
    pathway.national_code = ""
    pathway.save(update_fields=["national_code"])
    assert "Code France Compétences</dt>" not in client_for(user).get(url).content.decode()


def test_version_page_shows_the_rule_national_codes_and_marked_competences(
    client_for, user, hub, published
):
    published.blocs.filter(code="B1").update(national_code="RNCP37445BC01")
    html = client_for(user).get(_detail(published)).content.decode()
    assert "Code France Compétences : RNCP37445BC01" in html
    assert "ne comptent qu'une fois confirmées par un formateur habilité" in html
    assert "modifiée en profondeur" not in html

    clone = services.version_clone(
        actor=hub, version=published, peer_assessment_needs_confirmation=False
    )
    services.competence_update(
        actor=hub, competence=clone.competences.get(code="B1.C2"), substantially_changed=True
    )
    html = client_for(hub).get(_detail(clone)).content.decode()
    assert "Les évaluations faites par un formateur pair comptent sans confirmation." in html
    assert html.count('<span class="badge badge-warn">modifiée en profondeur</span>') == 1


# Hub management ---------------------------------------------------------------------------------


def _action(name, version):
    return reverse(f"competences:{name}", args=[version.referential.code, version.number])


@pytest.mark.parametrize(
    "url_name",
    ["manage", "import"],
)
def test_hub_pages_are_refused_to_mediators(client_for, user, url_name):
    assert client_for(user).get(reverse(f"competences:{url_name}")).status_code == 403


@pytest.mark.parametrize("action", ["publish", "clone", "retire", "delete"])
def test_version_actions_are_refused_to_mediators_and_need_post(
    client_for, user, hub, published, action
):
    assert client_for(user).post(_action(action, published)).status_code == 403
    assert client_for(hub).get(_action(action, published)).status_code == 405


def test_manage_page_lists_versions_with_actions(client_for, hub, published, draft):
    html = client_for(hub).get(reverse("competences:manage")).content.decode()
    assert f"Publier la version {draft.number}" in html
    assert f"Retirer la version {published.number}" in html
    assert f"Nouvelle version à partir de la {published.number}" in html
    assert "Retirer les versions publiées précédentes" in html
    assert "ne retire pas les précédentes" in html


def test_hub_clones_publishes_and_retires(client_for, hub, published):
    client = client_for(hub)
    response = client.post(_action("clone", published), follow=True)
    clone = ReferentialVersion.objects.get(
        referential=published.referential, number=published.number + 1
    )
    assert "est créée en brouillon" in response.content.decode()
    client.post(_action("publish", clone), {"retire_previous": "on"})
    clone.refresh_from_db()
    published.refresh_from_db()
    assert clone.status == VersionStatus.PUBLISHED
    assert published.status == VersionStatus.RETIRED
    client.post(_action("retire", clone))
    clone.refresh_from_db()
    assert clone.status == VersionStatus.RETIRED


def test_publishing_an_incomplete_draft_says_why(client_for, hub, draft):
    draft.criteria.filter(competence__code="B1.C1").delete()
    response = client_for(hub).post(_action("publish", draft), follow=True)
    assert "la compétence B1.C1 n&#x27;a aucun critère" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_deleting_a_published_version_says_to_create_a_new_one(client_for, hub, published, draft):
    response = client_for(hub).post(_action("delete", published), follow=True)
    assert "Créez une nouvelle version" in response.content.decode()
    assert ReferentialVersion.objects.filter(pk=published.pk).exists()
    client_for(hub).post(_action("delete", draft))
    assert not ReferentialVersion.objects.filter(pk=draft.pk).exists()


# Import page ----------------------------------------------------------------------------------


def _upload(data, name="referentiel.csv"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_import_page_creates_a_draft(client_for, hub):
    data = make_csv([row(), row(criterion="B1.C1.2")], encoding="cp1252")
    response = client_for(hub).post(
        reverse("competences:import"),
        {"file": _upload(data), "code": "aidants", "title": "Aidants numériques"},
    )
    version = ReferentialVersion.objects.get(referential__code="aidants")
    assert response.status_code == 302
    assert response["Location"] == _detail(version)
    assert version.status == VersionStatus.DRAFT and version.criteria.count() == 2


def test_import_page_lists_every_issue_and_writes_nothing(client_for, hub):
    data = make_csv([row(), row(criterion="B1.C1.1"), row(competence="", competence_title="")])
    before = counts()
    response = client_for(hub).post(
        reverse("competences:import"), {"file": _upload(data), "code": "x", "title": "X"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "2 problèmes à corriger. Rien n'a été enregistré." in html
    assert (
        "<strong>Ligne 3</strong> : code de critère « B1.C1.1 » en double (voir ligne 2)." in html
    )
    assert "<strong>Ligne 4</strong> : critère sans compétence" in html
    assert counts() == before


def test_import_page_caps_the_upload_and_needs_a_known_extension(client_for, hub):
    client = client_for(hub)
    response = client.post(
        reverse("competences:import"),
        {"file": _upload(b"x" * (MAX_BYTES + 1)), "code": "x", "title": "X"},
    )
    assert response.status_code == 400
    assert "la limite est de 5,0" in response.content.decode()
    response = client.post(
        reverse("competences:import"),
        {"file": _upload(b"a;b", name="ref.ods"), "code": "x", "title": "X"},
    )
    assert "Extension non reconnue" in response.content.decode()
    response = client.post(
        reverse("competences:import"),
        {
            "file": _upload(make_csv([row()]), name="ref.txt"),
            "code": "x",
            "title": "X",
            "format": "csv",
        },
    )
    assert response.status_code == 302


def test_import_page_explains_the_format(client_for, hub):
    html = client_for(hub).get(reverse("competences:import")).content.decode()
    assert "criterion_text" in html and "bloc_evaluation_modalities" in html
