"""Browser journeys for sessions: a trainer creates and publishes a session with slots; a
mediator registers; a full session puts a second mediator on the waiting list and the first
one's cancellation promotes them."""

import datetime

from django.core import mail
from django.utils import timezone

from tests import factories
from trainings.models import Registration, Session


def _day(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).strftime("%Y-%m-%d")


def _nav(page, name):
    return page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name=name, exact=True
    )


def _logout(page):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()


def test_session_trainer_creates_and_publishes_a_session(page, login):
    reference = factories.make_reference(blocs=2, competences=3)
    bloc = reference.blocs.get(code="B1")
    trainer = factories.UserFactory(first_name="Sophie", last_name="Lefebvre")
    factories.AccreditationFactory(user=trainer, bloc=bloc)
    co_trainer = factories.UserFactory(first_name="Nadia", last_name="Benali")
    factories.AccreditationFactory(user=co_trainer, bloc=bloc)
    login(trainer, factories.DEFAULT_PASSWORD)

    _nav(page, "Mes sessions").click()
    page.get_by_role("link", name="Créer une session").click()
    page.get_by_role("textbox", name="Intitulé").fill("Accompagner les démarches en ligne")
    # Only the bloc she is accredited for is offered (once the fieldset is there to tell).
    page.locator("#competences-fieldset legend").first.wait_for()
    assert page.locator("#competences-fieldset legend", has_text="B2").count() == 0
    for competence in bloc.competences.order_by("code")[:2]:
        page.locator(f"#id_competence_{competence.pk}").check()
    page.get_by_role("textbox", name="Lieu : adresse").fill("12 rue de la Paix, 59000 Lille")
    page.locator("#id_capacity").fill("8")
    page.locator("#id_slots-0-day").fill(_day(6))
    page.locator("#id_slots-1-day").fill(_day(6))
    page.locator("#id_slots-1-half").select_option("afternoon")
    # The afternoon's usual hours fill in; the trainer shortens it.
    assert page.locator("#id_slots-1-start_time").input_value() == "13:30"
    page.locator("#id_slots-1-end_time").fill("16:00")
    page.get_by_role("button", name="Ajouter une demi-journée").click()
    page.locator("#id_slots-2-day").fill(_day(7))
    # The co-trainer is found by name and picked from the list.
    page.get_by_role("searchbox", name="Ajouter un co-formateur ou une co-formatrice").fill("ben")
    page.get_by_role("button", name="Nadia Benali").click()
    assert page.get_by_role("checkbox", name="Nadia Benali").is_checked()
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()

    assert "brouillon" in page.locator(".messages").inner_text()
    page.get_by_role("button", name="Publier la session").click()
    page.wait_for_load_state()
    assert "La session est publiée" in page.locator(".messages").inner_text()
    session = Session.objects.get()
    assert session.status == "published"
    slots = list(session.slots.order_by("starts_at"))
    assert [timezone.localtime(s.starts_at).strftime("%H:%M") for s in slots] == [
        "09:00",
        "13:30",
        "09:00",
    ]
    assert timezone.localtime(slots[1].ends_at).strftime("%H:%M") == "16:00"
    assert set(session.trainers.all()) == {trainer, co_trainer}
    assert page.get_by_role("heading", name="Émargement et évaluations").is_visible()


def test_session_mediator_registers(page, login):
    session = factories.make_session(participants=2)
    mediator = factories.UserFactory(first_name="Léa")
    login(mediator, factories.DEFAULT_PASSWORD)

    _nav(page, "Sessions").click()
    page.get_by_role("link", name=session.title).first.click()
    page.get_by_role("button", name="S'inscrire").click()
    page.wait_for_load_state()

    assert "Vous êtes inscrit·e" in page.locator(".messages").inner_text()
    assert Registration.objects.get(user=mediator).status == "registered"
    (message,) = [m for m in mail.outbox if m.to == [mediator.email]]
    assert "Inscription confirmée" in message.subject
    assert message.attachments[0].get_content_type() == "text/calendar"

    _nav(page, "Mes inscriptions").click()
    # wait_for: is_visible() does not wait for the page the click opens.
    page.get_by_role("link", name=session.title, exact=True).wait_for(state="visible")


def test_session_waiting_list_promotion(page, login):
    session = factories.make_session(participants=0)
    session.capacity = 1
    session.save()
    first = factories.UserFactory(first_name="Hugo")
    second = factories.UserFactory(first_name="Manon")

    login(first, factories.DEFAULT_PASSWORD)
    page.goto(f"/formations/sessions/{session.pk}/")
    page.get_by_role("button", name="S'inscrire").click()
    page.wait_for_load_state()
    _logout(page)

    login(second, factories.DEFAULT_PASSWORD)
    page.goto(f"/formations/sessions/{session.pk}/")
    page.get_by_role("button", name="Rejoindre la liste d'attente").click()
    page.wait_for_load_state()
    assert "liste d'attente" in page.locator(".messages").inner_text()
    assert Registration.objects.get(user=second).status == "waiting"
    _logout(page)

    login(first, factories.DEFAULT_PASSWORD)
    page.goto("/formations/mes-inscriptions/")
    page.get_by_role("button", name="Annuler mon inscription").click()
    page.wait_for_load_state()
    assert "Votre inscription est annulée." in page.locator(".messages").inner_text()

    assert Registration.objects.get(user=second).status == "registered"
    promotion = [m for m in mail.outbox if m.to == [second.email]]
    assert any("Une place s'est libérée" in m.subject for m in promotion)
    _logout(page)

    login(second, factories.DEFAULT_PASSWORD)
    page.goto(f"/formations/sessions/{session.pk}/")
    assert page.get_by_text("Vous êtes inscrit·e", exact=True).is_visible()
