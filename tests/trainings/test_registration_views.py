"""A mediator's registrations: their own only, cancel, .ics download, home panel."""

import pytest
from django.urls import reverse

from tests import factories
from trainings.models import Registration

pytestmark = pytest.mark.django_db


def test_my_registrations_lists_only_mine(client_for, user):
    mine = factories.make_session()
    factories.RegistrationFactory(session=mine, user=user)
    other = factories.make_session(participants=2)
    content = client_for(user).get(reverse("trainings:my_registrations")).content.decode()
    assert mine.title in content
    assert other.title not in content


@pytest.mark.parametrize("count", [1, 10])
def test_my_registrations_constant_queries(client_for, user, django_assert_max_num_queries, count):
    for _ in range(count):
        factories.RegistrationFactory(session=factories.make_session(), user=user)
        # Waiting lists too: each rank used to cost a query.
        full = factories.make_session(participants=12)
        factories.RegistrationFactory(session=full, status="waiting")
        factories.RegistrationFactory(session=full, user=user, status="waiting")
    client = client_for(user)
    # Upcoming (2) and a page of history (count, page, slots): the same for 1 or 10.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("trainings:my_registrations"))
    assert len(response.context["upcoming"]) == 2 * count
    assert set(response.context["waiting_positions"].values()) == {2}
    assert response.content.decode().count("rang 2") == count


def test_cancel_my_registration_and_not_someone_elses(client_for, user):
    session = factories.make_session(participants=1)
    mine = factories.RegistrationFactory(session=session, user=user)
    theirs = session.registrations.exclude(pk=mine.pk).get()
    client = client_for(user)
    url = reverse("trainings:registration_cancel", args=[theirs.pk])
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "registered"
    response = client.post(reverse("trainings:registration_cancel", args=[mine.pk]), follow=True)
    assert "Votre inscription est annulée." in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_ics_download(client_for, user):
    session = factories.make_session(slots=3)
    registration = factories.RegistrationFactory(session=session, user=user)
    response = client_for(user).get(reverse("trainings:registration_ics", args=[registration.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response.content.decode().count("BEGIN:VEVENT") == 3
    stranger = factories.UserFactory()
    url = reverse("trainings:registration_ics", args=[registration.pk])
    assert client_for(stranger).get(url).status_code == 404


def test_home_panel_shows_next_registrations_and_trainer_sessions(client_for, user):
    session = factories.make_session()
    factories.RegistrationFactory(session=session, user=user)
    content = client_for(user).get("/").content.decode()
    assert "Mes prochaines sessions" in content and session.title in content
    assert "Les sessions que j'anime" not in content
    trainer = session.trainers.get()
    content = client_for(trainer).get("/").content.decode()
    assert "Les sessions que j'anime" in content and session.title in content


def test_navigation_entries_per_role(client_for, user, hub_user):
    content = client_for(user).get("/").content.decode()
    assert reverse("trainings:session_list") in content
    assert reverse("trainings:my_registrations") in content
    assert reverse("trainings:my_sessions") not in content
    assert reverse("trainings:accreditation_list") not in content
    trainer = factories.make_session().trainers.get()
    assert reverse("trainings:my_sessions") in client_for(trainer).get("/").content.decode()
    assert reverse("trainings:accreditation_list") in client_for(hub_user).get("/").content.decode()


def test_register_post_creates_one_registration(client_for, user):
    session = factories.make_session()
    client = client_for(user)
    client.post(reverse("trainings:register", args=[session.pk]))
    response = client.post(reverse("trainings:register", args=[session.pk]), follow=True)
    assert "déjà inscrit" in response.content.decode()
    assert Registration.objects.filter(user=user).count() == 1


def test_waiting_list_gets_no_video_link_in_the_calendar_file_or_the_email(
    client_for, run_on_commit, mailoutbox
):
    """The session page shows the video link to registered people only; the .ics download
    and the waiting-list e-mail gave it to the waiting list too."""
    from trainings.services.registrations import registration_register

    session = factories.make_session(participants=12)
    session.format = "hybrid"
    session.video_url = "https://visio.example.org/secret-room"
    session.save()
    waiting_user = factories.UserFactory()
    waiting = run_on_commit(registration_register, actor=waiting_user, session=session)
    assert waiting.status == "waiting"
    assert "secret-room" not in mailoutbox[-1].body
    assert all("secret-room" not in str(part) for part in mailoutbox[-1].attachments)
    calendar = client_for(waiting_user).get(
        reverse("trainings:registration_ics", args=[waiting.pk])
    )
    assert calendar.status_code == 200
    assert "secret-room" not in calendar.content.decode().replace("\r\n ", "")
    registered = session.registrations.filter(status="registered").first()
    calendar = client_for(registered.user).get(
        reverse("trainings:registration_ics", args=[registered.pk])
    )
    assert "secret-room" in calendar.content.decode().replace("\r\n ", "")


def test_the_history_of_my_registrations_is_paginated_newest_first(client_for, user):
    from trainings.selectors.registrations import HISTORY_PER_PAGE

    sessions = [factories.make_session(status="closed") for _ in range(HISTORY_PER_PAGE + 2)]
    for session in sessions:
        factories.RegistrationFactory(session=session, user=user)
    client = client_for(user)
    first = client.get(reverse("trainings:my_registrations")).context["history"]
    assert len(first) == HISTORY_PER_PAGE and first.paginator.count == HISTORY_PER_PAGE + 2
    starts = [r.session.starts_at for r in first]
    assert starts == sorted(starts, reverse=True)
    second = client.get(reverse("trainings:my_registrations"), {"page": 2}).context["history"]
    assert len(second) == 2
