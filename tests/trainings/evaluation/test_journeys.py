"""Scenario tests, one per journey, through the pages as a user would go."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import level_of
from trainings.models import Assessment, AssessorRole, Attendance, AttendanceMethod
from trainings.selectors.assessments import counting_assessment
from trainings.selectors.attendance import attended_hours
from trainings.services.sessions import session_close

pytestmark = pytest.mark.django_db


def test_mediator_signs_attendance_and_self_assesses(
    client, session_now, trainer, participant, slots
):
    competence = session_now.competences.order_by("order").first()
    version = session_now.version

    # Before the session, the mediator positions themselves from "Mes évaluations".
    client.force_login(participant)
    page = client.get(reverse("trainings:my_assessments")).content.decode()
    link = re.search(
        rf'href="([^"]*\?competence={competence.pk}&amp;session={session_now.pk})"', page
    ).group(1)
    form = client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200
    client.post(
        reverse("trainings:self_assessment"),
        {
            "competence": competence.pk,
            "level": level_of(version, 1).pk,
            "session": session_now.pk,
            "comment": "Je découvre",
        },
    )

    # During the slot, the trainer shows the code; the mediator types it.
    client.force_login(trainer)
    sign_url = reverse("trainings:sign_code", args=[session_now.pk])
    sign_page = client.post(sign_url, follow=True).content.decode()
    code = re.search(r'<span aria-hidden="true">([A-Z0-9]{6})</span>', sign_page).group(1)
    client.force_login(participant)
    response = client.post(reverse("trainings:attendance_sign"), {"code": code}, follow=True)
    assert "Votre présence est enregistrée" in response.content.decode()
    mark = Attendance.objects.get()
    assert mark.method == AttendanceMethod.CODE and mark.recorded_by == participant
    assert attended_hours(participant, session_now) == slots[0].duration_hours

    # A second try is refused with a clear message.
    again = client.post(reverse("trainings:attendance_sign"), {"code": code})
    assert "Vous avez déjà signé pour ce créneau." in again.content.decode()

    # After the session, a second positioning; both stay, beside the trainer's assessment.
    client.force_login(trainer)
    prefix = f"a{participant.registrations.get().pk}-{competence.pk}-"
    client.post(
        reverse(
            "trainings:assessment_cell",
            args=[session_now.pk, participant.registrations.get().pk, competence.pk],
        ),
        {
            prefix + "level": level_of(version, 2).pk,
            prefix + "method": "observation",
            prefix + "assessed_on": timezone.localdate().isoformat(),
        },
    )
    client.force_login(participant)
    client.post(
        reverse("trainings:self_assessment"),
        {"competence": competence.pk, "level": level_of(version, 3).pk, "comment": "Plus à l'aise"},
    )
    page = client.get(reverse("trainings:my_assessments")).content.decode()
    assert "Je découvre" in page and "Plus à l&#x27;aise" in page
    assert "2 · En cours d&#x27;acquisition" in page
    assert Assessment.objects.filter(assessor_role=AssessorRole.SELF).count() == 2
    counted = counting_assessment(
        participant,
        competence,
    )
    assert counted.level.rank == 2  # self-assessments never count


def test_trainer_takes_attendance_and_assesses(
    client, session_now, trainer, registrations, slots, afternoon
):
    client.force_login(trainer)
    competence = session_now.competences.order_by("order").first()

    # From the session page, the tools lead to the attendance grid.
    manage = client.get(reverse("trainings:session_manage", args=[session_now.pk]))
    assert reverse("trainings:attendance_grid", args=[session_now.pk]) in manage.content.decode()

    # Attendance: one cell with htmx, then a correction, then the rest without JavaScript.
    first = registrations[0]
    cell = reverse("trainings:attendance_cell", args=[session_now.pk, slots[0].pk, first.pk])
    client.post(cell, {"status": "absent"}, HTTP_HX_REQUEST="true")
    client.post(cell, {"status": "late"}, HTTP_HX_REQUEST="true")
    client.post(
        reverse("trainings:attendance_grid", args=[session_now.pk]),
        {
            f"mark-{slots[1].pk}-{first.pk}": "present",
            f"mark-{slots[0].pk}-{registrations[1].pk}": "excused",
            f"mark-{slots[1].pk}-{registrations[1].pk}": "present",
        },
    )
    assert Attendance.objects.filter(is_current=True).count() == 4
    assert Attendance.objects.filter(is_current=False).count() == 1
    assert attended_hours(first.user, session_now) == 7
    assert attended_hours(registrations[1].user, session_now) == 3.5

    # Assessment on the grid: open the cell form, record, then supersede.
    url = reverse("trainings:assessment_cell", args=[session_now.pk, first.pk, competence.pk])
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    prefix = f"a{first.pk}-{competence.pk}-"
    for rank in (2, 3):
        client.post(
            url,
            {
                prefix + "level": level_of(session_now.version, rank).pk,
                prefix + "criteria": [c.pk for c in competence.criteria.all()],
                prefix + "method": "situation",
                prefix + "assessed_on": timezone.localdate().isoformat(),
                prefix + "evidence": "Démarche ANTS accompagnée",
            },
            HTTP_HX_REQUEST="true",
        )
    grid = client.get(reverse("trainings:evaluation_grid", args=[session_now.pk]))
    assert "3 · Acquis" in grid.content.decode()
    assert Assessment.objects.filter(participant=first.user).count() == 2

    # Closing freezes the session: later writes are refused.
    session_close(
        actor=trainer, session=session_now, now=slots[-1].ends_at + datetime.timedelta(minutes=5)
    )
    session_now.refresh_from_db()
    response = client.post(cell, {"status": "absent"}, HTTP_HX_REQUEST="true")
    assert "clôturée" in response.content.decode()
    assert Attendance.objects.filter(is_current=True).count() == 4
