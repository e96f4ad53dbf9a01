"""A random history of assessments written through the services (accredited and peer trainers,
reviews that confirm or override, self-assessments), for tests that compare the current-status
table with its rebuild."""

import datetime
import random

from django.utils import timezone

from tests import factories
from tests.factories import level_of
from trainings.models import ReviewDecision
from trainings.services import assessments as assessment_services

ACTIONS = ("record", "peer", "peer", "self", "review")


def random_assessment_history(seed, *, steps=50, actions=ACTIONS):
    """A session started six days ago with four participants, an accredited trainer and a peer
    trainer, then `steps` actions drawn from `actions`. Returns (session, people)."""
    rng = random.Random(seed)
    start = timezone.now() - datetime.timedelta(days=6)
    session = factories.make_session(participants=4, competences=3, start=start)
    accredited = session.trainers.get()
    peer = factories.UserFactory()
    factories.make_peer_trainer(peer, [session.competences.first().bloc])
    session.trainers.add(peer)
    people = [r.user for r in session.registrations.all()]
    competences = list(session.competences.all())
    peers = []
    for _ in range(steps):
        action = rng.choice(actions)
        person, competence = rng.choice(people), rng.choice(competences)
        level = level_of(session.version, rng.randint(1, 4))
        day = timezone.localdate() - datetime.timedelta(days=rng.randint(0, 5))
        if action in ("record", "peer"):
            assessment = assessment_services.assessment_record(
                actor=accredited if action == "record" else peer,
                session=session,
                participant=person,
                competence=competence,
                level=level,
                method="observation",
                assessed_on=day,
            )
            if action == "peer":
                peers.append(assessment)
        elif action == "self":
            assessment_services.self_assessment_record(
                actor=person, competence=competence, level=level
            )
        elif peers:
            assessment = peers.pop(rng.randrange(len(peers)))
            decision = rng.choice([ReviewDecision.CONFIRMED, ReviewDecision.OVERRIDDEN])
            assessment_services.assessment_review(
                actor=accredited,
                assessment=assessment,
                decision=decision,
                replacement_level=level if decision == ReviewDecision.OVERRIDDEN else None,
            )
    return session, people
