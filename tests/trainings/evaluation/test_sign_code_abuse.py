"""Sign codes: trying codes is slow, and a code of someone else's session looks unknown."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from trainings.services import attendance as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_code(db):
    session = factories.make_session(
        participants=1, start=timezone.now() - datetime.timedelta(minutes=10)
    )
    slot = session.slots.order_by("starts_at").first()
    return services.slot_sign_code_get_or_create(actor=session.trainers.get(), slot=slot)


def test_a_live_code_of_another_session_gets_the_unknown_answer(client, live_code):
    stranger = factories.UserFactory()
    client.force_login(stranger)
    url = reverse("trainings:attendance_sign")
    live = client.post(url, {"code": live_code.code}).context["form"].errors["code"]
    unknown = client.post(url, {"code": "ZZZZZZ" if live_code.code != "ZZZZZZ" else "YYYYYY"})
    assert live == unknown.context["form"].errors["code"]


def test_trying_codes_is_throttled(client, live_code, settings):
    settings.SOCLE_RATE_LIMITS = {**settings.SOCLE_RATE_LIMITS, "sign_code": "5/m/user"}
    client.force_login(factories.UserFactory())
    url = reverse("trainings:attendance_sign")
    statuses = [client.post(url, {"code": f"AAAA{i:02d}"}).status_code for i in range(7)]
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429, 429]
    # Even the right code waits.
    participant = live_code.slot.session.registrations.get().user
    client.force_login(participant)
    for _ in range(5):
        client.post(url, {"code": "WRONG1"})
    assert client.post(url, {"code": live_code.code}).status_code == 429


def test_a_two_megabyte_comment_is_refused_with_nothing_written(db):
    from core.exceptions import DomainError
    from tests.factories import level_of
    from trainings.models import Assessment
    from trainings.services import assessments as assessment_services

    session = factories.make_session(
        participants=1, start=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(DomainError) as error:
        assessment_services.assessment_record(
            actor=session.trainers.get(),
            session=session,
            participant=session.registrations.get().user,
            competence=session.competences.first(),
            level=level_of(session.version, 3),
            method="observation",
            assessed_on=timezone.localdate(),
            comment="x" * (2 * 1024 * 1024),
        )
    assert error.value.field == "comment"
    assert not Assessment.objects.exists()


def test_an_oversized_participant_file_is_refused_before_any_write(db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trainings.models import Registration
    from trainings.services import imports

    session = factories.make_session()
    rows = "\n".join(f"personne{i}@exemple.test" for i in range(imports.MAX_PARTICIPANT_ROWS + 1))
    upload = SimpleUploadedFile("participants.csv", f"email\n{rows}\n".encode())
    with pytest.raises(imports.ImportRefused) as error:
        imports.participants_import(
            actor=session.trainers.get(), session=session, uploaded_file=upload
        )
    assert "1001 lignes" in error.value.errors[0][1]
    assert not Registration.objects.exists()
