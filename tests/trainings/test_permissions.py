"""URL × role matrix for sessions, registrations and accreditations (GET pages, then the POST
actions, which must write nothing for people who may not use them)."""

import pytest
from django.urls import reverse

from core.models import AuditLog
from tests import factories

ANON, MEDIATOR, PARTICIPANT, OTHER_TRAINER, TRAINER, HUB = (
    "anonymous",
    "mediator",
    "participant",
    "other_trainer",
    "trainer",
    "hub",
)
ROLES = [ANON, MEDIATOR, PARTICIPANT, OTHER_TRAINER, TRAINER, HUB]


@pytest.fixture
def world(db):
    session = factories.make_session(participants=1)
    registration = session.registrations.get()
    other_trainer = factories.make_session().trainers.get()
    return {
        "session": session,
        "registration": registration,
        "accreditation": session.trainers.get().accreditations.get(),
        MEDIATOR: factories.UserFactory(),
        PARTICIPANT: registration.user,
        OTHER_TRAINER: other_trainer,
        TRAINER: session.trainers.get(),
        HUB: factories.HubCoordinatorFactory(),
    }


def _args(world, kind):
    return {
        None: [],
        "session": [world["session"].pk],
        "registration": [world["registration"].pk],
        "trainer": [world[TRAINER].pk],
        "accreditation": [world["accreditation"].pk],
        "participant": [world["session"].pk, world["registration"].pk],
    }[kind]


GET_MATRIX = [
    # (url name, args kind, {role: status}); missing roles get the "else" status.
    # The public catalogue: a published session to come is shown to visitors too.
    ("session_list", None, {"else": 200}),
    ("session_detail", "session", {"else": 200}),
    ("my_registrations", None, {ANON: 302, "else": 200}),
    ("my_sessions", None, {ANON: 302, "else": 200}),
    ("session_create", None, {ANON: 302, MEDIATOR: 403, PARTICIPANT: 403, "else": 200}),
    (
        "session_competence_choices",
        None,
        {ANON: 302, MEDIATOR: 403, PARTICIPANT: 403, "else": 200},
    ),
    ("session_manage", "session", {ANON: 302, TRAINER: 200, HUB: 200, "else": 403}),
    ("session_edit", "session", {ANON: 302, TRAINER: 200, HUB: 200, "else": 403}),
    ("session_cancel", "session", {ANON: 302, TRAINER: 200, HUB: 200, "else": 403}),
    ("session_duplicate", "session", {ANON: 302, TRAINER: 200, HUB: 200, "else": 403}),
    ("registration_ics", "registration", {ANON: 302, PARTICIPANT: 200, "else": 404}),
    ("accreditation_list", None, {ANON: 302, HUB: 200, "else": 403}),
    ("accreditation_grant", None, {ANON: 302, HUB: 200, "else": 403}),
    ("trainer_history", "trainer", {ANON: 302, HUB: 200, "else": 403}),
]


@pytest.mark.parametrize("url_name, kind, expected", GET_MATRIX, ids=[m[0] for m in GET_MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(client, world, url_name, kind, expected, role):
    url = reverse(f"trainings:{url_name}", args=_args(world, kind))
    if role != ANON:
        client.force_login(world[role])
    response = client.get(url)
    assert response.status_code == expected.get(role, expected["else"]), f"{role} on {url}"
    if response.status_code == 302:
        assert response.url.startswith(reverse("account_login"))


POST_MATRIX = [
    # Actions refused to everyone but the session's trainers and the hub.
    ("session_publish", "session", {}),
    ("session_close", "session", {}),
    ("participant_add", "session", {"email": "x@exemple.test"}),
    ("participant_remove", "participant", {}),
    ("session_cancel", "session", {"reason": "Non"}),
    ("session_duplicate", "session", {"weeks": "1"}),
]


@pytest.mark.parametrize("url_name, kind, data", POST_MATRIX, ids=[m[0] for m in POST_MATRIX])
@pytest.mark.parametrize("role", [ANON, MEDIATOR, PARTICIPANT, OTHER_TRAINER])
def test_post_actions_refused_write_nothing(client, world, url_name, kind, data, role):
    url = reverse(f"trainings:{url_name}", args=_args(world, kind))
    if role != ANON:
        client.force_login(world[role])
    response = client.post(url, data)
    assert response.status_code in (302, 403), f"{role} on {url}"
    if response.status_code == 302:
        assert role == ANON and response.url.startswith(reverse("account_login"))
    assert not AuditLog.objects.filter(action__startswith="session.").exists()
    assert not AuditLog.objects.filter(action__startswith="registration.").exists()


@pytest.mark.parametrize("role", [MEDIATOR, OTHER_TRAINER, TRAINER])
def test_only_the_owner_cancels_a_registration_from_my_registrations(client, world, role):
    client.force_login(world[role])
    url = reverse("trainings:registration_cancel", args=[world["registration"].pk])
    assert client.post(url).status_code == 404
    world["registration"].refresh_from_db()
    assert world["registration"].status == "registered"


@pytest.mark.parametrize("role", [MEDIATOR, PARTICIPANT, OTHER_TRAINER, TRAINER])
def test_only_the_hub_revokes(client, world, role):
    client.force_login(world[role])
    url = reverse("trainings:accreditation_revoke", args=[world["accreditation"].pk])
    assert client.post(url).status_code == 403
    world["accreditation"].refresh_from_db()
    assert world["accreditation"].revoked_at is None
