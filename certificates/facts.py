"""What each attestation states, gathered once at issue time as plain JSON data.

The document is rendered from these facts only, and they are stored with it: a later change of a
name, a session or the reference alters nothing already issued. Dates are ISO strings, hours
decimal strings; the templates format them.
"""

from decimal import Decimal

from django.utils import timezone

from accounts.selectors import territory_of_record
from trainings.formatting import format_hours
from trainings.models import Assessment, AssessorRole
from trainings.selectors.assessments import session_competences
from trainings.selectors.attendance import attended_hours

from .models import DecisionBasis, Issuer

ACTION_NATURE = "action de formation"  # Code du travail, art. L. 6313-1, 1°
COMPLETION_RETENTION = (
    "L'émetteur s'engage à conserver l'ensemble des pièces justificatives qui ont permis "
    "d'établir le présent certificat pendant une durée de 3 ans à compter de la fin de l'année "
    "du dernier paiement."
)


def issuer_facts():
    issuer = Issuer.objects.first()
    if issuer is None:
        return None
    return {
        "legal_name": issuer.legal_name,
        "siret": issuer.siret,
        "nda_number": issuer.nda_number,
        "qualiopi": issuer.qualiopi,
        "qualiopi_mention": issuer.qualiopi_mention,
        "address": issuer.address,
        "logo": issuer.logo.name if issuer.logo else "",
        "signatory_name": issuer.signatory_name,
        "signatory_role": issuer.signatory_role,
    }


def holder_facts(user):
    structure = territory_of_record(user).structure
    return {
        "name": user.get_full_name() or user.email,
        "employer": structure.name if structure else "",
        "employer_siret": structure.siret if structure else "",
    }


def _day(moment):
    return timezone.localtime(moment).date().isoformat()


def _place(session):
    if session.structure_id:
        structure = session.structure
        return f"{structure.name}, {structure.commune.name}"
    return session.address


def session_facts(session, user):
    """Facts of the end-of-training attestation and of the certificat de réalisation."""
    slots = list(session.slots.order_by("starts_at"))
    planned = sum(
        (Decimal(str((s.ends_at - s.starts_at).total_seconds())) / 3600 for s in slots),
        Decimal(0),
    )
    competences = session_competences(session)
    latest = {}
    for assessment in (
        Assessment.objects.filter(session=session, participant=user)
        .exclude(assessor_role=AssessorRole.SELF)
        .select_related("level")
        .order_by("-assessed_on", "-created_at", "-pk")
    ):
        latest.setdefault(assessment.competence_id, assessment)
    methods = sorted({a.get_method_display() for a in latest.values()})
    return {
        "holder": holder_facts(user),
        "session": {
            "title": session.title,
            "objectives": session.objectives,
            "nature": ACTION_NATURE,
            "format": session.get_format_display(),
            "place": _place(session),
            "first_day": _day(slots[0].starts_at) if slots else "",
            "last_day": _day(slots[-1].ends_at) if slots else "",
            "slots": [
                {
                    "day": _day(s.starts_at),
                    "start": timezone.localtime(s.starts_at).strftime("%H:%M"),
                    "end": timezone.localtime(s.ends_at).strftime("%H:%M"),
                }
                for s in slots
            ],
            "planned_hours": format_hours(planned),
            "trainers": [t.get_full_name() for t in session.trainers.order_by("last_name")],
            "reference": f"{session.version.referential.title} v{session.version.number}",
        },
        "attended_hours": format_hours(attended_hours(user, session)),
        "evaluation_methods": methods,
        "competences": [
            {
                "code": competence.code,
                "title": competence.title,
                "level": latest[competence.pk].level.label if competence.pk in latest else "",
                "rank": latest[competence.pk].level.rank if competence.pk in latest else None,
            }
            for competence in competences
        ],
        "retention": COMPLETION_RETENTION,
    }


def bloc_validation_facts(validation):
    enrollment = validation.enrollment
    rules = validation.rule_set.rules
    bloc_rules = next(
        (b for b in rules["blocs"] if b["lineage"] == str(validation.bloc_lineage)), None
    )
    titles = {c["code"]: c["title"] for c in (bloc_rules or {}).get("competences", [])}
    evidence = validation.evidence
    items = evidence.get("competences", [])
    if validation.basis == DecisionBasis.RULES:
        assessed = items
        competences = [
            {"code": i["code"], "title": titles.get(i["code"], ""), "level": i["level_label"]}
            for i in items
        ]
    else:  # recognised by hand: the codes the hub named
        assessed = []
        competences = [{"code": code, "title": titles.get(code, ""), "level": ""} for code in items]
    return {
        "holder": {"name": validation.holder_name, "employer": ""},
        "bloc": {
            "code": validation.bloc.code,
            "title": validation.bloc.title,
            "national_code": validation.bloc.national_code,
        },
        "pathway": {
            "title": enrollment.pathway.title,
            "national_code": enrollment.pathway.national_code,
            "rule_set": validation.rule_set.number,
        },
        "basis": validation.basis,
        "recognised": evidence.get("recognised", ""),
        "competences": competences,
        "evidence_summary": {
            "assessments": len(assessed),
            "first_day": min((i["assessed_on"] for i in assessed), default=""),
            "last_day": max((i["assessed_on"] for i in assessed), default=""),
        },
        "decided_on": validation.decided_on.isoformat(),
        "valid_until": validation.valid_until.isoformat(),
    }


def certification_facts(certification):
    enrollment = certification.enrollment
    rules = certification.rule_set.rules
    hours = certification.evidence.get("hours", {}).get("total")
    return {
        "holder": {"name": certification.holder_name, "employer": ""},
        "pathway": {
            "title": enrollment.pathway.title,
            "national_code": enrollment.pathway.national_code,
            "rule_set": certification.rule_set.number,
            "reference": (
                f"{enrollment.pathway.version.referential.title} "
                f"v{enrollment.pathway.version.number}"
            ),
        },
        "blocs": [
            {"code": b["code"], "title": b["title"], "national_code": b.get("national_code", "")}
            for b in rules["blocs"]
        ],
        "basis": certification.basis,
        "recognised": certification.evidence.get("recognised", ""),
        "hours": format_hours(Decimal(hours)) if hours else "",
        "min_hours": format_hours(Decimal(rules["min_attended_hours"])),
        "decided_on": certification.decided_on.isoformat(),
        "valid_until": certification.valid_until.isoformat(),
    }
