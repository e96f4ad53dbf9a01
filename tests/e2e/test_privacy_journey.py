"""On a phone, a mediator reads who consulted their records, then erases their account; an
invited trainer signs up through the invitation link and accepts it."""

import datetime
import re

from django.core import mail
from django.utils import timezone

from accounts.models import User
from tests import factories
from trainings.models import TrainerAccreditation
from trainings.services import invitations

PHONE = {"width": 375, "height": 740}


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_mediator_sees_who_read_their_records_then_erases_their_account(page, login):
    page.set_viewport_size(PHONE)
    trainer = factories.UserFactory()
    session = factories.make_session(trainer=trainer, participants=1)
    person = session.registrations.get().user
    from core.audit import log_access

    log_access(actor=trainer, action="person.view_history", subject=person)

    login(person, factories.DEFAULT_PASSWORD)
    page.goto("/profil/")
    page.get_by_role("link", name=re.compile("Mes données")).click()
    page.wait_for_load_state()
    _no_sideways_scroll(page)
    section = page.get_by_role("region", name="Qui a consulté ou modifié mes données")
    assert trainer.get_full_name() in section.inner_text()

    page.get_by_role("link", name="Demander l'effacement de mon compte").click()
    page.wait_for_load_state()
    _no_sideways_scroll(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Effacer mon compte"
    page.get_by_label("Votre mot de passe").fill(factories.DEFAULT_PASSWORD)
    page.get_by_label(re.compile("J'ai compris")).check()
    page.get_by_role("button", name="Effacer définitivement mon compte").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Votre compte est fermé"
    person.refresh_from_db()
    assert person.anonymised_at is not None


def test_an_invited_trainer_signs_up_and_accepts(page):
    page.set_viewport_size(PHONE)
    hub = factories.HubCoordinatorFactory()
    version = factories.make_reference(blocs=1)
    today = timezone.localdate()
    invitation = invitations.invitation_create(
        actor=hub,
        email="nadia@exemple.test",
        blocs=version.blocs.all(),
        valid_from=today,
        valid_until=today + datetime.timedelta(days=365),
    )
    link = "/formations/invitation/" + invitations.invitation_token(invitation) + "/"
    page.goto(link)
    _no_sideways_scroll(page)
    page.get_by_role("link", name="Créer mon compte").click()
    page.get_by_role("textbox", name="Prénom").fill("Nadia")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Kaci")
    page.get_by_role("textbox", name="Courriel").fill("nadia@exemple.test")
    page.locator("#id_password1").fill("une-phrase-de-passe-solide")
    page.locator("#id_password2").fill("une-phrase-de-passe-solide")
    page.locator("form").get_by_role("button").last.click()
    page.wait_for_load_state()
    confirmation = next(m for m in mail.outbox if "confirm-email" in m.body)
    key = re.search(r"/comptes/confirm-email/\S+/", confirmation.body).group(0)
    page.goto(key)
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_load_state()
    page.goto(link)
    page.get_by_role("button", name="Accepter l'invitation").click()
    page.wait_for_load_state()
    _no_sideways_scroll(page)
    nadia = User.objects.get(email="nadia@exemple.test")
    assert TrainerAccreditation.objects.filter(user=nadia).count() == 1
