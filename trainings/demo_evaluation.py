"""Demo attendance and assessments on the demo sessions (see trainings.demo).

For every past session still open and every running session: attendance on each started slot
(mostly present, a few late, excused or absent; on running sessions some participants signed with
the slot's code), trainer assessments of each participant on each targeted competence for past
sessions (a few superseded, to show history), and self-assessments before and after.
Everything goes through the services. Closed sessions are frozen: `fill_session` must run on them
before they are closed.

Idempotent: an existing mark with the same status adds nothing, and assessments or
self-assessments already present for a participant, competence and session are not repeated.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from competences.models import ProficiencyLevel

from .models import (
    Assessment,
    AssessmentMethod,
    AssessorRole,
    Attendance,
    AttendanceStatus,
    RegistrationStatus,
)
from .permissions import trainer_role_for
from .services import assessments as assessment_services
from .services import attendance as attendance_services

STATUS_WEIGHTS = [
    (AttendanceStatus.PRESENT, 80),
    (AttendanceStatus.LATE, 8),
    (AttendanceStatus.EXCUSED, 6),
    (AttendanceStatus.ABSENT, 6),
]
SIGNED_AFTER = timedelta(minutes=10)
METHODS = [
    AssessmentMethod.OBSERVATION,
    AssessmentMethod.SITUATION,
    AssessmentMethod.SITUATION,
    AssessmentMethod.QUIZ,
    AssessmentMethod.INTERVIEW,
    AssessmentMethod.PORTFOLIO,
]
COMMENTS = {
    1: "Découvre la compétence : à retravailler lors d'une prochaine session.",
    2: "Bonne progression ; encore besoin d'appui sur les cas complexes.",
    3: "Autonome en situation réelle, accompagnement juste et bienveillant.",
    4: "Maîtrise complète : pourrait animer ce point auprès de ses pairs.",
}
EVIDENCE = {
    AssessmentMethod.OBSERVATION: "Observation d'un accompagnement pendant l'atelier.",
    AssessmentMethod.SITUATION: "Jeu de rôle sur une démarche en ligne (CAF, ANTS, impots.gouv).",
    AssessmentMethod.QUIZ: "Quiz de fin de session.",
    AssessmentMethod.INTERVIEW: "Entretien d'explicitation avec le formateur.",
    AssessmentMethod.PORTFOLIO: "Fiches d'accompagnement apportées par la personne.",
}


def _rng(session):
    # A string seed is hashed with SHA-512: the same demo on every run and machine.
    return random.Random(f"socle-demo-{session.title}")


def _pick_status(rng):
    return rng.choices([s for s, _w in STATUS_WEIGHTS], [w for _s, w in STATUS_WEIGHTS])[0]


def _record_attendance(session, *, trainer, registrations, now, rng):
    started = [slot for slot in session.slots.order_by("starts_at") if slot.starts_at <= now]
    current = {
        (m.slot_id, m.registration_id)
        for m in Attendance.objects.filter(slot__session=session, is_current=True)
    }
    session_running = session.ends_at is not None and session.ends_at > now
    for slot in started:
        sign_code = None
        for registration in registrations:
            status = _pick_status(rng)
            if (slot.pk, registration.pk) in current:
                continue
            if slot == started[0] and registration == registrations[0]:
                # Marked absent, then arrived late: the grid shows a corrected mark.
                for corrected in (AttendanceStatus.ABSENT, AttendanceStatus.LATE):
                    attendance_services.attendance_record(
                        actor=trainer, slot=slot, registration=registration, status=corrected
                    )
                continue
            # In running sessions most participants signed with the code the trainer showed,
            # a few minutes into the slot.
            if session_running and status == AttendanceStatus.PRESENT and rng.random() < 0.7:
                if sign_code is None:
                    sign_code = attendance_services.slot_sign_code_get_or_create(
                        actor=trainer, slot=slot
                    )
                attendance_services.attendance_sign_with_code(
                    actor=registration.user,
                    code=sign_code.code,
                    now=min(slot.starts_at + SIGNED_AFTER, now),
                )
                continue
            attendance_services.attendance_record(
                actor=trainer, slot=slot, registration=registration, status=status
            )


def _assessor_for(session, competence, today):
    for trainer in session.trainers.order_by("pk"):
        if trainer_role_for(trainer, competence.bloc, today) is not None:
            return trainer
    return None


def _record_assessments(session, *, registrations, levels, today, rng):
    competences = list(session.competences.select_related("bloc").order_by("order", "code"))
    assessed_on = min(timezone.localdate(session.ends_at), today)
    done = set(
        Assessment.objects.filter(session=session)
        .exclude(assessor_role=AssessorRole.SELF)
        .values_list("participant_id", "competence_id")
    )
    for index, registration in enumerate(registrations):
        for competence in competences:
            if (registration.user_id, competence.pk) in done:
                continue
            assessor = _assessor_for(session, competence, today)
            if assessor is None:
                continue
            rank = rng.choices([1, 2, 3, 4], [1, 4, 6, 2])[0]
            criteria = [c for c in competence.criteria.all() if rng.random() < 0.6]
            if index % 5 == 0 and rank < 3:
                # Assessed early, then again at the end: the history shows progress.
                method = rng.choice(METHODS)
                assessment_services.assessment_record(
                    actor=assessor,
                    session=session,
                    participant=registration.user,
                    competence=competence,
                    level=levels[rank],
                    criteria=criteria[:1],
                    method=method,
                    assessed_on=timezone.localdate(session.starts_at),
                    comment=COMMENTS[rank],
                    evidence=EVIDENCE[method],
                )
                rank += 1
            method = rng.choice(METHODS)
            assessment_services.assessment_record(
                actor=assessor,
                session=session,
                participant=registration.user,
                competence=competence,
                level=levels[rank],
                criteria=criteria,
                method=method,
                assessed_on=assessed_on,
                comment=COMMENTS[rank],
                evidence=EVIDENCE[method],
            )


def _record_self_assessments(session, *, registrations, levels, after, rng):
    """A few participants positioned themselves before the session (linked to it) and, for past
    sessions, again afterwards (free positioning)."""
    competences = list(session.competences.order_by("order", "code"))
    if not competences:
        return
    for registration in registrations[::3]:
        user = registration.user
        competence = competences[registration.pk % len(competences)]
        existing = Assessment.objects.filter(
            participant=user, competence=competence, assessor_role=AssessorRole.SELF
        )
        if not existing.filter(session=session).exists():
            assessment_services.self_assessment_record(
                actor=user,
                competence=competence,
                level=levels[rng.choice([1, 2])],
                comment="Avant la session : je me lance.",
                session=session,
            )
        if after and not existing.filter(session__isnull=True).exists():
            assessment_services.self_assessment_record(
                actor=user,
                competence=competence,
                level=levels[rng.choice([2, 3, 4])],
                comment="Après la session : plus à l'aise en situation.",
            )


def fill_session(session, *, now=None):
    """Attendance on the started slots of an open session and, once it has ended, trainer
    assessments; self-assessments around it."""
    if session.is_frozen:
        return
    now = now or timezone.now()
    today = timezone.localdate(now)
    rng = _rng(session)
    trainer = session.trainers.order_by("pk").first()
    registrations = list(
        session.registrations.filter(status=RegistrationStatus.REGISTERED)
        .select_related("user")
        .order_by("pk")
    )
    levels = {
        level.rank: level for level in ProficiencyLevel.objects.filter(version=session.version)
    }
    _record_attendance(session, trainer=trainer, registrations=registrations, now=now, rng=rng)
    ended = session.ends_at is not None and session.ends_at <= now
    if ended:
        _record_assessments(
            session, registrations=registrations, levels=levels, today=today, rng=rng
        )
    _record_self_assessments(
        session, registrations=registrations, levels=levels, after=ended, rng=rng
    )


@transaction.atomic
def build(network):
    """Fill the demo's past and running sessions (network["sessions"], set by trainings.demo)."""
    sessions = network.get("sessions") or {}
    now = timezone.now()
    for session in sessions.get("past", []) + sessions.get("running", []):
        session.refresh_from_db()
        fill_session(session, now=now)
    return network
