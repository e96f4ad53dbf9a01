import datetime

from django.utils import timezone

from tests import factories
from trainings.models import RegistrationStatus, SessionStatus
from trainings.permissions import can_train_bloc


def test_make_session_builds_a_consistent_session(db):
    session = factories.make_session(participants=3, slots=3, competences=2)
    trainer = session.trainers.get()
    assert session.status == SessionStatus.PUBLISHED
    assert session.competences.count() == 2
    assert {c.bloc.code for c in session.competences.all()} == {"B1"}
    assert can_train_bloc(trainer, session.competences.first().bloc)
    slots = list(session.slots.order_by("starts_at"))
    local = [timezone.localtime(s.starts_at) for s in slots]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert [(d.date(), d.time()) for d in local] == [
        (tomorrow, datetime.time(9, 0)),
        (tomorrow, datetime.time(13, 30)),
        (tomorrow + datetime.timedelta(days=1), datetime.time(9, 0)),
    ]
    assert timezone.localtime(slots[1].ends_at).time() == datetime.time(17, 0)
    assert session.starts_at == slots[0].starts_at
    assert session.ends_at == slots[-1].ends_at
    assert session.registrations.filter(status=RegistrationStatus.REGISTERED).count() == 3


def test_make_session_accredits_a_given_trainer_and_past_default_for_closed(db):
    trainer = factories.UserFactory()
    session = factories.make_session(trainer=trainer, status="closed")
    assert session.is_frozen
    assert session.ends_at < timezone.now()
    assert can_train_bloc(trainer, session.competences.first().bloc, session.starts_at.date())


def test_factories_defaults(db):
    session = factories.SessionFactory(capacity=5)
    assert session.competences.count() == 3
    slot = factories.SlotFactory(session=session)
    session.refresh_from_db()
    assert session.starts_at == slot.starts_at
    registration = factories.RegistrationFactory(session=session)
    assert registration.status == RegistrationStatus.REGISTERED
    accreditation = factories.AccreditationFactory()
    assert accreditation.valid_from < timezone.localdate() < accreditation.valid_until
