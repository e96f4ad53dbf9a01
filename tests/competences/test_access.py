"""URL × role matrix of the competency reference: what mediators and trainers (even with staff
status) may see, and every hub-only page or action refused to them with nothing written."""

import pytest
from django.urls import reverse

from competences.models import VersionStatus
from core.models import AuditLog
from tests import factories

from .conftest import counts, make_csv, row

MEDIATOR, TRAINER, HUB = "mediator", "trainer", "hub"


@pytest.fixture
def people(db, hub):
    trainer = factories.AccreditationFactory().user
    trainer.is_staff = True  # staff status alone must not open the reference's admin
    trainer.save(update_fields=["is_staff"])
    return {MEDIATOR: factories.UserFactory(), TRAINER: trainer, HUB: hub}


@pytest.fixture
def versions(db, hub):
    published = factories.make_reference()
    draft = factories.make_reference(status=VersionStatus.DRAFT, referential=published.referential)
    pathway = factories.make_pathway(published, code="socle")
    return {"published": published, "draft": draft, "pathway": pathway}


def _args(version):
    return [version.referential.code, version.number]


def _pages(v):
    published, draft = v["published"], v["draft"]
    return [
        # (name, url, {role: status})
        ("index", reverse("competences:index"), {MEDIATOR: 200, TRAINER: 200, HUB: 200}),
        (
            "published",
            reverse("competences:version_detail", args=_args(published)),
            {MEDIATOR: 200, TRAINER: 200, HUB: 200},
        ),
        (
            "draft",
            reverse("competences:version_detail", args=_args(draft)),
            {MEDIATOR: 404, TRAINER: 404, HUB: 200},
        ),
        (
            "draft export",
            reverse("competences:version_export", args=[*_args(draft), "json"]),
            {MEDIATOR: 404, TRAINER: 404, HUB: 200},
        ),
        (
            "published export",
            reverse("competences:version_export", args=[*_args(published), "xlsx"]),
            {MEDIATOR: 200, TRAINER: 200, HUB: 200},
        ),
        (
            "pathway",
            reverse("competences:pathway_detail", args=[*_args(published), "socle"]),
            {MEDIATOR: 200, TRAINER: 200, HUB: 200},
        ),
        ("manage", reverse("competences:manage"), {MEDIATOR: 403, TRAINER: 403, HUB: 200}),
        ("import", reverse("competences:import"), {MEDIATOR: 403, TRAINER: 403, HUB: 200}),
        (
            "admin versions",
            reverse("admin:competences_referentialversion_changelist"),
            {MEDIATOR: 302, TRAINER: 403, HUB: 200},
        ),
        (
            "admin draft",
            reverse("admin:competences_referentialversion_change", args=[draft.pk]),
            {MEDIATOR: 302, TRAINER: 403, HUB: 200},
        ),
        (
            "admin import",
            reverse("admin:competences_referential_import"),
            {MEDIATOR: 302, TRAINER: 403, HUB: 200},
        ),
        (
            "admin pathways",
            reverse("admin:competences_pathway_changelist"),
            {MEDIATOR: 302, TRAINER: 403, HUB: 200},
        ),
    ]


@pytest.mark.parametrize("role", [MEDIATOR, TRAINER, HUB])
def test_pages_per_role(client, people, versions, role):
    client.force_login(people[role])
    for name, url, expected in _pages(versions):
        assert client.get(url).status_code == expected[role], f"{role} on {name}"


@pytest.mark.parametrize("role", [MEDIATOR, TRAINER])
def test_compare_never_shows_a_draft_to_them(client, people, versions, role):
    client.force_login(people[role])
    published, draft = versions["published"], versions["draft"]
    url = reverse("competences:compare", args=[published.referential.code])
    response = client.get(url, {"old": published.number, "new": draft.number})
    assert response.context["diff"] is None
    assert f"Version {draft.number}" not in response.content.decode()


@pytest.mark.parametrize("role", [MEDIATOR, TRAINER])
@pytest.mark.parametrize("action", ["publish", "clone", "retire", "delete"])
def test_version_actions_are_refused_and_write_nothing(client, people, versions, role, action):
    client.force_login(people[role])
    before = (counts(), AuditLog.objects.count())
    for version in (versions["published"], versions["draft"]):
        url = reverse(f"competences:{action}", args=_args(version))
        assert client.post(url, {"retire_previous": "on"}).status_code == 403
    assert (counts(), AuditLog.objects.count()) == before
    for version in (versions["published"], versions["draft"]):
        status = version.status
        version.refresh_from_db()
        assert version.status == status


@pytest.mark.parametrize("role", [MEDIATOR, TRAINER])
def test_imports_are_refused_and_write_nothing(client, people, versions, role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people[role])
    before = counts()
    data = make_csv([row()])
    response = client.post(
        reverse("competences:import"),
        {"file": SimpleUploadedFile("r.csv", data), "code": "pirate", "title": "Pirate"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:competences_referential_import"),
        {
            "import_file": SimpleUploadedFile("r.csv", data),
            "format": "0",
            "resource": "0",
            "code": "pirate",
            "title": "Pirate",
        },
    )
    assert response.status_code in (302, 403)
    assert counts() == before


@pytest.mark.parametrize("role", [MEDIATOR, TRAINER])
def test_admin_actions_and_edits_are_refused(client, people, versions, role):
    client.force_login(people[role])
    draft = versions["draft"]
    changelist = reverse("admin:competences_referentialversion_changelist")
    for action in ("publish", "clone", "delete_selected"):
        response = client.post(
            changelist, {"action": action, "_selected_action": [draft.pk], "post": "yes"}
        )
        assert response.status_code in (302, 403)
    bloc = draft.blocs.first()
    response = client.post(
        reverse("admin:competences_bloc_change", args=[bloc.pk]), {"code": "X", "title": "X"}
    )
    assert response.status_code in (302, 403)
    draft.refresh_from_db()
    bloc.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT and bloc.title == "Bloc 1"
    assert draft.referential.versions.count() == 2
