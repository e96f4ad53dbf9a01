"""Who may edit a draft version, and a published (or retired) version staying frozen: the edit
pages refuse it and, when a form was opened before publication, the services do."""

import pytest
from django.urls import reverse

from competences import services
from competences.models import Bloc, Competence, Criterion, ProficiencyLevel, VersionStatus
from core.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db

FROZEN = "Cette version du référentiel est publiée ou retirée"


@pytest.fixture
def hub():
    return factories.HubCoordinatorFactory()


def _url(name, version, **kwargs):
    return reverse(
        f"competences:{name}",
        kwargs={"code": version.referential.code, "number": version.number, **kwargs},
    )


def _snapshot():
    return (
        list(Bloc.objects.order_by("pk").values()),
        list(Competence.objects.order_by("pk").values()),
        list(Criterion.objects.order_by("pk").values()),
        list(ProficiencyLevel.objects.order_by("pk").values()),
        AuditLog.objects.filter(
            action__regex=r"^(version|bloc|competence|criterion|level)\."
        ).count(),
    )


def _pages(version):
    """(url name, kwargs, valid POST data) for every edit page of `version`."""
    bloc = version.blocs.order_by("code").first()
    competence = version.competences.order_by("code").first()
    criterion = version.criteria.order_by("code").first()
    level = version.levels.order_by("rank").first()
    return [
        ("draft_update", {}, {"notes": "Nouvelles notes"}),
        ("draft_bloc_create", {}, {"code": "B9", "title": "Nouveau bloc"}),
        ("draft_bloc_update", {"pk": bloc.pk}, {"code": bloc.code, "title": "Renommé"}),
        ("draft_bloc_delete", {"pk": bloc.pk}, {}),
        (
            "draft_competence_create",
            {"bloc_pk": bloc.pk},
            {"code": "B9.C1", "title": "Nouvelle", "bloc": bloc.pk},
        ),
        (
            "draft_competence_update",
            {"pk": competence.pk},
            {"code": competence.code, "title": "Renommée", "bloc": bloc.pk},
        ),
        ("draft_competence_delete", {"pk": competence.pk}, {}),
        (
            "draft_criterion_create",
            {"competence_pk": competence.pk},
            {"code": "B9.C1.1", "text": "Nouveau", "competence": competence.pk},
        ),
        (
            "draft_criterion_update",
            {"pk": criterion.pk},
            {"code": criterion.code, "text": "Reformulé", "competence": competence.pk},
        ),
        ("draft_criterion_delete", {"pk": criterion.pk}, {}),
        ("draft_level_update", {"pk": level.pk}, {"label": "Autre libellé"}),
    ]


@pytest.mark.parametrize("role", ["mediator", "trainer", "head"])
def test_only_the_hub_may_open_or_post(client_for, role):
    draft = factories.make_reference(blocs=1, competences=1, criteria=1, status="draft")
    if role == "trainer":
        person = factories.AccreditationFactory().user
    elif role == "head":
        from accounts.models import MediatorFunction

        person = factories.MembershipFactory(function=MediatorFunction.RESPONSABLE).user
    else:
        person = factories.MembershipFactory().user
    client = client_for(person)
    before = _snapshot()
    for name, kwargs, data in _pages(draft):
        url = _url(name, draft, **kwargs)
        assert client.get(url).status_code == 403, name
        assert client.post(url, data).status_code == 403, name
    assert _snapshot() == before


def test_anonymous_is_sent_to_login(client):
    draft = factories.make_reference(blocs=1, competences=1, criteria=1, status="draft")
    before = _snapshot()
    for name, kwargs, data in _pages(draft):
        url = _url(name, draft, **kwargs)
        response = client.post(url, data)
        assert response.status_code == 302 and "/login/" in response["Location"], name
    assert _snapshot() == before


def test_unknown_version_is_not_found(client_for, hub):
    client = client_for(hub)
    url = reverse("competences:draft_bloc_create", kwargs={"code": "inconnu", "number": 1})
    assert client.get(url).status_code == 404
    assert client.post(url, {"code": "B1", "title": "Bloc"}).status_code == 404


@pytest.mark.parametrize("status", [VersionStatus.PUBLISHED, VersionStatus.RETIRED])
def test_frozen_version_refuses_every_edit(client_for, hub, status):
    version = factories.make_reference(blocs=1, competences=1, criteria=1, status=status)
    client = client_for(hub)
    before = _snapshot()
    detail = _url("version_detail", version)
    for name, kwargs, data in _pages(version):
        url = _url(name, version, **kwargs)
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, detail), name
        response = client.post(url, data, follow=True)
        assert response.redirect_chain[-1][0] == detail, name
        assert any(FROZEN in str(m) for m in response.context["messages"]), name
    assert _snapshot() == before


def test_form_opened_before_publication_is_refused_by_the_service(client_for, hub):
    """The hub opens the competence's form, the draft is published meanwhile (another tab):
    the POST reaches the service, which re-reads the version and refuses."""
    draft = factories.make_reference(blocs=1, competences=1, criteria=1, status="draft")
    competence = draft.competences.get()
    url = _url("draft_competence_update", draft, pk=competence.pk)
    client = client_for(hub)
    assert client.get(url).status_code == 200
    services.version_publish(actor=hub, version=draft)
    before = _snapshot()
    response = client.post(
        url,
        {"code": competence.code, "title": "Trop tard", "bloc": competence.bloc_id},
        follow=True,
    )
    assert any(FROZEN in str(m) for m in response.context["messages"])
    assert _snapshot() == before
    competence.refresh_from_db()
    assert competence.title != "Trop tard"


def test_deleting_an_item_in_use_is_refused_with_a_message(client_for, hub):
    """A draft bloc a trainer's accreditation already names (protected): the service refuses,
    nothing goes."""
    draft = factories.make_reference(blocs=1, competences=1, criteria=1, status="draft")
    bloc = draft.blocs.get()
    factories.AccreditationFactory(bloc=bloc)
    before = _snapshot()
    response = client_for(hub).post(_url("draft_bloc_delete", draft, pk=bloc.pk), follow=True)
    assert response.redirect_chain[-1][0] == _url("version_detail", draft) + f"#{bloc.code}"
    assert any("utilisé ailleurs" in str(m) for m in response.context["messages"])
    assert _snapshot() == before
