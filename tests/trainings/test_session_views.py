"""Session pages: permissions per role, forms and their bad input, actions, query counts."""

import pytest
from django.urls import reverse

from core.models import AuditLog
from tests import factories
from tests.session_form_data import management, slot_fields
from trainings.models import Registration, Session, SessionStatus

from .conftest import at

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"trainings:{name}", args=args)


def _slot_data(rows, initial=0):
    data = management(len(rows), initial)
    for index, (slot_id, start, end) in enumerate(rows):
        data.update(slot_fields(index, start, end, slot_id))
    return data


def _form_data(reference, bloc, slots, **overrides):
    from django.utils import timezone

    data = {
        "title": "Accompagner les démarches en ligne",
        "description": "Pratique entre pairs.",
        "objectives": "",
        "version": reference.pk,
        "competences": [c.pk for c in bloc.competences.all()],
        "format": "onsite",
        "structure": "",
        "address": "12 rue de la Paix, Lille",
        "video_url": "",
        "capacity": "8",
    }
    data.update(
        _slot_data([(None, timezone.localtime(s), timezone.localtime(e)) for s, e in slots])
    )
    data.update(overrides)
    return data


# Detail and management pages -----------------------------------------------------------------


def test_draft_is_hidden_from_mediators(client_for, user):
    draft = factories.make_session(status="draft")
    assert client_for(user).get(_url("session_detail", draft.pk)).status_code == 404
    trainer = draft.trainers.get()
    assert client_for(trainer).get(_url("session_detail", draft.pk)).status_code == 200


def test_a_cancelled_draft_stays_hidden_from_mediators(client_for, user):
    """Cancelling a draft made it public: its page showed to anyone who tried its id."""
    from trainings.services.sessions import session_cancel

    draft = factories.make_session(status="draft")
    trainer = draft.trainers.get()
    session_cancel(actor=trainer, session=draft)
    assert client_for(user).get(_url("session_detail", draft.pk)).status_code == 404
    assert client_for(trainer).get(_url("session_detail", draft.pk)).status_code == 200
    published = factories.make_session()
    session_cancel(actor=published.trainers.get(), session=published, reason="Salle fermée")
    response = client_for(user).get(_url("session_detail", published.pk))
    assert response.status_code == 200 and "Salle fermée" in response.content.decode()


def test_manage_page_permissions(client, user, hub_user):
    session = factories.make_session(participants=2)
    participant = session.registrations.first().user
    other_trainer = factories.make_session().trainers.get()
    url = _url("session_manage", session.pk)
    for someone, expected in [
        (user, 403),
        (participant, 403),
        (other_trainer, 403),
        (hub_user, 200),
        (session.trainers.get(), 200),
    ]:
        client.force_login(someone)
        assert client.get(url).status_code == expected, someone
    assert client.get(_url("session_manage", 999999)).status_code == 404


def test_trainer_sees_only_their_sessions_participants(client_for):
    mine = factories.make_session(participants=2)
    theirs = factories.make_session(participants=2)
    trainer = mine.trainers.get()
    content = client_for(trainer).get(_url("session_manage", mine.pk)).content.decode()
    for registration in mine.registrations.all():
        assert registration.user.email in content
    for registration in theirs.registrations.all():
        assert registration.user.email not in content
    client = client_for(trainer)
    for name in ("session_edit", "session_cancel", "session_duplicate"):
        assert client.get(_url(name, theirs.pk)).status_code == 403
    for name in ("session_publish", "session_close", "participant_add"):
        assert client.post(_url(name, theirs.pk)).status_code == 403


def test_manage_page_includes_the_evaluation_tools(client_for):
    session = factories.make_session()
    content = client_for(session.trainers.get()).get(_url("session_manage", session.pk))
    assert "Émargement et évaluations" in content.content.decode()


@pytest.mark.parametrize("participants", [3, 30])
def test_manage_page_constant_queries(client_for, django_assert_max_num_queries, participants):
    session = factories.make_session(participants=participants)
    factories.RegistrationFactory.create_batch(participants // 3, session=session, status="waiting")
    client = client_for(session.trainers.get())
    with django_assert_max_num_queries(10):
        response = client.get(_url("session_manage", session.pk))
    assert len(response.context["registered"]) == participants


def test_detail_register_and_waiting_messages(client_for, user):
    session = factories.make_session(participants=11)
    client = client_for(user)
    response = client.post(_url("register", session.pk), follow=True)
    assert "Vous êtes inscrit·e" in response.content.decode()
    other = factories.UserFactory()
    response = client_for(other).post(_url("register", session.pk), follow=True)
    content = response.content.decode()
    assert "liste d'attente" in content and "Position : 1." in content
    assert Registration.objects.get(user=other).status == "waiting"


def test_detail_shows_video_link_only_to_registered_people(client_for, user):
    session = factories.make_session(participants=1)
    session.format = "hybrid"
    session.video_url = "https://visio.example.org/secret-room"
    session.save()
    assert (
        "secret-room"
        not in client_for(user).get(_url("session_detail", session.pk)).content.decode()
    )
    registered = session.registrations.get().user
    content = client_for(registered).get(_url("session_detail", session.pk)).content.decode()
    assert "secret-room" in content


def test_register_refused_shows_the_reason(client_for):
    session = factories.make_session()
    response = client_for(session.trainers.get()).post(_url("register", session.pk), follow=True)
    assert "ne peuvent pas s&#x27;y inscrire" in response.content.decode()
    assert not Registration.objects.exists()
    assert client_for(factories.UserFactory()).get(_url("register", session.pk)).status_code == 405


# Create and edit -----------------------------------------------------------------------------


def test_mediator_without_accreditation_cannot_create(client_for, user):
    assert client_for(user).get(_url("session_create")).status_code == 403


def test_create_with_two_slots(client_for, trainer, reference, bloc1):
    client = client_for(trainer)
    page = client.get(_url("session_create"))
    assert page.status_code == 200
    assert "B1.C1" in page.content.decode()
    data = _form_data(reference, bloc1, [(at(7, 9), at(7, 12, 30)), (at(7, 13, 30), at(7, 17))])
    response = client.post(_url("session_create"), data)
    session = Session.objects.get()
    assert response.status_code == 302
    assert response.url == _url("session_manage", session.pk)
    assert session.status == SessionStatus.DRAFT
    assert session.slots.count() == 2
    assert list(session.trainers.all()) == [trainer]


def test_create_with_overlapping_slots_shows_the_error(client_for, trainer, reference, bloc1):
    data = _form_data(reference, bloc1, [(at(7, 9), at(7, 12, 30)), (at(7, 12), at(7, 17))])
    response = client_for(trainer).post(_url("session_create"), data)
    assert response.status_code == 400
    assert "Les créneaux n°1 et n°2 se chevauchent." in response.content.decode()
    assert not Session.objects.exists()


def test_create_on_a_bloc_the_trainer_is_not_accredited_for(client_for, trainer, reference, bloc2):
    # The form does not offer bloc B2; a forged POST of its competences is refused.
    data = _form_data(reference, bloc2, [(at(7, 9), at(7, 12))])
    response = client_for(trainer).post(_url("session_create"), data)
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Session.objects.exists()


def test_create_with_a_co_trainer_not_accredited_on_the_bloc(
    client_for, trainer, reference, bloc1, bloc2
):
    # Accredited on the referential (so a candidate), but not on bloc B1.
    co_trainer = factories.UserFactory(first_name="Inès", last_name="Roux")
    factories.AccreditationFactory(user=co_trainer, bloc=bloc2)
    data = _form_data(reference, bloc1, [(at(7, 9), at(7, 12))], co_trainers=[co_trainer.pk])
    response = client_for(trainer).post(_url("session_create"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Inès Roux n&#x27;est pas habilité·e à former sur le bloc B1" in page
    assert not Session.objects.exists()


def test_every_refusal_is_shown_at_once(client_for, trainer, reference, bloc1):
    # The title is not one line, the slot ends before it starts, no place: three rules,
    # one submission.
    data = _form_data(reference, bloc1, [(at(7, 12), at(7, 9))], title="Deux\nlignes", address="")
    response = client_for(trainer).post(_url("session_create"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Créneau n°1 : la fin" in page
    assert "L&#x27;intitulé tient sur une ligne" in page
    assert "a besoin d&#x27;un lieu" in page
    assert not Session.objects.exists()


def test_every_half_day_problem_is_shown_at_once(client_for, trainer, reference, bloc1):
    data = _form_data(reference, bloc1, [(at(7, 12), at(7, 9)), (at(-3, 9), at(-3, 12))])
    response = client_for(trainer).post(_url("session_create"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Créneau n°1 : la fin" in page and "Créneau n°2 : il commence dans le passé" in page


def test_form_and_slot_errors_are_shown_together(client_for, trainer, reference, bloc1):
    data = _form_data(reference, bloc1, [(at(7, 9), at(7, 12))], capacity="0")
    data["slots-0-day"] = "pas une date"
    response = client_for(trainer).post(_url("session_create"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nombre de places" in page and "Demi-journée n°1 — Date" in page


def test_half_day_without_times_takes_the_usual_hours(client_for, trainer, reference, bloc1):
    data = _form_data(reference, bloc1, [(at(7, 9), at(7, 12))])
    data.update({"slots-0-half": "afternoon", "slots-0-start_time": "", "slots-0-end_time": ""})
    response = client_for(trainer).post(_url("session_create"), data)
    assert response.status_code == 302
    slot = Session.objects.get().slots.get()
    from django.utils import timezone

    assert timezone.localtime(slot.starts_at).strftime("%H:%M") == "13:30"
    assert timezone.localtime(slot.ends_at).strftime("%H:%M") == "17:00"
    assert timezone.localdate(slot.starts_at) == at(7).date()


def test_edit_form_shows_half_days(client_for):
    session = factories.make_session()
    slot = session.slots.order_by("starts_at").first()
    page = client_for(session.trainers.get()).get(_url("session_edit", session.pk)).content.decode()
    from django.utils import timezone

    start = timezone.localtime(slot.starts_at)
    assert f'value="{start:%Y-%m-%d}"' in page and f'value="{start:%H:%M}"' in page


def test_co_trainer_typed_without_javascript(client_for, trainer, reference, bloc1):
    co_trainer = factories.UserFactory(first_name="Nadia", last_name="Lemaire")
    factories.AccreditationFactory(user=co_trainer, bloc=bloc1)
    namesake = factories.UserFactory(first_name="Nathan", last_name="Lemaire")
    factories.AccreditationFactory(user=namesake, bloc=bloc1)
    client = client_for(trainer)
    data = _form_data(reference, bloc1, [(at(7, 9), at(7, 12))], co_trainer_search="lemaire")
    response = client.post(_url("session_create"), data)
    assert response.status_code == 400
    assert "ne désigne pas une seule personne habilitée" in response.content.decode()
    data["co_trainer_search"] = "nad lem"
    # Another error: the page shows her as chosen, and sending it again keeps her once.
    response = client.post(_url("session_create"), {**data, "capacity": "0"})
    assert response.status_code == 400
    assert f'name="co_trainers" value="{co_trainer.pk}"' in response.content.decode()
    data["co_trainers"] = [co_trainer.pk]
    assert client.post(_url("session_create"), data).status_code == 302
    assert set(Session.objects.get().trainers.all()) == {trainer, co_trainer}


def test_co_trainer_search(client_for, trainer, reference, bloc1):
    wanted = factories.UserFactory(first_name="Nadia", last_name="Lemaire", email="n.lem@ex.fr")
    factories.AccreditationFactory(user=wanted, bloc=bloc1)
    factories.UserFactory(first_name="Nadia", last_name="Lemoine")  # not accredited
    client = client_for(trainer)
    url = _url("co_trainer_search")
    page = client.get(url, {"version": reference.pk, "co_trainer_search": "lem"}).content.decode()
    assert "Nadia Lemaire" in page and "Lemoine" not in page
    # The trainer is not their own co-trainer; a whole e-mail designates one person.
    assert (
        "Karim"
        not in client.get(
            url, {"version": reference.pk, "co_trainer_search": "karim"}
        ).content.decode()
    )
    page = client.get(url, {"version": reference.pk, "co_trainer_search": "N.LEM@ex.fr"})
    assert "Nadia Lemaire" in page.content.decode()
    # Unknown or forged versions find nobody.
    for version in ("", "x", "99999999999999999999999"):
        response = client.get(url, {"version": version, "co_trainer_search": "lem"})
        assert response.status_code == 200 and "Lemaire" not in response.content.decode()
    # Mediators cannot list trainers.
    client.force_login(factories.UserFactory())
    assert client.get(url, {"version": reference.pk, "co_trainer_search": "lem"}).status_code == 403


def test_co_trainer_search_queries(
    client_for, trainer, reference, bloc1, django_assert_max_num_queries
):
    for n in range(30):
        factories.AccreditationFactory(
            user=factories.UserFactory(last_name=f"Lemaire{n}"), bloc=bloc1
        )
    client = client_for(trainer)
    with django_assert_max_num_queries(8):
        page = client.get(
            _url("co_trainer_search"), {"version": reference.pk, "co_trainer_search": "lem"}
        ).content.decode()
    assert page.count("data-co-trainer-id") == 10  # a short list, never every trainer


def test_create_slot_ending_before_start(client_for, trainer, reference, bloc1):
    data = _form_data(reference, bloc1, [(at(7, 12), at(7, 9))])
    response = client_for(trainer).post(_url("session_create"), data)
    assert "Créneau n°1 : la fin" in response.content.decode()
    assert not Session.objects.exists()


def test_create_with_co_trainer(client_for, trainer, reference, bloc1):
    co_trainer = factories.UserFactory()
    factories.AccreditationFactory(user=co_trainer, bloc=bloc1)
    data = _form_data(reference, bloc1, [(at(7, 9), at(7, 12))], co_trainers=[co_trainer.pk])
    client_for(trainer).post(_url("session_create"), data)
    assert set(Session.objects.get().trainers.all()) == {trainer, co_trainer}


def test_competence_choices_partial(client_for, trainer, reference):
    response = client_for(trainer).get(
        _url("session_competence_choices"), {"version": reference.pk}
    )
    assert response.status_code == 200
    page = response.content.decode()
    # Only the blocs the trainer is accredited for.
    assert "B1.C1" in page and "B2.C3" not in page


def test_hub_is_offered_every_bloc(client_for, hub_user, reference):
    response = client_for(hub_user).get(
        _url("session_competence_choices"), {"version": reference.pk}
    )
    assert "B1.C1" in response.content.decode() and "B2.C3" in response.content.decode()


def test_trainer_without_accreditation_is_told_why(client_for, reference, bloc1):
    import datetime

    from django.utils import timezone

    expired = factories.UserFactory()
    factories.AccreditationFactory(
        user=expired,
        bloc=bloc1,
        valid_from=timezone.localdate() - datetime.timedelta(days=400),
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )
    factories.make_session().trainers.add(expired)  # a trainer, by the session they run
    page = client_for(expired).get(_url("session_create")).content.decode()
    assert "Vous n'êtes habilité·e sur aucun bloc" in page


def test_edit_capacity_below_registered(client_for):
    session = factories.make_session(participants=5)
    trainer = session.trainers.get()
    client = client_for(trainer)
    assert client.get(_url("session_edit", session.pk)).status_code == 200
    slots = [(s.pk, s.starts_at, s.ends_at) for s in session.slots.order_by("starts_at")]
    from django.utils import timezone

    data = {
        "title": session.title,
        "version": session.version_id,
        "competences": [c.pk for c in session.competences.all()],
        "format": "onsite",
        "address": session.address,
        "capacity": "3",
        **_slot_data(
            [(pk, timezone.localtime(s), timezone.localtime(e)) for pk, s, e in slots],
            initial=len(slots),
        ),
    }
    response = client.post(_url("session_edit", session.pk), data)
    assert response.status_code == 400
    assert "personnes déjà inscrites (5)" in response.content.decode()
    data["capacity"] = "6"
    response = client.post(_url("session_edit", session.pk), data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.capacity == 6
    assert session.slots.count() == 2


# Actions -------------------------------------------------------------------------------------


def test_publish_cancel_duplicate_close(client_for, mailoutbox, django_capture_on_commit_callbacks):
    draft = factories.make_session(status="draft", participants=0)
    trainer = draft.trainers.get()
    client = client_for(trainer)
    client.post(_url("session_publish", draft.pk))
    draft.refresh_from_db()
    assert draft.status == "published"

    response = client.post(_url("session_duplicate", draft.pk), {"weeks": "2"})
    copy = Session.objects.exclude(pk=draft.pk).get()
    assert response.url == _url("session_manage", copy.pk)
    assert copy.status == "draft" and copy.title.endswith("(copie)")

    factories.RegistrationFactory(session=draft)
    response = client.post(_url("session_cancel", draft.pk), {"reason": ""})
    assert response.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("session_cancel", draft.pk), {"reason": "Salle indisponible"})
    draft.refresh_from_db()
    assert draft.status == "cancelled"
    assert len(mailoutbox) == 1 and "Salle indisponible" in mailoutbox[0].body

    past = factories.make_session(trainer=trainer, start=at(-2))
    manage = client.get(_url("session_manage", past.pk)).content.decode()
    assert "Clôturer la session" in manage
    # The session page's button opens the confirmation page; confirming closes.
    client.post(_url("session_close", past.pk), {"confirm": "1"})
    past.refresh_from_db()
    assert past.status == "closed"


def test_close_too_early_shows_the_reason(client_for):
    session = factories.make_session()
    client = client_for(session.trainers.get())
    response = client.post(_url("session_close", session.pk), follow=True)
    assert "après la fin de son dernier créneau" in response.content.decode()


def test_trainer_adds_and_removes_participants(client_for, django_capture_on_commit_callbacks):
    session = factories.make_session(participants=1)
    trainer = session.trainers.get()
    client = client_for(trainer)
    response = client.post(_url("participant_add", session.pk), {"email": "inconnu@exemple.test"})
    assert response.status_code == 400
    assert "Aucun compte n&#x27;utilise l&#x27;adresse" in response.content.decode()
    newcomer = factories.UserFactory()
    response = client.post(_url("participant_add", session.pk), {"email": newcomer.email.upper()})
    assert response.status_code == 302
    registration = Registration.objects.get(user=newcomer)
    assert registration.added_by == trainer
    response = client.post(_url("participant_add", session.pk), {"email": newcomer.email})
    assert response.status_code == 400
    assert "déjà inscrit" in response.content.decode()
    client.post(_url("participant_remove", session.pk, registration.pk))
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    other_session = factories.make_session(participants=1)
    foreign = other_session.registrations.get()
    assert client.post(_url("participant_remove", session.pk, foreign.pk)).status_code == 404


# Mes sessions --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 8])
def test_my_sessions_groups_and_constant_queries(
    client_for, trainer, django_assert_max_num_queries, count
):
    for _ in range(count):
        factories.make_session(trainer=trainer, participants=2)
    factories.make_session(trainer=trainer, status="draft")
    factories.make_session(trainer=trainer, status="closed")
    factories.make_session()  # someone else's
    client = client_for(trainer)
    # Drafts and upcoming, a page of past sessions, the latest cancelled: the same for 1 or 8.
    with django_assert_max_num_queries(10):
        response = client.get(_url("my_sessions"))
    groups = response.context["groups"]
    assert len(groups["upcoming"]) == count
    assert len(groups["drafts"]) == 1 and len(groups["past"]) == 1
    assert not AuditLog.objects.exclude(action="user.login").exists()  # reading writes nothing


def _edit_data(session, **overrides):
    from django.utils import timezone

    slots = [(s.pk, s.starts_at, s.ends_at) for s in session.slots.order_by("starts_at")]
    data = {
        "title": session.title,
        "version": session.version_id,
        "competences": [c.pk for c in session.competences.all()],
        "format": session.format,
        "address": session.address,
        "capacity": str(session.capacity),
        "co_trainers": [t.pk for t in session.trainers.all()][1:],
        **_slot_data(
            [(pk, timezone.localtime(s), timezone.localtime(e)) for pk, s, e in slots],
            initial=len(slots),
        ),
    }
    data.update(overrides)
    return data


def test_running_session_can_be_edited_without_moving_its_past_slots(client_for):
    import datetime

    from django.utils import timezone

    session = factories.make_session(start=timezone.now() - datetime.timedelta(hours=1, seconds=7))
    client = client_for(session.trainers.get())
    response = client.post(_url("session_edit", session.pk), _edit_data(session, title="Renommée"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title == "Renommée"
    first = session.slots.order_by("starts_at").first()
    moved = _edit_data(session)
    moved.update(
        slot_fields(0, first.starts_at - datetime.timedelta(hours=1), first.ends_at, first.pk)
    )
    response = client.post(_url("session_edit", session.pk), moved)
    assert response.status_code == 400
    assert "il commence dans le passé" in response.content.decode()


def test_edit_keeps_a_co_trainer_who_lost_the_accreditation_and_says_why(client_for):
    session = factories.make_session()
    trainer = session.trainers.get()
    co_trainer = factories.UserFactory(first_name="Julien", last_name="Martin")
    session.trainers.add(co_trainer)  # was accredited when added; no accreditation any more
    client = client_for(trainer)
    page = client.get(_url("session_edit", session.pk)).content.decode()
    assert "Julien Martin" in page
    response = client.post(
        _url("session_edit", session.pk), _edit_data(session, co_trainers=[co_trainer.pk])
    )
    assert response.status_code == 400
    assert "Julien Martin n&#x27;est pas habilité·e" in response.content.decode()
    assert set(session.trainers.all()) == {trainer, co_trainer}


def test_past_sessions_are_paginated_newest_first(client_for, trainer):
    from trainings.selectors.sessions import PAST_SESSIONS_PER_PAGE

    for _ in range(PAST_SESSIONS_PER_PAGE + 1):
        factories.make_session(trainer=trainer, status="closed")
    client = client_for(trainer)
    past = client.get(_url("my_sessions")).context["groups"]["past"]
    assert len(past) == PAST_SESSIONS_PER_PAGE and past.has_next()
    starts = [s.starts_at for s in past]
    assert starts == sorted(starts, reverse=True)
    assert len(client.get(_url("my_sessions"), {"page": 2}).context["groups"]["past"]) == 1


def test_the_badge_counts_one_person_in_the_singular(client_for):
    session = factories.make_session(participants=1)
    page = client_for(session.trainers.get()).get(_url("session_manage", session.pk))
    assert f"1 inscrit·e sur {session.capacity} places" in page.content.decode()
