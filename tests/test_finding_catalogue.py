"""A mediator finding a session: the public catalogue, the département filter, the cards,
« Pour vous » weighing where the person works, the statuses a learner sees, the on-site or
remote choice of a hybrid session, and no « Annuler » once a session is closed."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Commune
from core.exceptions import DomainError
from tests import factories
from tests.trainings.conftest import at
from trainings.models import AttendanceMode, Registration, SessionStatus
from trainings.selectors import sessions as selectors
from trainings.services import registrations as services

LIST = reverse("trainings:session_list")
LOGIN = reverse("account_login")


def _detail(session):
    return reverse("trainings:session_detail", args=[session.pk])


def _titles(response):
    return [s.title for s in response.context["page"]]


def _place(session, insee_code, postal_code):
    session.structure = factories.StructureFactory(
        commune=Commune.objects.get(insee_code=insee_code), postal_code=postal_code
    )
    session.save()
    return session


# The public catalogue --------------------------------------------------------------------------


def test_anonymous_visitors_see_the_published_sessions_to_come(client, db):
    upcoming = factories.make_session(participants=2)
    draft = factories.make_session(status="draft")
    cancelled = factories.make_session(status="cancelled")
    past = factories.make_session(start=at(-5))
    response = client.get(LIST)
    assert response.status_code == 200
    assert _titles(response) == [upcoming.title]
    assert response.context["for_you"] == []
    body = response.content.decode()
    for hidden in (draft, cancelled, past):
        assert hidden.title not in body
    # Asked to log in or sign up, and brought back to the catalogue.
    assert f'href="{LOGIN}?next=/formations/sessions/"' in body
    assert f'href="{reverse("account_signup")}?next=/formations/sessions/"' in body
    assert "Créer une session" not in body


def test_anonymous_catalogue_keeps_its_filters_and_pagination(client, db):
    from trainings.views.sessions import PAGE_SIZE

    for _ in range(PAGE_SIZE + 1):
        factories.make_session()
    first = client.get(LIST)
    assert len(first.context["page"]) == PAGE_SIZE
    second = client.get(LIST, {"page": 2})
    assert len(second.context["page"]) == 1
    assert client.get(LIST, {"format": "remote"}).context["page"].paginator.count == 0


@pytest.mark.parametrize("count", [2, 12])
def test_anonymous_catalogue_costs_a_constant_number_of_queries(
    client, db, django_assert_max_num_queries, count
):
    for _ in range(count):
        factories.make_session(participants=3)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert len(response.context["page"]) == count


def test_anonymous_visitors_see_a_public_session_without_people_and_are_asked_to_log_in(client, db):
    trainer = factories.UserFactory(first_name="Yasmina", last_name="Formatrice")
    session = factories.make_session(trainer=trainer, participants=3)
    participant = session.registrations.first().user
    session.video_url = "https://visio.example.org/salle-secrete"
    session.save()
    response = client.get(_detail(session))
    assert response.status_code == 200
    body = response.content.decode()
    assert session.title in body
    # No participant, no trainer, no video link, no internal status.
    for private in (participant.last_name, participant.email, "Formatrice", "salle-secrete"):
        assert private not in body
    assert "Publiée" not in body
    assert reverse("trainings:register", args=[session.pk]) not in body
    next_url = f"?next={_detail(session)}"
    assert f'href="{LOGIN}{next_url}"' in body
    assert f'href="{reverse("account_signup")}{next_url}"' in body


@pytest.mark.parametrize("status", ["draft", "cancelled", "closed"])
def test_anonymous_visitors_are_sent_to_log_in_for_any_other_session(client, db, status):
    session = factories.make_session(status=status)
    response = client.get(_detail(session))
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={_detail(session)}"
    # The same answer for a session that does not exist: nothing leaks.
    missing = reverse("trainings:session_detail", args=[session.pk + 1000])
    assert client.get(missing).url == f"{LOGIN}?next={missing}"


def test_registering_while_logged_out_leads_to_the_login_then_back_to_the_session(client, db):
    session = factories.make_session()
    response = client.post(reverse("trainings:register", args=[session.pk]))
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={_detail(session)}"
    assert not Registration.objects.filter(session=session).exists()
    person = factories.UserFactory()
    login = client.post(
        response.url,
        {"login": person.email, "password": factories.DEFAULT_PASSWORD},
    )
    assert login.status_code == 302
    assert login.url == _detail(session)


# The département filter ------------------------------------------------------------------------


def test_the_hub_departements_come_first_then_the_others(client, db, settings):
    settings.SOCLE_HUB_DEPARTEMENTS = ["80", "02", "59", "60", "62"]
    field = client.get(LIST).context["form"]["departement"]
    choices = field.field.choices
    assert choices[0][0] == ""
    hub_label, hub = choices[1]
    others_label, others = choices[2]
    assert hub_label == "Départements du hub"
    assert [code for code, _label in hub] == ["02", "59", "60", "62", "80"]
    assert hub[0][1] == "02 — Aisne"
    assert others_label == "Autres départements"
    codes = [code for code, _label in others]
    assert codes == sorted(codes) and "01" in codes and "80" not in codes
    html = str(field)
    assert html.index('<optgroup label="Départements du hub">') < html.index('value="01"')


def test_the_hub_departements_come_from_the_environment(monkeypatch):
    import importlib

    from config.settings import base

    monkeypatch.setenv("SOCLE_HUB_DEPARTEMENTS", "75, 92 ,93")
    try:
        assert importlib.reload(base).SOCLE_HUB_DEPARTEMENTS == ["75", "92", "93"]
    finally:
        monkeypatch.delenv("SOCLE_HUB_DEPARTEMENTS")
        assert importlib.reload(base).SOCLE_HUB_DEPARTEMENTS == ["02", "59", "60", "62", "80"]


def test_a_departement_keeps_the_sessions_one_can_follow_remotely(client_for, user):
    in_62 = _place(factories.make_session(start=at(3)), "62498", "62300")
    in_59 = _place(factories.make_session(start=at(4)), "59350", "59000")
    remote = factories.make_session(start=at(5))
    remote.format = "remote"
    remote.save()
    hybrid_in_59 = _place(factories.make_session(start=at(6)), "59350", "59000")
    hybrid_in_59.format = "hybrid"
    hybrid_in_59.save()
    client = client_for(user)
    assert _titles(client.get(LIST, {"departement": "62"})) == [
        in_62.title,
        remote.title,
        hybrid_in_59.title,
    ]
    assert in_59.title in _titles(client.get(LIST, {"departement": "59"}))
    assert _titles(client.get(LIST, {"departement": "62", "format": "onsite"})) == [in_62.title]


def test_an_unknown_departement_is_ignored(client_for, user):
    session = factories.make_session()
    response = client_for(user).get(LIST, {"departement": "zz"})
    assert response.status_code == 200
    assert _titles(response) == [session.title]


# Cards ------------------------------------------------------------------------------------------


def test_cards_show_the_competence_titles(client, db):
    session = factories.make_session(competences=2)
    body = client.get(LIST).content.decode()
    for competence in session.competences.all():
        assert competence.title in body
        assert competence.code in body


# « Pour vous » ----------------------------------------------------------------------------------


def test_for_you_puts_first_the_sessions_where_the_person_works(db):
    person = factories.MembershipFactory(
        structure=factories.StructureFactory(
            commune=Commune.objects.get(insee_code="80620"), postal_code="80200"
        )
    ).user
    elsewhere = _place(factories.make_session(start=at(1)), "59350", "59000")
    remote = factories.make_session(start=at(2))
    remote.format = "remote"
    remote.save()
    same_departement = _place(factories.make_session(start=at(3)), "80021", "80000")
    same_commune = _place(factories.make_session(start=at(4)), "80620", "80200")
    found = selectors.sessions_for_you(person)
    assert [s.pk for s in found] == [same_commune.pk, same_departement.pk, remote.pk, elsewhere.pk]
    assert [s.nearness for s in found] == [0, 1, 2, 3]


def test_for_you_reads_the_persons_own_commune_and_ignores_pending_requests(db):
    person = factories.UserFactory(commune=Commune.objects.get(insee_code="62498"))
    factories.MembershipFactory(
        user=person,
        status="pending",
        structure=factories.StructureFactory(
            commune=Commune.objects.get(insee_code="80620"), postal_code="80200"
        ),
    )
    in_80 = _place(factories.make_session(start=at(1)), "80620", "80200")
    in_62 = _place(factories.make_session(start=at(2)), "62498", "62300")
    assert [s.pk for s in selectors.sessions_for_you(person)] == [in_62.pk, in_80.pk]


def test_for_you_without_any_place_keeps_the_soonest_first(db, user):
    later = _place(factories.make_session(start=at(5)), "62498", "62300")
    sooner = _place(factories.make_session(start=at(2)), "80620", "80200")
    assert [s.pk for s in selectors.sessions_for_you(user)] == [sooner.pk, later.pk]


def test_for_you_marks_the_sessions_near_the_persons_structure(client_for, db):
    person = factories.MembershipFactory(
        structure=factories.StructureFactory(
            commune=Commune.objects.get(insee_code="80620"), postal_code="80200"
        )
    ).user
    _place(factories.make_session(), "80620", "80200")
    body = client_for(person).get(LIST).content.decode()
    assert "près de votre structure" in body


# Statuses a learner sees -----------------------------------------------------------------------


def test_learners_do_not_see_internal_statuses(client_for, user):
    session = factories.make_session()
    factories.RegistrationFactory(session=session, user=user)
    client = client_for(user)
    assert "Publiée" not in client.get(_detail(session)).content.decode()
    assert "Publiée" not in client.get(reverse("trainings:my_registrations")).content.decode()
    over = factories.make_session(status="closed")
    factories.RegistrationFactory(session=over, user=user)
    history = client.get(reverse("trainings:my_registrations")).content.decode()
    assert "Clôturée" not in history
    assert "Terminée" in history
    # The trainer still sees the session's status on the pages they manage.
    trainer = session.trainers.get()
    assert "Publiée" in client_for(trainer).get(_detail(session)).content.decode()


def test_a_running_session_says_so_to_learners(client_for, user):
    session = factories.make_session(start=timezone.now() - datetime.timedelta(hours=1))
    body = client_for(user).get(_detail(session)).content.decode()
    assert "En cours" in body and "Publiée" not in body


# Hybrid sessions: on site or remotely ----------------------------------------------------------


@pytest.fixture
def hybrid(db):
    session = factories.make_session(participants=1)
    session.format = "hybrid"
    session.video_url = "https://visio.example.org/salle"
    session.save()
    return session


def test_a_hybrid_session_asks_how_one_will_attend(client_for, user, hybrid):
    client = client_for(user)
    page = client.get(_detail(hybrid)).content.decode()
    assert "Comment participerez-vous ?" in page
    assert 'type="radio" name="attendance_mode" value="onsite"' in page
    url = reverse("trainings:register", args=[hybrid.pk])
    refused = client.post(url)
    assert refused.status_code == 400
    assert "Indiquez si vous viendrez sur place" in refused.content.decode()
    assert not Registration.objects.filter(user=user).exists()
    wrong = client.post(url, {"attendance_mode": "sur la lune"})
    assert wrong.status_code == 400
    assert "Choisissez « Sur place » ou « À distance »" in wrong.content.decode()
    response = client.post(url, {"attendance_mode": "remote"})
    assert response.status_code == 302
    registration = Registration.objects.get(user=user)
    assert registration.attendance_mode == AttendanceMode.REMOTE
    assert "Participation : À distance" in client.get(_detail(hybrid)).content.decode()
    mine = client.get(reverse("trainings:my_registrations")).content.decode()
    assert "Participation : À distance" in mine


def test_the_e_mail_and_the_data_export_say_how_one_will_attend(
    user, hybrid, django_capture_on_commit_callbacks
):
    from django.core import mail

    from privacy import collect

    with django_capture_on_commit_callbacks(execute=True):
        services.registration_register(actor=user, session=hybrid, attendance_mode="remote")
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    assert "Votre participation : à distance" in message.body
    (row,) = [r for r in collect.registrations(user) if r["session"] == hybrid.title]
    assert row["attendance_mode"] == "À distance"


def test_the_trainer_sees_how_each_participant_attends(client_for, user, hybrid):
    services.registration_register(actor=user, session=hybrid, attendance_mode="onsite")
    trainer = hybrid.trainers.get()
    page = client_for(trainer).get(reverse("trainings:session_manage", args=[hybrid.pk]))
    row = re.search(
        rf"<th scope=\"row\">{re.escape(user.get_full_name())}.*?</th>",
        page.content.decode(),
        re.S,
    )
    assert row and "Sur place" in row.group(0)


def test_other_formats_ask_nothing_and_store_nothing(client_for, user):
    session = factories.make_session()
    client = client_for(user)
    assert "Comment participerez-vous ?" not in client.get(_detail(session)).content.decode()
    client.post(reverse("trainings:register", args=[session.pk]), {"attendance_mode": "remote"})
    assert Registration.objects.get(user=user).attendance_mode == ""


def test_the_service_refuses_an_unknown_attendance_mode(user, hybrid):
    with pytest.raises(DomainError) as error:
        services.registration_register(actor=user, session=hybrid, attendance_mode="ailleurs")
    assert error.value.code == "attendance_mode_invalid"
    assert error.value.field == "attendance_mode"


def test_the_database_refuses_an_unknown_attendance_mode(user, hybrid):
    from django.db import IntegrityError, transaction

    registration = hybrid.registrations.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(attendance_mode="ailleurs")


# No « Annuler » on a closed session -----------------------------------------------------------


@pytest.mark.parametrize("status", [SessionStatus.CLOSED, SessionStatus.HELD])
def test_a_closed_session_offers_no_cancel_and_the_service_refuses(client_for, user, status):
    session = factories.make_session(status=status)
    registration = factories.RegistrationFactory(session=session, user=user)
    page = client_for(user).get(_detail(session)).content.decode()
    assert "Annuler mon inscription" not in page
    assert reverse("trainings:registration_cancel", args=[registration.pk]) not in page
    with pytest.raises(DomainError) as error:
        services.registration_cancel(actor=user, registration=registration)
    assert error.value.code in {"session_frozen", "session_started"}
    response = client_for(user).post(
        reverse("trainings:registration_cancel", args=[registration.pk])
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "registered"


def test_a_closed_session_refuses_even_a_session_that_has_not_started(user):
    """Closing is refused before the end, but a session closed by any way keeps its people."""
    session = factories.make_session()
    registration = factories.RegistrationFactory(session=session, user=user)
    type(session).objects.filter(pk=session.pk).update(status=SessionStatus.CLOSED)
    session.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.registration_cancel(actor=user, registration=registration)
    assert error.value.code == "session_frozen"


def test_an_upcoming_session_still_offers_cancel(client_for, user):
    session = factories.make_session()
    factories.RegistrationFactory(session=session, user=user)
    assert "Annuler mon inscription" in client_for(user).get(_detail(session)).content.decode()
