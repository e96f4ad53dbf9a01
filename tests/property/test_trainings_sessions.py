"""Trainings: the session form (create, edit), cancel, duplicate, adding a participant, the
browse filters, and the calendar file of a session holding hostile text."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from tests import factories
from tests.session_form_data import management, slot_fields
from trainings.models import Registration, Session, Slot

from .helpers import (
    CONTROL_CHARS,
    PAYLOADS,
    assert_escaped,
    counts,
    hostile_text,
    ids,
    isolated,
    maybe_hostile,
    status_of,
)

pytestmark = pytest.mark.django_db

WRITTEN = (Session, Slot, Registration)


def _local(days, hour, minute=0):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def trainer(hostile_client):
    user = factories.UserFactory(first_name="Karim", last_name="Benali")
    version = factories.make_reference(blocs=2, competences=2, criteria=1)
    factories.AccreditationFactory(user=user, bloc=version.blocs.get(code="B1"))
    hostile_client.force_login(user)
    user.version = version
    return user


@pytest.fixture
def session(trainer):
    return factories.make_session(trainer=trainer, status="published", participants=1, slots=2)


def _session_data(version, overrides):
    bloc = version.blocs.get(code="B1")
    data = {
        "title": "Accompagner les démarches en ligne",
        "description": "",
        "objectives": "",
        "version": str(version.pk),
        "competences": [str(c.pk) for c in bloc.competences.all()],
        "format": "onsite",
        "structure": "",
        "address": "12 rue de la Paix, Lille",
        "video_url": "",
        "capacity": "8",
        "co_trainers": [],
        **management(1),
        **slot_fields(0, _local(7, 9), _local(7, 12, 30)),
    }
    data.update(overrides)
    return data


HUGE = "9" * 25
SESSION_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "title": maybe_hostile(),
        "description": maybe_hostile(max_size=6000),
        "objectives": maybe_hostile(),
        "address": maybe_hostile(),
        "video_url": st.one_of(
            st.sampled_from(
                [
                    "javascript:alert(1)",
                    "https://visio.exemple.test/<script>alert(1)</script>",
                    'https://x.test/"onmouseover="alert(1)',
                    "data:text/html,<script>alert(1)</script>",
                    "https://exemple.test/" + "a" * 3000,
                    "//evil.test",
                ]
            ),
            hostile_text(max_size=80),
        ),
        "format": hostile_text(max_size=20),
        "capacity": st.one_of(
            st.sampled_from(["0", "-1", "1e9", HUGE, "1.5", " 8 ", "８"]),
            hostile_text(max_size=20),
        ),
        "version": ids(),
        "competences": st.lists(ids(), max_size=3),
        "co_trainers": st.lists(hostile_text(max_size=20), max_size=2),
        "co_trainer_search": maybe_hostile(),
        "structure": ids(),
        "structure_search": st.one_of(st.just("Espace"), maybe_hostile()),
        "slots-TOTAL_FORMS": st.one_of(
            st.sampled_from(["0", "-1", "61", "2"]), hostile_text(max_size=10)
        ),
        "slots-INITIAL_FORMS": st.sampled_from(["1", "-5", "abc", HUGE]),
        "slots-0-id": ids(),
        "slots-0-day": st.one_of(
            st.sampled_from(["9999-12-31", "0001-01-01", "2030-02-30"]),
            hostile_text(max_size=30),
        ),
        "slots-0-half": st.one_of(
            st.sampled_from(["morning", "afternoon"]), hostile_text(max_size=10)
        ),
        "slots-0-start_time": st.one_of(
            st.sampled_from(["23:59", "25:00", ""]), hostile_text(max_size=10)
        ),
        "slots-0-end_time": hostile_text(max_size=30),
        "slots-0-DELETE": st.sampled_from(["on", "<script>"]),
    },
)


def _hostile_values(data):
    return [value for value in data.values() if isinstance(value, str)]


def _check_session_pages(client, session, data):
    for name in ("session_manage", "session_detail", "session_edit"):
        page = client.get(reverse(f"trainings:{name}", args=[session.pk]))
        assert page.status_code == 200
        assert_escaped(page.content, *_hostile_values(data))
    listing = client.get(reverse("trainings:my_sessions"))
    assert_escaped(listing.content, *_hostile_values(data))


@given(values=SESSION_FIELDS)
@example(values={"version": "²", "competences": ["⑦"], "co_trainers": ["²"]})
def test_session_create(hostile_client, trainer, values):
    data = _session_data(trainer.version, values)
    with isolated():
        before = counts(*WRITTEN)
        response = hostile_client.post(reverse("trainings:session_create"), data)
        status_of(response, (302, 400))
        if response.status_code == 302:
            session = Session.objects.order_by("-pk").first()
            _check_session_pages(hostile_client, session, data)
        else:
            assert counts(*WRITTEN) == before
            assert_escaped(response.content, *_hostile_values(data))


@given(values=SESSION_FIELDS)
def test_session_edit(hostile_client, trainer, session, values):
    slot = session.slots.order_by("starts_at").first()
    data = _session_data(session.version, {"title": session.title})
    data.update(
        {
            "competences": [str(c.pk) for c in session.competences.all()],
            **management(1, 1),
            **slot_fields(0, slot.starts_at, slot.ends_at, slot.pk),
        }
    )
    data.update(values)
    with isolated():
        before = (session.title, session.capacity, session.description, counts(Slot))
        response = hostile_client.post(reverse("trainings:session_edit", args=[session.pk]), data)
        status_of(response, (302, 400))
        stored = Session.objects.get(pk=session.pk)
        if response.status_code == 302:
            _check_session_pages(hostile_client, stored, data)
        else:
            assert (stored.title, stored.capacity, stored.description, counts(Slot)) == before
            assert_escaped(response.content, *_hostile_values(data))


@given(reason=hostile_text(max_size=6000), weeks=hostile_text(max_size=30))
def test_cancel_and_duplicate(hostile_client, session, reason, weeks):
    with isolated():
        before = counts(*WRITTEN)
        response = hostile_client.post(
            reverse("trainings:session_duplicate", args=[session.pk]), {"weeks": weeks}
        )
        status_of(response, (302, 400))
        if response.status_code == 400:
            assert counts(*WRITTEN) == before
        response = hostile_client.post(
            reverse("trainings:session_cancel", args=[session.pk]), {"reason": reason}
        )
        status_of(response, (302, 400))
        stored = Session.objects.get(pk=session.pk)
        assert (stored.status == "cancelled") == (response.status_code == 302)
        assert_escaped(response.content, reason)


@given(email=st.one_of(hostile_text(max_size=300), st.sampled_from(PAYLOADS)))
def test_participant_add(hostile_client, session, email):
    with isolated():
        before = counts(*WRITTEN)
        response = hostile_client.post(
            reverse("trainings:participant_add", args=[session.pk]), {"email": email}
        )
        status_of(response, (302, 400))
        if response.status_code == 400:
            assert counts(*WRITTEN) == before
            assert_escaped(response.content, email)


@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "bloc",
                "competence",
                "departement",
                "date_from",
                "date_to",
                "format",
                "places",
                "page",
            ]
        ),
        st.one_of(
            st.sampled_from([HUGE, "0001-01-01", "9999-12-31", "-1", "2024-02-30"]),
            hostile_text(max_size=60),
        ),
    ),
    version=ids(),
)
@example(params={}, version="²")
def test_browse_filters_and_version_fields(hostile_client, session, params, version):
    with isolated():
        response = hostile_client.get(reverse("trainings:session_list"), params)
        status_of(response, (200,))
        assert_escaped(response.content, *params.values())
        response = hostile_client.get(
            reverse("trainings:session_competence_choices"), {"version": version}
        )
        status_of(response, (200,))
        assert_escaped(response.content, version)


ICS_LINE = re.compile(r"^[A-Z][A-Z-]*[;:]")


def _stored(strategy, size):
    """Text as a row could hold it (past the forms: an old row, the admin, an import)."""
    return strategy.map(lambda text: text.replace("\x00", "")[:size])


@given(
    title=_stored(hostile_text(max_size=200), 200),
    description=_stored(hostile_text(max_size=5000), 5000),
    address=_stored(hostile_text(max_size=255), 255),
    name=st.text(st.sampled_from(["a", ";", ",", ":", '"', "\\", *CONTROL_CHARS[1:]]), max_size=30),
)
def test_calendar_file_of_a_session_holding_hostile_text(
    hostile_client, session, title, description, address, name
):
    """Stored text never breaks the .ics: every line is a property, folded at 75 octets, and
    no text adds a property of its own."""
    registration = session.registrations.get()
    person = registration.user
    hostile_client.force_login(person)
    with isolated():
        Session.objects.filter(pk=session.pk).update(
            title=title, description=description, address=address
        )
        type(person).objects.filter(pk=person.pk).update(
            first_name="Zoé" + name, last_name=name + "Martin"
        )
        response = hostile_client.get(reverse("trainings:registration_ics", args=[registration.pk]))
        status_of(response, (200,))
        text = response.content.decode("utf-8")
        assert text.endswith("\r\n")
        physical = text.split("\r\n")[:-1]
        assert all(len(line.encode()) <= 75 for line in physical)
        assert not any("\r" in line or "\n" in line for line in physical)
        logical = text.replace("\r\n ", "").split("\r\n")[:-1]
        assert all(ICS_LINE.match(line) for line in logical), logical
        names = [re.match(r"[A-Z-]+", line).group() for line in logical]
        assert names.count("BEGIN") == names.count("END") == 3
        assert names.count("ATTENDEE") == names.count("SUMMARY") == 2
