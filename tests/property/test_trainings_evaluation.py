"""Trainings, evaluation side: participant and attendance imports (CSV, XLSX, garbage), the
attendance grid, cell and signing, assessments (trainer, self, review), accreditations, and the
attendance and assessment exports of hostile stored text."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from accounts.models import User
from competences.models import Competence
from tests import factories
from trainings.forms.accreditations import AccreditationRevokeForm
from trainings.models import (
    Assessment,
    AssessmentReview,
    AssessorRole,
    Attendance,
    Registration,
    RegistrationStatus,
    SlotSignCode,
    TrainerAccreditation,
)

from .helpers import (
    CONTENT_TYPES,
    FILENAMES,
    GARBAGE,
    PAYLOADS,
    assert_escaped,
    counts,
    hostile_text,
    ids,
    isolated,
    maybe_hostile,
    post_multipart,
    status_of,
)

pytestmark = pytest.mark.django_db

HUGE = "9" * 25
WRITTEN = (Registration, Attendance, Assessment, AssessmentReview, TrainerAccreditation)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def session_now(db):
    """A published session whose first slot started an hour ago, two participants, and two
    people with an account who are not registered yet."""
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    session = factories.make_session(participants=2, slots=2, competences=2, start=start)
    factories.UserFactory(email="camille@exemple.test", last_name="Durand")
    factories.UserFactory(email="jules@exemple.test", last_name="Petit")
    return session


@pytest.fixture
def trainer(hostile_client, session_now):
    user = session_now.trainers.get()
    hostile_client.force_login(user)
    return user


@pytest.fixture
def participants(session_now):
    return [
        registration.user
        for registration in session_now.registrations.filter(
            status=RegistrationStatus.REGISTERED
        ).order_by("pk")
    ]


def _table_file(rows, fmt, delimiter, encoding):
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append([ILLEGAL_CHARACTERS_RE.sub("", cell)[:32_000] for cell in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding, "replace")


FILE_SHAPES = st.tuples(
    st.sampled_from(["csv", "xlsx"]),
    st.sampled_from([";", ","]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)


def _rows(header, cells):
    return st.lists(st.tuples(*cells).map(list), min_size=0, max_size=4).map(
        lambda rows: [header, *rows]
    )


PARTICIPANT_ROWS = _rows(
    ["email", "prénom", "nom"],
    [
        st.one_of(
            st.sampled_from(["camille@exemple.test", "JULES@exemple.test"]),
            hostile_text(max_size=80),
        ),
        maybe_hostile(),
        st.one_of(st.sampled_from(["Durand", "", "PETIT"]), maybe_hostile()),
    ],
) | st.lists(st.lists(hostile_text(max_size=40, long=False), max_size=4), max_size=4)

ATTENDANCE_ROWS = _rows(
    ["email", "créneau", "statut"],
    [
        st.one_of(st.just("{participant}"), hostile_text(max_size=80)),
        st.one_of(
            st.sampled_from(["1", "2", "0", "999", HUGE, "{start}", "31/02/2024 09:00"]),
            hostile_text(max_size=40),
        ),
        st.one_of(
            st.sampled_from(["présent", "Absente excusée", "R", "", "PRÉSENT·E"]),
            hostile_text(max_size=40),
        ),
    ],
)


def _check_import(client, session, response, before, cells):
    if response.status_code == 302:
        page = client.get(response["Location"])
        assert page.status_code == 200
        manage = client.get(reverse("trainings:session_manage", args=[session.pk]))
        assert_escaped(manage.content, *cells)
    else:
        assert counts(*WRITTEN) == before, "a refused import must write nothing"
        assert_escaped(response.content, *cells)


@given(rows=PARTICIPANT_ROWS, shape=FILE_SHAPES, filename=st.one_of(st.none(), FILENAMES))
def test_participants_import(hostile_client, trainer, session_now, rows, shape, filename):
    fmt, delimiter, encoding = shape
    data = _table_file(rows, fmt, delimiter, encoding)
    cells = [cell for row in rows for cell in row]
    with isolated():
        before = counts(*WRITTEN)
        response = post_multipart(
            hostile_client,
            reverse("trainings:import_participants", args=[session_now.pk]),
            files=[("participants-file", filename or f"liste.{fmt}", "", data)],
        )
        status_of(response, (302, 400))
        _check_import(hostile_client, session_now, response, before, cells)


@given(rows=ATTENDANCE_ROWS, shape=FILE_SHAPES)
def test_attendance_import(hostile_client, trainer, session_now, participants, rows, shape):
    fmt, delimiter, encoding = shape
    first = session_now.slots.order_by("starts_at").first()
    start = timezone.localtime(first.starts_at).strftime("%Y-%m-%d %H:%M")
    rows = [
        [
            cell.replace("{participant}", participants[0].email).replace("{start}", start)
            for cell in row
        ]
        for row in rows
    ]
    data = _table_file(rows, fmt, delimiter, encoding)
    with isolated():
        before = counts(*WRITTEN)
        response = post_multipart(
            hostile_client,
            reverse("trainings:import_attendance", args=[session_now.pk]),
            files=[("attendance-file", f"emargement.{fmt}", "", data)],
        )
        status_of(response, (302, 400))
        _check_import(hostile_client, session_now, response, before, [c for r in rows for c in r])


@given(
    kind=st.sampled_from(["participants", "attendance"]),
    data=GARBAGE,
    filename=FILENAMES,
    content_type=CONTENT_TYPES,
    field=st.sampled_from(["{kind}-file", "file", "{kind}-file\x00"]),
)
def test_imports_with_garbage_files(
    hostile_client, trainer, session_now, kind, data, filename, content_type, field
):
    with isolated():
        before = counts(*WRITTEN)
        response = post_multipart(
            hostile_client,
            reverse(f"trainings:import_{kind}", args=[session_now.pk]),
            files=[(field.replace("{kind}", kind), filename, content_type, data)],
        )
        status_of(response, (400,))
        assert counts(*WRITTEN) == before
        assert_escaped(response.content, filename)


def _stored(strategy, size):
    return strategy.map(lambda text: text.replace("\x00", "")[:size])


def _export_cells(fmt, content):
    if fmt == "csv":
        text = content.decode("utf-8")
        assert text.startswith("\ufeff")
        return [cell for row in csv.reader(io.StringIO(text[1:]), delimiter=";") for cell in row]
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c is not None]


@given(
    first_name=_stored(hostile_text(max_size=150), 150),
    last_name=_stored(st.sampled_from(PAYLOADS) | hostile_text(max_size=150), 150),
    comment=_stored(hostile_text(max_size=5000), 5000),
    evidence=_stored(st.sampled_from(PAYLOADS) | hostile_text(max_size=5000), 5000),
    competence_title=_stored(hostile_text(max_size=255), 255),
)
def test_exports_of_hostile_stored_text(
    hostile_client,
    trainer,
    session_now,
    participants,
    first_name,
    last_name,
    comment,
    evidence,
    competence_title,
):
    """CSV and XLSX exports never crash on stored text and never hand a formula to a
    spreadsheet."""
    competence = session_now.competences.order_by("order").first()
    slot = session_now.slots.order_by("starts_at").first()
    registration = session_now.registrations.get(user=participants[0])
    with isolated():
        factories.AttendanceFactory(slot=slot, registration=registration)
        factories.AssessmentFactory(
            session=session_now, participant=participants[0], competence=competence, rank=3
        )
        User.objects.filter(pk=participants[0].pk).update(
            first_name=first_name, last_name=last_name
        )
        Assessment.objects.update(comment=comment, evidence=evidence)
        Competence.objects.filter(pk=competence.pk).update(title=competence_title)
        for name in ("export_attendance", "export_assessments"):
            for fmt in ("csv", "xlsx"):
                response = hostile_client.get(
                    reverse(f"trainings:{name}", args=[session_now.pk, fmt])
                )
                status_of(response, (200,))
                for cell in _export_cells(fmt, response.content):
                    assert not cell.startswith(FORMULA_STARTS), (name, fmt, cell)
                    assert "\u202e" not in cell and "\x00" not in cell
        for name in ("evaluation_grid", "attendance_grid", "imports_home", "session_manage"):
            page = hostile_client.get(reverse(f"trainings:{name}", args=[session_now.pk]))
            status_of(page, (200,))
            assert_escaped(page.content, first_name, last_name, competence_title)
        history = hostile_client.get(
            reverse("trainings:participant_assessments", args=[participants[0].pk])
        )
        status_of(history, (200,))
        assert_escaped(history.content, first_name, last_name, comment, evidence)


STATUS = st.one_of(
    st.sampled_from(["present", "late", "excused", "absent", "", "PRESENT", HUGE]),
    hostile_text(max_size=40),
)


@given(
    grid=st.dictionaries(
        st.one_of(
            st.sampled_from(["{cell}", "mark-{slot}-9999", f"mark-{HUGE}-1"]),
            hostile_text(max_size=20),
        ),
        STATUS,
        max_size=3,
    ),
    status=STATUS,
    htmx=st.booleans(),
)
def test_attendance_grid_and_cell(
    hostile_client, trainer, session_now, participants, grid, status, htmx
):
    slot = session_now.slots.order_by("starts_at").first()
    registration = session_now.registrations.get(user=participants[0])
    cell = f"mark-{slot.pk}-{registration.pk}"
    data = {
        key.replace("{cell}", cell).replace("{slot}", str(slot.pk)): value
        for key, value in grid.items()
    }
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with isolated():
        before = counts(Attendance)
        response = hostile_client.post(
            reverse("trainings:attendance_grid", args=[session_now.pk]), data
        )
        status_of(response, (302, 400))
        if response.status_code == 400:
            assert counts(Attendance) == before
        assert_escaped(response.content, *data.values(), *data.keys())
        response = hostile_client.post(
            reverse("trainings:attendance_cell", args=[session_now.pk, slot.pk, registration.pk]),
            {"status": status},
            **headers,
        )
        status_of(response, (200, 302))
        assert_escaped(response.content, status)


@given(
    code=st.one_of(st.sampled_from(["ABC123", "abc-123", " A B C 1 2 3 "]), hostile_text(80)),
    token=hostile_text(max_size=80).map(lambda t: t.replace("/", "") or "x"),
)
def test_signing_with_a_code_or_a_token(hostile_client, session_now, participants, code, token):
    hostile_client.force_login(participants[0])
    with isolated():
        before = counts(Attendance, SlotSignCode)
        response = hostile_client.post(reverse("trainings:attendance_sign"), {"code": code})
        status_of(response, (400, 429))
        assert counts(Attendance, SlotSignCode) == before
        assert_escaped(response.content, code)
        response = hostile_client.post(reverse("trainings:attendance_sign_qr", args=[token]))
        status_of(response, (404,))


@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            "level": ids(),
            "criteria": st.lists(ids(), max_size=2),
            "method": hostile_text(max_size=20),
            "assessed_on": st.one_of(
                st.sampled_from(["9999-12-31", "0001-01-01", "2024-02-30", "+1-01-01"]),
                hostile_text(max_size=20),
            ),
            "comment": maybe_hostile(max_size=6000),
            "evidence": maybe_hostile(max_size=6000),
        },
    ),
    htmx=st.booleans(),
)
def test_assessment_cell(hostile_client, trainer, session_now, participants, values, htmx):
    registration = session_now.registrations.get(user=participants[0])
    competence = session_now.competences.order_by("order").first()
    prefix = f"a{registration.pk}-{competence.pk}"
    data = {
        "level": str(session_now.version.levels.get(rank=3).pk),
        "criteria": [],
        "method": "observation",
        "assessed_on": timezone.localdate().isoformat(),
        "comment": "",
        "evidence": "",
    } | values
    url = reverse(
        "trainings:assessment_cell", args=[session_now.pk, registration.pk, competence.pk]
    )
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with isolated():
        before = counts(*WRITTEN)
        response = hostile_client.post(
            url, {f"{prefix}-{key}": value for key, value in data.items()}, **headers
        )
        status_of(response, (200, 302, 400))
        hostile = [v for v in data.values() if isinstance(v, str)]
        if counts(*WRITTEN) != before:
            assert response.status_code in (200, 302)
            history = hostile_client.get(url)
            assert_escaped(history.content, *hostile)
            grid = hostile_client.get(reverse("trainings:evaluation_grid", args=[session_now.pk]))
            assert_escaped(grid.content, *hostile)
        else:
            assert response.status_code == 400 or htmx
            assert_escaped(response.content, *hostile)


@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            "competence": ids(),
            "level": ids(),
            "criteria": st.lists(hostile_text(max_size=20), max_size=2),
            "session": ids(),
            "comment": maybe_hostile(max_size=6000),
        },
    ),
    query=st.dictionaries(st.sampled_from(["competence", "session"]), ids()),
)
@example(values={}, query={"session": "²"})  # "²".isdigit() is true, int("²") fails
@example(values={"competence": "²"}, query={"competence": "²"})
def test_self_assessment(hostile_client, session_now, participants, values, query):
    competence = session_now.competences.order_by("order").first()
    hostile_client.force_login(participants[0])
    data = {
        "competence": str(competence.pk),
        "level": str(session_now.version.levels.get(rank=2).pk),
        "comment": "",
    } | values
    url = reverse("trainings:self_assessment")
    with isolated():
        page = hostile_client.get(url, query)
        status_of(page, (200,))
        assert_escaped(page.content, *query.values())
        before = counts(*WRITTEN)
        response = hostile_client.post(url, data)
        status_of(response, (200, 302, 400))
        hostile = [v for v in data.values() if isinstance(v, str)]
        if response.status_code == 302:
            mine = hostile_client.get(reverse("trainings:my_assessments"))
            assert_escaped(mine.content, *hostile)
        else:
            assert counts(*WRITTEN) == before
            assert_escaped(response.content, *hostile)


@pytest.fixture
def peer_case(hostile_client):
    peer = factories.UserFactory()
    factories.make_peer_trainer(peer)
    session = factories.make_session(
        trainer=peer, participants=1, start=timezone.now() - datetime.timedelta(hours=1)
    )
    competence = session.competences.order_by("order").first()
    assessment = factories.AssessmentFactory(
        session=session,
        participant=session.registrations.get().user,
        competence=competence,
        assessor=peer,
        assessor_role=AssessorRole.PEER,
        rank=3,
    )
    reviewer = factories.UserFactory()
    factories.AccreditationFactory(user=reviewer, bloc=competence.bloc)
    hostile_client.force_login(reviewer)
    return assessment


@given(
    values=st.fixed_dictionaries(
        {"decision": st.sampled_from(["confirmed", "overridden"]) | hostile_text(max_size=20)},
        optional={
            "replacement_level": ids(),
            "replacement_criteria": st.lists(hostile_text(max_size=20), max_size=2),
            "replacement_method": hostile_text(max_size=20),
            "comment": maybe_hostile(max_size=6000),
        },
    )
)
def test_assessment_review(hostile_client, peer_case, values):
    url = reverse("trainings:assessment_review", args=[peer_case.pk])
    with isolated():
        before = counts(*WRITTEN)
        response = hostile_client.post(url, values)
        status_of(response, (302, 400))
        hostile = [v for v in values.values() if isinstance(v, str)]
        if response.status_code == 302:
            assert counts(AssessmentReview)["AssessmentReview"] == before["AssessmentReview"] + 1
            page = hostile_client.get(reverse("trainings:review_list"))
            assert_escaped(page.content, *hostile)
        else:
            assert counts(*WRITTEN) == before
            assert_escaped(response.content, *hostile)


@pytest.fixture
def hub(hostile_client, session_now):
    user = factories.HubCoordinatorFactory()
    hostile_client.force_login(user)
    return user


@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            "email": st.one_of(st.just("CAMILLE@exemple.test "), hostile_text(max_size=300)),
            "blocs": st.lists(ids(), max_size=2),
            "valid_from": st.one_of(st.just("9999-12-31"), hostile_text(max_size=20)),
            "valid_until": st.one_of(st.just("0001-01-01"), hostile_text(max_size=20)),
            "note": maybe_hostile(max_size=6000),
        },
    ),
    reason=st.one_of(maybe_hostile(max_size=6000), st.just("x" * 5001)),
    params=st.dictionaries(st.sampled_from(["q", "bloc", "state", "page"]), hostile_text(60)),
)
@example(values={"blocs": ["²"]}, reason="", params={})
def test_accreditations(hostile_client, hub, session_now, values, reason, params):
    bloc = session_now.version.blocs.get(code="B2")
    data = {
        "email": "camille@exemple.test",
        "blocs": [str(bloc.pk)],
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
        "note": "",
    } | values
    hostile = [v for v in data.values() if isinstance(v, str)]
    with isolated():
        before = counts(TrainerAccreditation)
        response = hostile_client.post(reverse("trainings:accreditation_grant"), data)
        status_of(response, (302, 400))
        if response.status_code == 302:
            listing = hostile_client.get(reverse("trainings:accreditation_list"))
            assert_escaped(listing.content, *hostile)
        else:
            assert counts(TrainerAccreditation) == before
            assert_escaped(response.content, *hostile)
        accreditation = TrainerAccreditation.objects.order_by("-pk").first()
        response = hostile_client.post(
            reverse("trainings:accreditation_revoke", args=[accreditation.pk]), {"reason": reason}
        )
        status_of(response, (302,))
        refused = AccreditationRevokeForm({"reason": reason}).errors
        revoked = TrainerAccreditation.objects.get(pk=accreditation.pk).revoked_at is not None
        # A refused reason revokes nothing (it used to revoke without the reason).
        assert revoked is (accreditation.revoked_at is None and not refused)
        history = hostile_client.get(
            reverse("trainings:trainer_history", args=[accreditation.user_id])
        )
        status_of(history, (200,))
        assert_escaped(history.content, reason)
        listing = hostile_client.get(reverse("trainings:accreditation_list"), params)
        status_of(listing, (200,))
        assert_escaped(listing.content, *params.values())
