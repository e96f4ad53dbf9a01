"""Everything Socle holds about a person, as plain JSON-ready data: what the person may download
(RGPD right of access, including the assessors' comments about them). Other people appear by
name only where the record is about this person (who assessed them, who recorded a mark)."""

from django.utils import timezone

from accounts.models import Membership
from certificates.models import Attestation, BlocValidation, Enrollment, PathwayCertification
from core.models import AuditLog, MfaGracePeriod
from trainings.models import Assessment, Attendance, Registration


def _when(value):
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _name(user):
    return user.get_full_name() if user else None


def profile(user):
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "two_factor_grace_started_at": _when(
            MfaGracePeriod.objects.filter(user=user).values_list("started_at", flat=True).first()
        ),
        "memberships": [
            {
                "structure": m.structure.name,
                "commune": m.structure.commune.name,
                "function": m.get_function_display(),
                "since": _when(m.created_at),
            }
            for m in Membership.objects.filter(user=user).select_related("structure__commune")
        ],
    }


def registrations(user):
    marks = {}
    for mark in (
        Attendance.objects.filter(registration__user=user)
        .select_related("slot", "recorded_by")
        .order_by("slot__starts_at", "recorded_at")
    ):
        marks.setdefault(mark.registration_id, []).append(
            {
                "slot_start": _when(mark.slot.starts_at),
                "slot_end": _when(mark.slot.ends_at),
                "status": mark.get_status_display(),
                "method": mark.get_method_display(),
                "recorded_at": _when(mark.recorded_at),
                "recorded_by": _name(mark.recorded_by),
                "current": mark.is_current,
            }
        )
    return [
        {
            "session": r.session.title,
            "session_start": _when(r.session.starts_at),
            "session_end": _when(r.session.ends_at),
            "status": r.get_status_display(),
            "attendance_mode": r.get_attendance_mode_display() or None,
            "requested_at": _when(r.created_at),
            "attendance": marks.get(r.pk, []),
        }
        for r in Registration.objects.filter(user=user).select_related("session").order_by("pk")
    ]


def assessments(user):
    return [
        {
            "competence": f"{a.competence.code} — {a.competence.title}",
            "reference": str(a.competence.version),
            "level": a.level.label,
            "method": a.get_method_display(),
            "assessor": _name(a.assessor),
            "assessor_role": a.get_assessor_role_display(),
            "session": a.session.title if a.session else None,
            "assessed_on": _when(a.assessed_on),
            "recorded_at": _when(a.created_at),
            "criteria_met": [c.code for c in a.criteria_met.all()],
            "comment": a.comment,
            "evidence": a.evidence,
            # The files themselves are in the archive, under preuves/<id>-<name>.
            "evidence_files": [
                f"preuves/{f.pk}-{f.name}" if f.file else "(supprimé)"
                for f in a.evidence_files.all()
            ],
            "review": (
                {
                    "decision": a.review.get_decision_display(),
                    "reviewer": _name(a.review.reviewer),
                    "comment": a.review.comment,
                    "reviewed_at": _when(a.review.reviewed_at),
                }
                if hasattr(a, "review")
                else None
            ),
        }
        for a in Assessment.objects.filter(participant=user)
        .select_related(
            "competence__version__referential", "level", "assessor", "session", "review__reviewer"
        )
        .prefetch_related("criteria_met", "evidence_files")
        .order_by("assessed_on", "pk")
    ]


def _decision(decision):
    return {
        "decided_on": _when(decision.decided_on),
        "valid_until": _when(decision.valid_until),
        "basis": decision.get_basis_display(),
        "rule_set": decision.rule_set.number,
        "reason": decision.reason,
        "evidence": decision.evidence,
        "current": decision.is_current,
        "withdrawn_at": _when(decision.withdrawn_at),
        "withdrawal_reason": decision.withdrawal_reason,
    }


def certification(user):
    enrollments = []
    for enrollment in (
        Enrollment.objects.filter(user=user).select_related("pathway", "rule_set").order_by("pk")
    ):
        enrollments.append(
            {
                "pathway": enrollment.pathway.title,
                "status": enrollment.get_status_display(),
                "rule_set": enrollment.rule_set.number,
                "enrolled_at": _when(enrollment.enrolled_at),
                "bloc_validations": [
                    {"bloc": v.bloc.code, **_decision(v)}
                    for v in BlocValidation.objects.filter(enrollment=enrollment).select_related(
                        "bloc", "rule_set"
                    )
                ],
                "certifications": [
                    _decision(c)
                    for c in PathwayCertification.objects.filter(
                        enrollment=enrollment
                    ).select_related("rule_set")
                ],
            }
        )
    return enrollments


def attestations(user):
    return [
        {
            "kind": a.get_kind_display(),
            "serial": a.serial,
            "verification_code": a.verification_code,
            "issued_at": _when(a.issued_at),
            "valid_until": _when(a.valid_until),
            "status": a.get_status_display(),
            "status_reason": a.status_reason,
            "sha256": a.sha256,
            "file": f"attestations/{a.serial}.pdf",
            "facts": a.facts,
        }
        for a in Attestation.objects.filter(holder=user).order_by("issued_at", "pk")
    ]


def own_actions(user):
    """What the person did in Socle, from the audit log."""
    return [
        {
            "at": _when(entry.created_at),
            "action": entry.action,
            "object": entry.target_repr or f"{entry.target_type} {entry.target_id}".strip(),
        }
        for entry in AuditLog.objects.filter(actor=user).order_by("created_at", "pk")
    ]


def accesses(user):
    """Who read or changed this person's records (RGPD: the recipients of their data)."""
    return [
        {
            "at": _when(entry.created_at),
            "action": entry.action,
            "by": _name(entry.actor) if entry.actor_id else "Socle",
            "object": f"{entry.target_type} {entry.target_id}".strip(),
        }
        for entry in AuditLog.objects.filter(subject=user)
        .exclude(actor=user)
        .select_related("actor")
        .order_by("created_at", "pk")
    ]


SECTIONS = {
    "profil.json": profile,
    "inscriptions-et-emargements.json": registrations,
    "evaluations.json": assessments,
    "parcours-et-decisions.json": certification,
    "attestations.json": attestations,
    "actions.json": own_actions,
    "consultations-et-modifications.json": accesses,
}
