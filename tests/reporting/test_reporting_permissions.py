"""URL × role matrix for every page of the reporting app."""

import pytest
from django.urls import reverse

from reporting import services
from tests import factories

ANON, MEDIATOR, HEAD, HUB = "anonymous", "mediator", "head", "hub"

PAGES = [
    "reporting:dashboard",
    "reporting:session_list",
    "reporting:decision_list",
    "reporting:attestation_list",
    "reporting:quality",
    "reporting:export_list",
]


@pytest.fixture
def people(db):
    head = factories.MembershipFactory(function="responsable").user
    return {MEDIATOR: factories.UserFactory(), HEAD: head, HUB: factories.HubCoordinatorFactory()}


@pytest.mark.parametrize("url_name", PAGES)
@pytest.mark.parametrize("role, expected", [(ANON, 302), (MEDIATOR, 403), (HEAD, 200), (HUB, 200)])
def test_pages(client, people, url_name, role, expected):
    if role != ANON:
        client.force_login(people[role])
    response = client.get(reverse(url_name))
    assert response.status_code == expected, f"{role} on {url_name}"


@pytest.mark.parametrize("role, expected", [(ANON, 302), (MEDIATOR, 403), (HEAD, 404), (HUB, 200)])
def test_the_hubs_export_is_the_hubs_only(client, people, role, expected):
    job, _created = services.report_export_request(
        actor=people[HUB], kind="sessions", fmt="csv", query={}
    )
    if role != ANON:
        client.force_login(people[role])
    response = client.get(reverse("reporting:export_status", args=[job.pk]))
    assert response.status_code == expected


def test_statistics_files_never_import():
    import tablib

    from reporting.exports.resources import SessionResource

    with pytest.raises(PermissionError):
        SessionResource().import_data(tablib.Dataset(headers=["intitulé"]))
