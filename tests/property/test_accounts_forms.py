"""Accounts: sign-up, profile, territory, attachments, structures and their filters."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.models import Membership, Structure, User
from tests import factories

from .helpers import assert_escaped, counts, hostile_text, ids, isolated, maybe_hostile, status_of

pytestmark = pytest.mark.django_db

OK = (200, 302)


STRUCTURE_NAME = '<script>alert(1)</script> "Avant"'


@pytest.fixture(autouse=True)
def structure(db):
    return factories.StructureFactory(name=STRUCTURE_NAME)


def _or_valid(valid, strategy=None):
    return st.one_of(st.just(valid), hostile_text() if strategy is None else strategy)


@pytest.fixture
def mediator(hostile_client):
    user = factories.UserFactory()
    hostile_client.force_login(user)
    return user


@pytest.fixture
def hub(hostile_client):
    user = factories.HubCoordinatorFactory()
    hostile_client.force_login(user)
    return user


@given(
    first=_or_valid("Amina", maybe_hostile()),
    last=_or_valid("Diallo", maybe_hostile()),
    email=_or_valid("nouvelle@exemple.test", hostile_text(max_size=80)),
    password=_or_valid("un-mot-de-passe-solide-42", hostile_text(max_size=80)),
)
def test_signup(db, first, last, email, password):
    with isolated():
        client = Client(raise_request_exception=True)  # signing up logs in: a fresh one each time
        before = counts(User, EmailAddress)
        response = client.post(
            reverse("account_signup"),
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "password1": password,
                "password2": password,
            },
        )
        status_of(response, (200, 302, 400, 429))
        if response.status_code == 302:
            user = User.objects.get(email__iexact=email.strip())
            assert user.first_name and user.last_name
        else:
            assert counts(User, EmailAddress) == before
            assert_escaped(response.content, first, last, email)


@given(first=_or_valid("Amina", maybe_hostile()), last=_or_valid("Diallo", maybe_hostile()))
def test_profile(hostile_client, mediator, first, last):
    url = reverse("accounts:profile")
    with isolated():
        response = hostile_client.post(url, {"first_name": first, "last_name": last})
        status_of(response, OK)
        stored = User.objects.values_list("first_name", "last_name").get(pk=mediator.pk)
        if response.status_code == 302:
            assert stored == (first.strip(), last.strip())
            assert_escaped(hostile_client.get(url).content, first, last)
        else:
            assert response.context["form"].errors
            assert stored == (mediator.first_name, mediator.last_name)
            assert_escaped(response.content, first, last)


@given(
    search=_or_valid("Lille", maybe_hostile()),
    insee=_or_valid("59350"),
    opt_out=st.sampled_from(["", "on", "1", "<script>", "\x00"]),
    main=_or_valid("", hostile_text(max_size=30)),
)
def test_territory(hostile_client, mediator, search, insee, opt_out, main):
    with isolated():
        response = hostile_client.post(
            reverse("accounts:territory_update"),
            {
                "commune_search": search,
                "insee_code": insee,
                "statistics_opt_out": opt_out,
                "main_membership": main,
            },
        )
        status_of(response, (302, 400))
        row = User.objects.values("commune_id", "statistics_opt_out").get(pk=mediator.pk)
        if response.status_code == 400:
            assert row == {"commune_id": None, "statistics_opt_out": False}
            assert_escaped(response.content, search, insee)


@given(
    structure=st.one_of(st.just("{real}"), ids()),
    search=st.one_of(st.just("{name}"), st.just(""), maybe_hostile()),
    function=_or_valid("aidant", hostile_text(40)),
)
@example(structure="²", search="", function="aidant")  # int("²") was a 500
def test_membership_add(hostile_client, mediator, structure, search, function):
    """The structure picker: an id the picker filled in and the text typed, each hostile."""
    real = Structure.objects.get(name=STRUCTURE_NAME)
    data = {
        "structure": structure.replace("{real}", str(real.pk)),
        "structure_search": search.replace("{name}", real.name),
        "function": function,
    }
    with isolated():
        before = counts(Membership)
        response = hostile_client.post(reverse("accounts:membership_add"), data)
        status_of(response, (302, 400))
        if response.status_code == 302:
            assert counts(Membership)["Membership"] == before["Membership"] + 1
            page = hostile_client.get(reverse("accounts:profile"))
            assert_escaped(page.content, real.name)
        else:
            assert counts(Membership) == before
            assert_escaped(response.content, *data.values())


def _structure_data(draw_values):
    base = {
        "name": "Espace numérique",
        "kind": "association",
        "commune_search": "Lille",
        "insee_code": "59350",
        "postal_code": "59000",
        "departement": "59",
        "address": "",
        "siret": "",
        "function": "aidant",
    }
    base.update(draw_values)
    return base


STRUCTURE_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "name": maybe_hostile(),
        "kind": hostile_text(max_size=30),
        "commune_search": hostile_text(),
        "insee_code": hostile_text(max_size=10),
        "postal_code": hostile_text(max_size=10),
        "departement": hostile_text(max_size=5),
        "address": maybe_hostile(),
        "siret": hostile_text(max_size=30),
        "function": hostile_text(max_size=30),
    },
)


@given(values=STRUCTURE_FIELDS)
def test_structure_create(hostile_client, mediator, values):
    data = _structure_data(values)
    with isolated():
        before = counts(Structure, Membership)
        response = hostile_client.post(reverse("accounts:structure_create"), data)
        status_of(response, OK)
        if response.status_code == 302:
            structure = Structure.objects.get(name=data["name"].strip())
            page = hostile_client.get(reverse("accounts:structure_detail", args=[structure.pk]))
            assert page.status_code == 200
            assert_escaped(page.content, data["name"], data["address"])
        else:
            assert counts(Structure, Membership) == before
            assert_escaped(response.content, *data.values())


@given(values=STRUCTURE_FIELDS)
def test_structure_update(hostile_client, hub, structure, values):
    data = _structure_data(values)
    url = reverse("accounts:structure_update", args=[structure.pk])
    with isolated():
        response = hostile_client.post(url, data)
        status_of(response, OK)
        stored = Structure.objects.get(pk=structure.pk)
        if response.status_code == 302:
            page = hostile_client.get(reverse("accounts:structure_detail", args=[structure.pk]))
            assert_escaped(page.content, data["name"], data["address"])
            listing = hostile_client.get(reverse("accounts:structure_list"))
            assert_escaped(listing.content, data["name"])
        else:
            assert stored.name == structure.name
            assert_escaped(response.content, *data.values())


@given(
    params=st.dictionaries(
        st.sampled_from(["q", "departement", "kind", "page", "commune_search", "x"]),
        hostile_text(max_size=60),
    )
)
def test_structure_filters_and_pickers(hostile_client, hub, structure, params):
    with isolated():
        listing = hostile_client.get(reverse("accounts:structure_list"), params)
        status_of(listing, (200,))
        assert_escaped(listing.content, STRUCTURE_NAME, *params.values())
        for picker in ("commune_search", "structure_search"):
            for scope in ("", "places"):
                answer = hostile_client.get(
                    reverse(f"accounts:{picker}"),
                    {**params, "structure_search": params.get("q", ""), "scope": scope},
                )
                status_of(answer, (200,))
                assert_escaped(answer.content, STRUCTURE_NAME, *params.values())


@given(
    email=_or_valid("personne@exemple.test", hostile_text(max_size=300)),
    password=hostile_text(max_size=300),
)
def test_login_and_password_reset(db, email, password):
    with isolated():
        client = Client(raise_request_exception=True)
        before = counts(User, EmailAddress)
        response = client.post(reverse("account_login"), {"login": email, "password": password})
        status_of(response, (200, 400, 429))
        assert_escaped(response.content, email)
        response = client.post(reverse("account_reset_password"), {"email": email})
        status_of(response, (200, 302, 400, 429))
        assert_escaped(response.content, email)
        assert counts(User, EmailAddress) == before
