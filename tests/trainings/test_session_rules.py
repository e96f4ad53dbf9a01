"""Rules shared by the session services: the ValidationError → DomainError conversion and the
length of a slot."""

import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError

from core.exceptions import DomainError
from tests import factories
from trainings.models import Slot
from trainings.services import sessions as session_services
from trainings.services.session_rules import domain_error_from, full_clean_or_error
from trainings.views.common import add_domain_error

from .conftest import at

pytestmark = pytest.mark.django_db


# ValidationError → DomainError ----------------------------------------------------------------


def test_a_field_error_keeps_its_field_and_its_code():
    session = factories.make_session()
    session.title = "x" * 201
    with pytest.raises(DomainError) as error:
        full_clean_or_error(session)
    assert error.value.field == "title"
    assert error.value.code == "max_length"
    assert "200" in error.value.message  # the message has its parameters filled in


def test_a_non_field_error_keeps_its_code_and_names_no_field():
    class Instance:
        def full_clean(self):
            raise ValidationError(
                {"__all__": [ValidationError("Les créneaux se chevauchent.", code="overlap")]}
            )

    with pytest.raises(DomainError) as error:
        full_clean_or_error(Instance())
    assert (error.value.field, error.value.code) == (None, "overlap")
    assert error.value.message == "Les créneaux se chevauchent."


def test_a_model_constraint_error_names_no_field():
    session = factories.make_session()
    slot = Slot(session=session, starts_at=at(3, 12), ends_at=at(3, 9))
    with pytest.raises(DomainError) as error:
        full_clean_or_error(slot)
    assert error.value.field is None
    # A CheckConstraint without violation_error_code has none: Django's default code applies.
    assert error.value.code == "invalid"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ValidationError("Sans code."), ("Sans code.", "invalid", None)),
        (
            ValidationError("%(n)s places au plus.", code="too_many", params={"n": 3}),
            ("3 places au plus.", "too_many", None),
        ),
        (
            ValidationError({"capacity": ValidationError("Trop.", code="max_value")}),
            ("Trop.", "max_value", "capacity"),
        ),
    ],
)
def test_domain_error_from_shapes(error, expected):
    converted = domain_error_from(error)
    assert (converted.message, converted.code, converted.field) == expected


def test_views_show_a_field_error_on_its_field():
    """The views put a DomainError with a field on that field (add_domain_error)."""

    class Form(forms.Form):
        title = forms.CharField(required=False)

    form = Form(data={})
    assert form.is_valid()
    add_domain_error(form, DomainError("Trop long.", "max_length", field="title"))
    add_domain_error(form, DomainError("Refusé.", "overlap"))
    assert form.errors == {"title": ["Trop long."], "__all__": ["Refusé."]}


# Slot length ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "code", "text"),
    [
        ((at(7, 9), at(7, 9, 29)), "slot_too_short", "au moins 30 minutes"),
        ((at(7, 8), at(7, 20, 1)), "slot_too_long", "au plus 12 heures"),
        ((at(7, 9), at(8, 17)), "slot_too_long", "au plus 12 heures"),
    ],
)
def test_slot_length_is_bounded(session_kwargs, slot, code, text):
    session_kwargs["slots"] = [(at(6, 9), at(6, 12)), slot]
    with pytest.raises(DomainError) as error:
        session_services.session_create(**session_kwargs)
    assert error.value.code == code
    assert error.value.field == "slots"
    assert "Créneau n°2" in error.value.message and text in error.value.message


def test_slot_length_bounds_are_inclusive(session_kwargs):
    session_kwargs["slots"] = [(at(7, 9), at(7, 9, 30)), (at(8, 8), at(8, 20))]
    session = session_services.session_create(**session_kwargs)
    assert session.slots.count() == 2


def test_an_older_slot_outside_the_bounds_does_not_block_an_edit(session_kwargs, trainer):
    session = session_services.session_create(**session_kwargs)
    short = session.slots.order_by("starts_at").first()
    Slot.objects.filter(pk=short.pk).update(
        ends_at=short.starts_at + datetime.timedelta(minutes=15)
    )
    session_services.session_update(actor=trainer, session=session, title="Nouvel intitulé")
    session.refresh_from_db()
    assert session.title == "Nouvel intitulé"
