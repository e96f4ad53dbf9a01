"""Finding one's way in: the commune picker finds a commune by postal code with the main commune
first, and a first login leads once to the profile when it lacks a commune or a structure."""

import re

import pytest
from django.urls import reverse

from accounts import selectors
from accounts.models import Commune
from tests import factories

SEARCH = reverse("accounts:commune_search")
LOGIN = reverse("account_login")
PROFILE = reverse("accounts:profile")


# The commune picker -----------------------------------------------------------------------------


def _options(response):
    return re.findall(r'data-commune-insee="(\w+)" data-commune-postal="(\d+)"', response)


def test_a_postal_code_lists_its_main_commune_first(client_for, user):
    response = client_for(user).get(SEARCH, {"commune_search": "80200"})
    options = _options(response.content.decode())
    assert options[0] == ("80620", "80200")  # Péronne, before Aizecourt-le-Haut and the others
    assert "Péronne — 80200" in response.content.decode()
    names = [c.name for c in selectors.communes_search("80200")]
    assert names[0] == "Péronne"
    # The villages it serves follow in alphabetical order.
    assert names[1:] == sorted(names[1:], key=selectors.fold)


@pytest.mark.parametrize(
    "code, main",
    [("62300", "Lens"), ("02100", "Saint-Quentin"), ("59000", "Lille"), ("8020", "Péronne")],
)
def test_main_communes_of_other_postal_codes(db, code, main):
    assert selectors.communes_search(code)[0].name == main


def test_a_commune_with_several_postal_codes_shows_the_matching_one_first(db):
    amiens = Commune.objects.get(insee_code="80021")
    assert len(amiens.postal_code_list) > 1
    other = next(code for code in amiens.postal_code_list if code != "80000")
    found = selectors.communes_search(other)
    assert found[0].insee_code == "80021"
    assert found[0].shown_postal_codes[0] == other


def test_names_and_insee_codes_still_find_communes(db):
    assert [c.name for c in selectors.communes_search("peronne")][:1] == ["Péronne"]
    assert selectors.communes_search("80620")[0].insee_code in {"80620"} | {
        c.insee_code for c in Commune.objects.filter(postal_codes__contains="80620")
    }
    assert selectors.communes_search("x") == []
    assert selectors.communes_search("80\x00") == []


def test_every_main_commune_exists_and_has_its_postal_code(db):
    table = selectors.postal_main_communes()
    assert table["80200"] == "80620"
    communes = dict(
        Commune.objects.filter(insee_code__in=set(table.values())).values_list(
            "insee_code", "postal_codes"
        )
    )
    wrong = [
        (postal, insee)
        for postal, insee in table.items()
        if insee in communes and postal not in communes[insee].split()
    ]
    assert not wrong
    # The table covers only the communes shipped with Socle (a few overseas collectivités are
    # left out of the database, not of the file).
    assert len(communes) > 0.95 * len(set(table.values()))


# A first login ----------------------------------------------------------------------------------


def _login(client, person, next_url=None):
    url = LOGIN + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": person.email, "password": factories.DEFAULT_PASSWORD})


def test_a_first_login_without_commune_nor_structure_leads_to_the_profile_once(client, db):
    person = factories.UserFactory()
    response = _login(client, person)
    assert response.status_code == 302
    assert response.url == PROFILE
    page = client.get(PROFILE).content.decode()
    assert "Bienvenue sur Socle ! Complétez votre profil" in page
    # Once: the next login goes home, though the profile is still incomplete.
    client.logout()
    assert _login(client, person).url == reverse("home")


def test_the_prompt_names_what_is_missing(client, db):
    with_commune = factories.UserFactory(commune=Commune.objects.get(insee_code="80620"))
    _login(client, with_commune)
    assert "Rattachez-vous à la structure" in client.get(PROFILE).content.decode()
    client.logout()
    with_structure = factories.MembershipFactory(status="pending").user
    assert _login(client, with_structure).url == PROFILE
    assert "Indiquez votre commune" in client.get(PROFILE).content.decode()


def test_a_complete_profile_goes_home(client, db):
    person = factories.MembershipFactory().user
    person.commune = Commune.objects.get(insee_code="59350")
    person.save()
    assert _login(client, person).url == reverse("home")


def test_an_explicit_destination_wins_over_the_profile(client, db):
    """Never in the way: someone logging in to register for a session lands on it."""
    session = factories.make_session()
    detail = reverse("trainings:session_detail", args=[session.pk])
    person = factories.UserFactory()
    assert _login(client, person, next_url=detail).url == detail
    client.logout()
    assert _login(client, person).url == reverse("home")


def test_the_profile_page_answers_after_the_redirect_without_looping(client, db):
    person = factories.UserFactory()
    response = client.post(
        LOGIN, {"login": person.email, "password": factories.DEFAULT_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain == [(PROFILE, 302)]
    # Other pages stay open: nothing blocks.
    assert client.get(reverse("trainings:session_list")).status_code == 200
    assert client.get(reverse("home")).status_code == 200


def _sign_up_and_confirm(client, next_url=None):
    from django.core import mail

    url = reverse("account_signup") + (f"?next={next_url}" if next_url else "")
    response = client.post(
        url,
        {
            "first_name": "Inès",
            "last_name": "Caron",
            "email": "ines.caron@exemple.test",
            "password1": "une-phrase-de-passe-solide",
            "password2": "une-phrase-de-passe-solide",
        },
    )
    assert response.status_code == 302
    link = re.search(r"https?://[^/\s]+(/comptes/confirm-email/\S+)", mail.outbox[-1].body)
    confirmed = client.post(link.group(1))
    assert confirmed.status_code == 302
    return confirmed.url


def test_signing_up_from_a_session_comes_back_to_it_after_confirming(client, db):
    """Sign-up keeps `?next=` through the e-mail confirmation (same browser), so a visitor
    registering from the public catalogue lands on the session, not on the profile."""
    session = factories.make_session()
    detail = reverse("trainings:session_detail", args=[session.pk])
    assert _sign_up_and_confirm(client, detail) == detail


def test_a_new_account_confirmed_lands_on_the_profile(client, db):
    assert _sign_up_and_confirm(client) == PROFILE
    assert "Bienvenue sur Socle" in client.get(PROFILE).content.decode()
