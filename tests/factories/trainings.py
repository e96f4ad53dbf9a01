"""Factories for trainer accreditations, sessions, slots and registrations.

They write rows directly (tests need states that the services would refuse, such as a closed
session built in one line); `make_session` builds a complete, consistent session.
"""

import datetime

import factory
from django.utils import timezone

from competences.models import Bloc, Competence
from trainings.models import (
    AccreditationSource,
    Registration,
    RegistrationStatus,
    Session,
    SessionFormat,
    SessionStatus,
    Slot,
    TrainerAccreditation,
)
from trainings.permissions import can_train_bloc

from .accounts import UserFactory
from .competences import make_reference

__all__ = [
    "AccreditationFactory",
    "make_peer_trainer",
    "RegistrationFactory",
    "SessionFactory",
    "SlotFactory",
    "half_day_slots",
    "make_session",
]

MORNING_START = datetime.time(9, 0)
HALF_DAY = datetime.timedelta(hours=3, minutes=30)
LUNCH_SHIFT = datetime.timedelta(hours=4, minutes=30)  # 9:00 → 13:30


def _today():
    return timezone.localdate()


class AccreditationFactory(factory.django.DjangoModelFactory):
    """Valid from a year ago until a year from now."""

    class Meta:
        model = TrainerAccreditation

    user = factory.SubFactory(UserFactory)
    bloc = factory.LazyFunction(lambda: Bloc.objects.filter(version=make_reference()).first())
    valid_from = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=365))
    valid_until = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=365))


def make_peer_trainer(user, blocs=None):
    """Give `user` a peer trainer's right (as a bloc validation does) on these blocs (default:
    every bloc that exists), valid from a year ago until a year from now."""
    blocs = list(blocs) if blocs is not None else list(Bloc.objects.all())
    return [
        AccreditationFactory(user=user, bloc=bloc, source=AccreditationSource.CERTIFICATION)
        for bloc in blocs
    ]


def _sync_bounds(session):
    bounds = list(session.slots.order_by("starts_at").values_list("starts_at", "ends_at"))
    session.starts_at = bounds[0][0] if bounds else None
    session.ends_at = max(end for _start, end in bounds) if bounds else None
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at, ends_at=session.ends_at
    )


class SessionFactory(factory.django.DjangoModelFactory):
    """A published on-site session on a new published reference.

    `trainers=[...]` and `competences=[...]` are set after creation; without `competences`, the
    session targets the competences of the version's first bloc (pass [] for none).
    """

    class Meta:
        model = Session
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Session de formation n°{n + 1}")
    description = "Une demi-journée de pratique entre pairs."
    objectives = "Savoir accompagner une personne dans ses démarches en ligne."
    version = factory.LazyFunction(make_reference)
    format = SessionFormat.ONSITE
    address = "12 rue de la Paix, 59000 Lille"
    capacity = 12
    status = SessionStatus.PUBLISHED
    published_at = factory.LazyAttribute(
        lambda o: None if o.status in (SessionStatus.DRAFT,) else timezone.now()
    )
    closed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == SessionStatus.CLOSED else None
    )
    cancelled_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == SessionStatus.CANCELLED else None
    )

    @factory.post_generation
    def trainers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.trainers.set(extracted)

    @factory.post_generation
    def competences(obj, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            first_bloc = obj.version.blocs.order_by("order", "code").first()
            extracted = list(first_bloc.competences.all()) if first_bloc else []
        obj.competences.set(extracted)


class SlotFactory(factory.django.DjangoModelFactory):
    """A half-day slot; the session's starts_at/ends_at follow its slots."""

    class Meta:
        model = Slot
        skip_postgeneration_save = True

    session = factory.SubFactory(SessionFactory)
    starts_at = factory.LazyFunction(
        lambda: timezone.make_aware(
            datetime.datetime.combine(_today() + datetime.timedelta(days=1), MORNING_START)
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + HALF_DAY)

    @factory.post_generation
    def sync_session_bounds(obj, create, extracted, **kwargs):
        if create:
            _sync_bounds(obj.session)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    user = factory.SubFactory(UserFactory)
    status = RegistrationStatus.REGISTERED
    status_changed_at = factory.LazyFunction(timezone.now)


def half_day_slots(start, count):
    """`count` (start, end) pairs: consecutive half-days of 3 h 30, the first at `start`, the
    next 4 h 30 later (9:00–12:30 then 13:30–17:00), then the next day at the same hours.
    Days are counted in Europe/Paris so wall-clock hours survive a DST change."""
    local = timezone.localtime(start).replace(tzinfo=None)
    pairs = []
    for index in range(count):
        naive = local + datetime.timedelta(days=index // 2) + LUNCH_SHIFT * (index % 2)
        begins = timezone.make_aware(naive)
        pairs.append((begins, begins + HALF_DAY))
    return pairs


def make_session(
    *, trainer=None, participants=0, slots=2, competences=3, status="published", start=None
):
    """A consistent session: a published reference, an accredited trainer (the given one is
    accredited too when needed), `competences` competences of bloc B1, `slots` half-day slots from
    `start` (default tomorrow 9:00 Europe/Paris, or a week ago for held/closed sessions) and
    `participants` registered users. Returns the session."""
    version = make_reference(blocs=2, competences=max(competences, 3))
    bloc = version.blocs.get(code="B1")
    if start is None:
        days = -7 if status in (SessionStatus.HELD, SessionStatus.CLOSED) else 1
        start = timezone.make_aware(
            datetime.datetime.combine(_today() + datetime.timedelta(days=days), MORNING_START)
        )
    if trainer is None:
        trainer = UserFactory()
    first_day = timezone.localdate(start)
    if not can_train_bloc(trainer, bloc, first_day):
        AccreditationFactory(
            user=trainer,
            bloc=bloc,
            valid_from=min(_today(), first_day) - datetime.timedelta(days=365),
            valid_until=max(_today(), first_day) + datetime.timedelta(days=365),
        )
    targeted = list(Competence.objects.filter(bloc=bloc).order_by("order", "code")[:competences])
    session = SessionFactory(
        version=version,
        trainers=[trainer],
        competences=targeted,
        capacity=max(12, participants),
        status=status,
        created_by=trainer,
    )
    for begins, ends in half_day_slots(start, slots):
        Slot.objects.create(session=session, starts_at=begins, ends_at=ends)
    _sync_bounds(session)
    for _index in range(participants):
        RegistrationFactory(session=session)
    return session
