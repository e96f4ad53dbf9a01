import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from certificates.models import Issuer
from competences import services as competence_services
from tests import factories
from tests.factories import level_of
from trainings.models import SessionStatus
from trainings.services import assessments as assessment_services


@pytest.fixture
def world(db):
    """A session on bloc B1 (three competences, two half-days of 3 h 30) that started a week ago,
    one participant, and a pathway requiring B1 at "acquis" with 7 h, valid 12 months."""
    hub = factories.HubCoordinatorFactory()
    start = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=7), datetime.time(9)
        )
    )
    session = factories.make_session(participants=1, slots=2, competences=3, start=start)
    version = session.version
    bloc = version.blocs.get(code="B1")
    pathway = competence_services.pathway_create(
        actor=hub,
        version=version,
        code="socle",
        title="Socle",
        audience="novice",
        blocs=[bloc],
        min_attended_hours=7,
        validity_months=12,
    )
    registration = session.registrations.get()
    return SimpleNamespace(
        hub=hub,
        session=session,
        version=version,
        bloc=bloc,
        competences=list(session.competences.order_by("order")),
        pathway=pathway,
        registration=registration,
        person=registration.user,
        trainer=session.trainers.get(),
    )


def assess(world, competence, rank=3, assessed_on=None):
    return assessment_services.assessment_record(
        actor=world.trainer,
        session=world.session,
        participant=world.person,
        competence=competence,
        level=level_of(world.version, rank),
        method="observation",
        assessed_on=assessed_on or timezone.localdate(),
    )


def assess_all(world, rank=3):
    return [assess(world, competence, rank) for competence in world.competences]


def attend_all(world):
    for slot in world.session.slots.all():
        factories.AttendanceFactory(slot=slot, registration=world.registration)


@pytest.fixture
def issuer(db):
    return Issuer.objects.create(
        legal_name="Hub numérique Hauts-de-France",
        siret="",
        nda_number="32590000059",
        address="1 place du Théâtre\n59000 Lille",
        signatory_name="Claire Dumont",
        signatory_role="Directrice",
    )


def close(session):
    type(session).objects.filter(pk=session.pk).update(
        status=SessionStatus.CLOSED, closed_at=timezone.now()
    )
    session.refresh_from_db()
