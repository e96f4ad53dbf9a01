import re

from django.core import mail

from accounts.models import User


def test_sign_up_verify_email_log_in_and_see_home(page):
    page.goto("/")
    page.get_by_role("link", name="Créer un compte").first.click()
    page.get_by_role("textbox", name="Prénom").fill("Aïcha")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Benhamou")
    page.get_by_role("textbox", name="Courriel").fill("aicha@exemple.test")
    page.locator("#id_password1").fill("une-phrase-de-passe-solide")
    page.locator("#id_password2").fill("une-phrase-de-passe-solide")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez votre adresse e-mail"
    assert User.objects.filter(email="aicha@exemple.test", first_name="Aïcha").exists()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/comptes/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto("/comptes/" + link.split("/comptes/", 1)[1])
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_load_state()

    # Logged in on confirmation, and the home page greets the new mediator.
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Aïcha"
    assert page.get_by_role("navigation", name="Navigation principale").is_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
    page.goto("/comptes/login/")
    page.get_by_role("textbox", name="Courriel").fill("aicha@exemple.test")
    page.locator("#id_password").fill("une-phrase-de-passe-solide")
    page.get_by_role("button", name="Me connecter").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Aïcha"
