"""Who may open each evaluation page: anonymous visitors, a mediator with no link to the
session, a participant of the session, a trainer of another session, the session's trainer and
the hub. A mediator sees only their own records; a trainer only their sessions' participants."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from trainings.models import AssessorRole, Attendance

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "participant", "other_trainer", "trainer", "hub"]


@pytest.fixture
def world(session_now, monkeypatch):
    registration = session_now.registrations.order_by("pk").first()
    slot = session_now.slots.order_by("starts_at").first()
    competence = session_now.competences.order_by("order").first()
    code = factories.SlotSignCodeFactory(slot=slot)
    # A peer assessment awaiting review, so the review page exists.
    peer = factories.UserFactory()
    factories.make_peer_trainer(peer)
    session_now.trainers.add(peer)
    peer_assessment = factories.AssessmentFactory(
        session=session_now,
        participant=registration.user,
        competence=competence,
        assessor=peer,
        assessor_role=AssessorRole.PEER,
    )
    other_session = factories.make_session(participants=1)
    return {
        "session": session_now,
        "registration": registration,
        "slot": slot,
        "competence": competence,
        "code": code,
        "peer_assessment": peer_assessment,
        "users": {
            "outsider": factories.UserFactory(),
            "participant": registration.user,
            "other_trainer": other_session.trainers.get(),
            "trainer": session_now.trainers.exclude(pk=peer.pk).get(),
            "hub": factories.HubCoordinatorFactory(),
        },
    }


def _url(world, name):
    s, r, sl, c = world["session"], world["registration"], world["slot"], world["competence"]
    args = {
        "attendance_grid": [s.pk],
        "attendance_history": [s.pk, sl.pk, r.pk],
        "attendance_sheet": [s.pk],
        "sign_code": [s.pk],
        "sign_code_slot": [s.pk, sl.pk],
        "evaluation_grid": [s.pk],
        "assessment_cell": [s.pk, r.pk, c.pk],
        "imports_home": [s.pk],
        "export_attendance": [s.pk, "csv"],
        "export_assessments": [s.pk, "xlsx"],
        "participant_assessments": [r.user_id],
        "my_assessments": [],
        "self_assessment": [],
        "attendance_sign": [],
        "attendance_sign_qr": [world["code"].token],
        "review_list": [],
        "assessment_review": [world["peer_assessment"].pk],
    }[name]
    return reverse(f"trainings:{name}", args=args)


SESSION_PAGES = [
    "attendance_grid",
    "attendance_history",
    "attendance_sheet",
    "sign_code",
    "sign_code_slot",
    "evaluation_grid",
    "assessment_cell",
    "imports_home",
    "export_attendance",
    "export_assessments",
]
# Expected status per role, in ROLES order.
MATRIX = {
    **{name: [302, 403, 403, 403, 200, 200] for name in SESSION_PAGES},
    "participant_assessments": [302, 403, 200, 403, 200, 200],
    "my_assessments": [302, 200, 200, 200, 200, 200],
    "self_assessment": [302, 200, 200, 200, 200, 200],
    "attendance_sign": [302, 200, 200, 200, 200, 200],
    "attendance_sign_qr": [302, 200, 200, 200, 200, 200],
    # The review queue is for trainers and the hub; the session's trainer is accredited on
    # the bloc, so the peer's assessment is theirs to review; another session's trainer is
    # accredited on their own reference's bloc only.
    "review_list": [302, 403, 403, 200, 200, 200],
    "assessment_review": [302, 403, 403, 404, 200, 200],
}


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_get_matrix(name, role_index, world, client, client_for):
    role = ROLES[role_index]
    browser = client if role == "anonymous" else client_for(world["users"][role])
    response = browser.get(_url(world, name))
    assert response.status_code == MATRIX[name][role_index], (name, role)
    if response.status_code == 302:
        assert "/comptes/login/" in response["Location"]


POSTS = {
    "attendance_cell": lambda w: (
        reverse(
            "trainings:attendance_cell",
            args=[w["session"].pk, w["slot"].pk, w["registration"].pk],
        ),
        {"status": "present"},
    ),
    "attendance_grid": lambda w: (
        _url(w, "attendance_grid"),
        {f"mark-{w['slot'].pk}-{w['registration'].pk}": "present"},
    ),
    "import_attendance": lambda w: (
        reverse("trainings:import_attendance", args=[w["session"].pk]),
        {},
    ),
}


@pytest.mark.parametrize("name", sorted(POSTS))
@pytest.mark.parametrize("role", ["outsider", "participant", "other_trainer"])
def test_writes_are_refused_to_others(name, role, world, client_for):
    url, data = POSTS[name](world)
    response = client_for(world["users"][role]).post(url, data)
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_mediator_sees_only_their_own_marks(world, client_for):
    session, slot = world["session"], world["slot"]
    registrations = list(session.registrations.order_by("pk"))
    for registration in registrations:
        factories.AttendanceFactory(slot=slot, registration=registration, status="present")
    other = factories.make_session(
        participants=1, start=timezone.now() - datetime.timedelta(hours=1)
    )
    factories.AttendanceFactory(
        slot=other.slots.first(), registration=other.registrations.get(), status="late"
    )
    html = client_for(world["users"]["participant"]).get(reverse("trainings:attendance_sign"))
    text = html.content.decode()
    assert text.count("Présent·e") == 1 and "En retard" not in text


def test_trainer_sees_only_their_sessions_participants(world, client_for):
    trainer = world["users"]["trainer"]
    stranger = factories.make_session(participants=1).registrations.get().user
    client = client_for(trainer)
    assert (
        client.get(reverse("trainings:participant_assessments", args=[stranger.pk])).status_code
        == 403
    )
    grid = client.get(_url(world, "attendance_grid")).content.decode()
    assert stranger.last_name not in grid
