"""Demo enrolments and decisions: the five situations a hub meets, built through the services
from real evidence (a certification session on blocs B1 and B2, attendance, assessments).

- mediateur26: certified on the « socle » pathway (and following the « confirmé » one);
- mediateur27: bloc B1 validated, B2 not yet;
- mediateur28: every competence acquired, a few hours short;
- mediateur29: certified three years ago, the certification expires next month;
- mediateur30: bloc B1 recognised by hand from an external certification (Pix);
- mediateur1 … mediateur5 follow the « socle » pathway from the demo's ordinary sessions.
"""

import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from competences.models import Pathway
from trainings.demo import HALF_DAY, LUNCH_SHIFT, MORNING
from trainings.models import AttendanceStatus, Session, SessionStatus
from trainings.services import accreditations as accreditation_services
from trainings.services import assessments as assessment_services
from trainings.services import attendance as attendance_services
from trainings.services import registrations as registration_services
from trainings.services import sessions as session_services

from . import services
from .models import BlocValidation, Enrollment, Issuer, PathwayCertification
from .services import attestations as attestation_services
from .services.issuer import issuer_update

SOCLE, CONFIRMED = "socle-mediateur", "mediateur-confirme"
TITLE = "Session de certification — parcours socle"
OLD_TITLE = "Session de certification — parcours socle (promotion 2023)"
# mediator index (1-based) → (B2 rank, slots attended of 4)
CURRENT = {26: (3, 4), 27: (2, 4), 28: (3, 3)}


def _slots(start_day, count=4):
    local = datetime.datetime.combine(start_day, MORNING)
    return [
        (
            timezone.make_aware(local + datetime.timedelta(days=i // 2) + LUNCH_SHIFT * (i % 2)),
            timezone.make_aware(local + datetime.timedelta(days=i // 2) + LUNCH_SHIFT * (i % 2))
            + HALF_DAY,
        )
        for i in range(count)
    ]


def _certification_session(
    *, title, trainer, version, blocs, structure, start_day, people, ranks, attended
):
    session = Session.objects.filter(title=title, trainers=trainer).first()
    if session is not None:
        return session
    competences = [c for bloc in blocs for c in bloc.competences.order_by("order", "code")]
    session = session_services.session_create(
        actor=trainer,
        version=version,
        title=title,
        description="Mises en situation et évaluation de l'ensemble des blocs B1 et B2.",
        objectives="Valider les compétences des blocs B1 et B2 du parcours socle.",
        competences=competences,
        capacity=12,
        structure=structure,
        slots=_slots(start_day),
        allow_past=True,
    )
    session = session_services.session_publish(actor=trainer, session=session, allow_past=True)
    slots = list(session.slots.order_by("starts_at"))
    for person in people:
        registration = registration_services.registration_add_by_trainer(
            actor=trainer, session=session, user=person, notify=False
        )
        for index, slot in enumerate(slots):
            status = (
                AttendanceStatus.PRESENT if index < attended[person.pk] else AttendanceStatus.ABSENT
            )
            attendance_services.attendance_record(
                actor=trainer, slot=slot, registration=registration, status=status
            )
        levels = {level.rank: level for level in version.levels.all()}
        for competence in competences:
            assessment_services.assessment_record(
                actor=trainer,
                session=session,
                participant=person,
                competence=competence,
                level=levels[ranks[person.pk].get(competence.bloc.code, 3)],
                method="situation",
                assessed_on=timezone.localdate(slots[-1].starts_at),
                evidence="Mise en situation d'accueil observée, grille remplie.",
            )
    return session_services.session_mark_held(actor=trainer, session=session)


def _enrol(person, pathway):
    enrollment = (
        Enrollment.objects.filter(user=person, pathway=pathway).exclude(status="withdrawn").first()
    )
    return enrollment or services.enrollment_create(actor=person, user=person, pathway=pathway)


@transaction.atomic
def build(network):
    hub = network["hub"]
    version = network["referential_version"]
    mediators = network["mediators"]
    trainer = network["trainers"][4]  # accredited on every bloc
    socle = Pathway.objects.get(version=version, code=SOCLE)
    confirmed = Pathway.objects.get(version=version, code=CONFIRMED)
    blocs = list(version.blocs.filter(code__in=["B1", "B2"]).order_by("order"))
    today = timezone.localdate()

    current = {mediators[n - 1]: spec for n, spec in CURRENT.items()}
    _certification_session(
        title=TITLE,
        trainer=trainer,
        version=version,
        blocs=blocs,
        structure=network["structures"][12],
        start_day=today - datetime.timedelta(days=45),
        people=list(current),
        ranks={p.pk: {"B2": b2} for p, (b2, _slots_attended) in current.items()},
        attended={p.pk: attended for p, (_b2, attended) in current.items()},
    )

    # Certified three years ago (validity 36 months): expires within the month.
    expiring = mediators[28]
    decided_on = today - datetime.timedelta(days=3 * 365 - 20)
    if not Session.objects.filter(title=OLD_TITLE).exists():
        accreditation_services.accreditation_grant(
            actor=hub,
            user=trainer,
            blocs=blocs,
            valid_from=decided_on - datetime.timedelta(days=365),
            valid_until=today - datetime.timedelta(days=2 * 365 + 1),
            note="Habilitation de démonstration (promotion 2023).",
        )
    _certification_session(
        title=OLD_TITLE,
        trainer=trainer,
        version=version,
        blocs=blocs,
        structure=network["structures"][12],
        start_day=decided_on - datetime.timedelta(days=10),
        people=[expiring],
        ranks={expiring.pk: {}},
        attended={expiring.pk: 4},
    )

    for person in [*current, *mediators[:5]]:
        _enrol(person, socle)
    _enrol(mediators[25], confirmed)
    old = _enrol(expiring, socle)
    services.enrollment_decide(enrollment_id=old.pk, today=decided_on)
    services.decide_for_people(user_ids=[p.pk for p in [*current, *mediators[:5]]])

    recognised = _enrol(mediators[29], socle)
    if not BlocValidation.objects.filter(enrollment=recognised).exists():
        services.decision_validate_manually(
            actor=hub,
            enrollment=recognised,
            bloc=blocs[0],
            reason="Certification Pix (niveau avancé) présentée le jour de l'entretien.",
            proof=ContentFile(b"Attestation Pix (document de demonstration)", name="pix.txt"),
            recognised="Pix — niveau avancé",
            competences=list(blocs[0].competences.all()),
        )
    _attestations(hub)
    return network


def _attestations(hub):
    """The issuer, then the documents of the closed session and of the current decisions, issued
    now so that `make run` has documents to download, scan and verify at once."""
    if not Issuer.objects.exists():
        issuer_update(
            actor=hub,
            legal_name="Hub numérique Hauts-de-France (démonstration)",
            siret="",
            nda_number="32590000059",
            qualiopi=True,
            qualiopi_mention="La certification qualité a été délivrée au titre de la catégorie "
            "d'action suivante : actions de formation.",
            address="1 place du Théâtre\n59000 Lille",
            signatory_name="Claire Dumont",
            signatory_role="Directrice",
        )
    for session in Session.objects.filter(status=SessionStatus.CLOSED):
        attestation_services.attestations_issue_for_session(session_id=session.pk)
    for validation in BlocValidation.objects.filter(is_current=True):
        attestation_services.attestation_issue_for_bloc_validation(validation_id=validation.pk)
    for certification in PathwayCertification.objects.filter(is_current=True):
        attestation_services.attestation_issue_for_certification(certification_id=certification.pk)
