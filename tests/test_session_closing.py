"""Closing a session asks for confirmation first and warns about what is missing: half-days
with no attendance at all, and participants never assessed in the session."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core.audit import AuditLog
from tests import factories
from trainings.models import AssessorRole, SessionStatus
from trainings.services import attendance as attendance_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    """A session over a week ago: 2 half-days, 3 participants."""
    return factories.make_session(participants=3, slots=2, status=SessionStatus.HELD)


def _url(session):
    return reverse("trainings:session_close", args=[session.pk])


def _people(session):
    return list(
        session.registrations.select_related("user").order_by("user__last_name", "user__first_name")
    )


def test_the_page_lists_half_days_without_marks_and_people_never_assessed(client_for, held):
    trainer = held.trainers.get()
    first_slot, second_slot = held.slots.order_by("starts_at")
    people = _people(held)
    attendance_services.attendance_mark_all_present(actor=trainer, slot=first_slot)
    competence = held.competences.first()
    factories.AssessmentFactory(session=held, participant=people[0].user, competence=competence)
    # A self-assessment does not count as being assessed.
    factories.AssessmentFactory(
        session=held,
        participant=people[1].user,
        competence=competence,
        assessor=people[1].user,
        assessor_role=AssessorRole.SELF,
        method="self",
    )
    response = client_for(trainer).get(_url(held))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Clôturer la session" in html
    assert "1 demi-journée sans aucune présence saisie" in html
    assert f"{timezone.localtime(second_slot.starts_at):%H:%M}" in html
    assert "2 participant·es sans aucune évaluation dans cette session" in html
    assert people[1].user.get_full_name() in html and people[2].user.get_full_name() in html
    assert people[0].user.get_full_name() not in html
    assert "Clôturer quand même" in html
    held.refresh_from_db()
    assert held.status == SessionStatus.HELD  # a GET closes nothing


def test_nothing_to_warn_about(client_for, held):
    trainer = held.trainers.get()
    for slot in held.slots.all():
        attendance_services.attendance_mark_all_present(actor=trainer, slot=slot)
    for registration in _people(held):
        factories.AssessmentFactory(
            session=held, participant=registration.user, competence=held.competences.first()
        )
    html = client_for(trainer).get(_url(held)).content.decode()
    assert "À vérifier avant de clôturer" not in html
    assert "chaque personne inscrite a au moins une évaluation" in html


def test_the_session_page_button_only_opens_the_confirmation(client_for, held):
    """The session page posts without the confirmation: the page is shown, nothing closes."""
    response = client_for(held.trainers.get()).post(_url(held))
    assert response.status_code == 200
    assert 'name="confirm" value="1"' in response.content.decode()
    held.refresh_from_db()
    assert held.status == SessionStatus.HELD
    assert not AuditLog.objects.filter(action="session.close").exists()


def test_confirming_closes_the_session(client_for, held):
    trainer = held.trainers.get()
    response = client_for(trainer).post(_url(held), {"confirm": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("trainings:session_manage", args=[held.pk])
    assert "La session est clôturée" in response.content.decode()
    held.refresh_from_db()
    assert held.status == SessionStatus.CLOSED
    assert AuditLog.objects.filter(action="session.close").count() == 1
    # Closed: the page says so and offers no button.
    html = client_for(trainer).get(_url(held)).content.decode()
    assert "déjà clôturée" in html and 'name="confirm"' not in html


def test_a_session_not_over_cannot_be_closed(client_for):
    session = factories.make_session(participants=1, slots=2)
    trainer = session.trainers.get()
    html = client_for(trainer).get(_url(session)).content.decode()
    assert "après la fin de son dernier créneau" in html and 'name="confirm"' not in html
    response = client_for(trainer).post(_url(session), {"confirm": "1"}, follow=True)
    assert "après la fin de son dernier créneau" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED


@pytest.mark.parametrize("who", ["participant", "other_trainer", "mediator"])
def test_only_the_trainers_and_the_hub_see_or_close(client_for, held, who):
    user = {
        "participant": lambda: _people(held)[0].user,
        "other_trainer": lambda: factories.make_session().trainers.get(),
        "mediator": factories.UserFactory,
    }[who]()
    client = client_for(user)
    assert client.get(_url(held)).status_code == 403
    assert client.post(_url(held), {"confirm": "1"}).status_code == 403
    held.refresh_from_db()
    assert held.status == SessionStatus.HELD


def test_the_hub_may_close(client_for, held):
    hub = factories.HubCoordinatorFactory()
    assert client_for(hub).get(_url(held)).status_code == 200
    client_for(hub).post(_url(held), {"confirm": "1"})
    held.refresh_from_db()
    assert held.status == SessionStatus.CLOSED


def test_anonymous_visitors_are_sent_to_login(client, held):
    response = client.get(_url(held))
    assert response.status_code == 302 and "login" in response.url


def test_the_page_costs_few_queries(client_for, held, django_assert_max_num_queries):
    client = client_for(held.trainers.get())
    client.get(_url(held))
    for _index in range(10):
        factories.RegistrationFactory(session=held)
    with django_assert_max_num_queries(14):
        assert client.get(_url(held)).status_code == 200
