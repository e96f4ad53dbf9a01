"""No attendance mark before its slot starts, whatever the way it is recorded."""

import pytest
from django.urls import reverse

from core.exceptions import DomainError
from tests import factories
from trainings.models import Attendance
from trainings.services.attendance import attendance_record
from trainings.services.imports import ImportRefused, attendance_import

from .test_imports_exports import csv_file

pytestmark = pytest.mark.django_db


def test_the_grid_refuses_a_future_slot_and_offers_no_choice_for_it(
    client_for, session_now, trainer, registrations, slots
):
    client = client_for(trainer)
    url = reverse("trainings:attendance_grid", args=[session_now.pk])
    page = client.get(url).content.decode()
    later_select = f'id="mark-{slots[1].pk}-{registrations[0].pk}"'
    now_select = f'id="mark-{slots[0].pk}-{registrations[0].pk}"'
    later_tag = page[page.index(later_select) : page.index(">", page.index(later_select))]
    now_tag = page[page.index(now_select) : page.index(">", page.index(now_select))]
    assert " disabled" in later_tag and " disabled" not in now_tag
    assert "à venir" in page
    response = client.post(
        url,
        {
            f"mark-{slots[0].pk}-{registrations[0].pk}": "present",
            f"mark-{slots[1].pk}-{registrations[0].pk}": "present",
        },
        follow=True,
    )
    assert "pas encore commencé" in response.content.decode()
    assert not Attendance.objects.exists()  # all or nothing


def test_the_htmx_cell_explains_the_refusal(client_for, session_now, trainer, registrations, slots):
    url = reverse(
        "trainings:attendance_cell", args=[session_now.pk, slots[1].pk, registrations[0].pk]
    )
    response = client_for(trainer).post(url, {"status": "absent"}, HTTP_HX_REQUEST="true")
    assert "pas encore commencé" in response.content.decode()
    assert not Attendance.objects.exists()


def test_an_import_row_on_a_future_slot_is_refused(session_now, trainer, registrations):
    upload = csv_file(
        [
            ["email", "créneau", "statut"],
            [registrations[0].user.email, "1", "présent"],
            [registrations[0].user.email, "2", "absent"],
        ]
    )
    with pytest.raises(ImportRefused) as error:
        attendance_import(actor=trainer, session=session_now, uploaded_file=upload)
    assert error.value.errors[0][0] == 3  # the line of the second row
    assert "pas encore commencé" in error.value.errors[0][1]
    assert not Attendance.objects.exists()


def test_a_tomorrow_session_has_no_mark_at_all():
    session = factories.make_session(participants=1)
    with pytest.raises(DomainError) as error:
        attendance_record(
            actor=session.trainers.get(),
            slot=session.slots.first(),
            registration=session.registrations.get(),
            status="excused",
        )
    assert error.value.code == "slot_not_started"
