"""Certification decisions: bloc validations and pathway certifications.

`enrollment_decide` applies the enrolment's rule set to the person's current statuses and counting
hours and records what is due, idempotently: the enrolment row is locked, the current decisions
re-read under it, and a partial unique constraint (one current decision per enrolment and bloc,
one per enrolment) refuses a duplicate that would slip past. It runs in a background task after
every change of evidence and in the nightly sweep, never in the request that caused it.

Renewal: a decision that has expired or expires within RENEWAL_WINDOW is renewed (a new decision,
the old one no longer current) when the evidence it rests on was renewed after it — for a bloc, a
counting assessment of one of its competences assessed after the decision; for a pathway, every
bloc validated again after it.
"""

import calendar
import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import territory_of_record
from competences.models import Bloc, VersionStatus
from core.audit import log_action
from core.exceptions import DomainError
from core.permissions import is_hub_coordinator
from trainings.models import AccreditationSource, CompetenceStatus, TrainerAccreditation
from trainings.selectors.attendance import counting_hours

from ..eligibility import evaluate
from ..models import (
    BlocValidation,
    DecisionBasis,
    Enrollment,
    EnrollmentStatus,
    PathwayCertification,
)
from .attestations import request_decision_attestation, revoke_for_decision

RENEWAL_WINDOW = datetime.timedelta(days=60)


def add_months(day, months):
    """The same day `months` later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def validity_end(decided_on, months):
    return add_months(decided_on, months) - datetime.timedelta(days=1)


def request_decisions(user_ids):
    """Ask the background worker to apply the rules to these people once the transaction commits."""
    user_ids = sorted({int(pk) for pk in user_ids})
    if not user_ids:
        return
    from ..tasks import decide_for_people

    transaction.on_commit(lambda: decide_for_people.enqueue(user_ids=user_ids))


# Facts ---------------------------------------------------------------------------------------


def rule_lineages(rules):
    competences = [c["lineage"] for bloc in rules["blocs"] for c in bloc["competences"]]
    blocs = [bloc["lineage"] for bloc in rules["blocs"]]
    return competences, blocs


def person_facts(user_id, rules):
    """What the rules read about a person: {lineage: status} and {session_id: hours}."""
    competence_lineages, bloc_lineages = rule_lineages(rules)
    statuses = {
        str(status.lineage): status
        for status in CompetenceStatus.objects.filter(
            user_id=user_id, lineage__in=competence_lineages
        ).select_related("level", "competence", "assessment__assessor")
    }
    hours = counting_hours([user_id], bloc_lineages).get(user_id, {})
    return statuses, hours


def verdict_for(rules, statuses, hours, *, assume=None):
    levels = {lineage: (s.level_rank, s.level.label) for lineage, s in statuses.items()}
    return evaluate(rules, levels, sum(hours.values(), 0), assume=assume)


def _holder(user, on_date):
    territory = territory_of_record(user)
    snapshot = {"holder_name": user.get_full_name() or user.email}
    if territory.structure is not None:
        snapshot.update(
            holder_structure=territory.structure,
            holder_structure_kind=territory.structure.kind,
            holder_function=territory.function,
        )
    if territory.commune is not None:
        commune = territory.commune
        snapshot.update(
            holder_commune_code=commune.insee_code,
            holder_commune_name=commune.name,
            holder_departement_code=commune.departement_id,
            holder_region_code=commune.departement.region_id,
        )
    return snapshot


def _bloc_evidence(rule_set, bloc_result, statuses):
    return {
        "rule_set": rule_set.number,
        "competences": [
            {
                "code": competence.code,
                "lineage": competence.lineage,
                "required_rank": competence.required_rank,
                "level_rank": statuses[competence.lineage].level_rank,
                "level_label": statuses[competence.lineage].level.label,
                "assessment": statuses[competence.lineage].assessment_id,
                "assessed_code": statuses[competence.lineage].competence.code,
                "assessed_on": statuses[competence.lineage].assessed_on.isoformat(),
                "assessor_role": statuses[competence.lineage].assessment.assessor_role,
                "method": statuses[competence.lineage].assessment.method,
            }
            for competence in bloc_result.competences
        ],
    }


def _hours_evidence(hours):
    return {
        "total": str(sum(hours.values(), 0)),
        "sessions": [{"session": pk, "hours": str(value)} for pk, value in sorted(hours.items())],
    }


def _bloc_of(rule_set, lineage):
    return Bloc.objects.get(version_id=rule_set.pathway.version_id, lineage=lineage)


def _peer_accreditation(user, bloc, decided_on, valid_until):
    """Holding a valid validation of a bloc makes its holder a peer trainer for it."""
    return TrainerAccreditation.objects.create(
        user=user,
        bloc=bloc,
        valid_from=decided_on,
        valid_until=valid_until,
        source=AccreditationSource.CERTIFICATION,
        note=_("Bloc validé le %(day)s") % {"day": decided_on.isoformat()},
    )


def _end_peer_accreditation(accreditation):
    """The peer-trainer right ends on the day of the withdrawal; the days it was valid stay
    answerable (a revocation is dated, trainings.permissions reads it so)."""
    if accreditation is not None and accreditation.revoked_at is None:
        accreditation.revoked_at = timezone.now()
        accreditation.save(update_fields=["revoked_at"])


def _due_for_renewal(decision, today, fresh_since):
    """Expired or expiring soon, and evidence renewed after it."""
    return (
        decision.valid_until - today <= RENEWAL_WINDOW
        and fresh_since is not None
        and fresh_since > decision.decided_on
    )


def _supersede(decision):
    if decision is not None:
        decision.is_current = False
        decision.save(update_fields=["is_current"])


def _save_decision(decision):
    decision.full_clean(exclude=["proof"] if not decision.proof else None)
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError as error:
        raise DomainError(_("Cette décision est déjà enregistrée."), "already_decided") from error
    return decision


# The rules -----------------------------------------------------------------------------------


def _record_bloc_validation(
    enrollment, bloc_lineage, *, today, evidence, previous, basis, actor=None, reason="", proof=None
):
    rule_set = enrollment.rule_set
    bloc = _bloc_of(rule_set, bloc_lineage)
    valid_until = validity_end(today, rule_set.validity_months)
    _supersede(previous)
    validation = BlocValidation(
        enrollment=enrollment,
        rule_set=rule_set,
        basis=basis,
        decided_on=today,
        valid_until=valid_until,
        decided_by=actor,
        reason=reason,
        evidence=evidence,
        bloc=bloc,
        bloc_lineage=bloc_lineage,
        renews=previous,
        **_holder(enrollment.user, today),
    )
    if proof is not None:
        validation.proof = proof
    _save_decision(validation)
    validation.peer_accreditation = _peer_accreditation(enrollment.user, bloc, today, valid_until)
    validation.save(update_fields=["peer_accreditation"])
    request_decision_attestation(validation)
    log_action(
        actor=actor,
        action="decision.bloc_validate",
        target=validation,
        enrollment=enrollment.pk,
        bloc=bloc.code,
        basis=basis,
        rule_set=rule_set.number,
        renews=previous.pk if previous else None,
    )
    return validation


def _record_certification(
    enrollment, validations, *, today, evidence, previous, basis, actor=None, reason="", proof=None
):
    rule_set = enrollment.rule_set
    certification = PathwayCertification(
        enrollment=enrollment,
        rule_set=rule_set,
        basis=basis,
        decided_on=today,
        valid_until=validity_end(today, rule_set.validity_months),
        decided_by=actor,
        reason=reason,
        evidence=evidence,
        renews=previous,
        **_holder(enrollment.user, today),
    )
    if proof is not None:
        certification.proof = proof
    _supersede(previous)
    _save_decision(certification)
    certification.bloc_validations.set(validations)
    request_decision_attestation(certification)
    log_action(
        actor=actor,
        action="decision.certify",
        target=certification,
        enrollment=enrollment.pk,
        basis=basis,
        rule_set=rule_set.number,
        renews=previous.pk if previous else None,
    )
    return certification


def _withdrawn_on(model, enrollment, key):
    """{key (str): the day of the latest withdrawal} of the enrolment's withdrawn decisions."""
    rows = (
        model.objects.filter(enrollment=enrollment, withdrawn_at__isnull=False)
        .values(key)
        .annotate(last=Max("withdrawn_at"))
    )
    return {str(row[key]): timezone.localdate(row["last"]) for row in rows}


def _fresh_after_withdrawal(withdrawn_on, fresh_since):
    """A withdrawn decision is not taken again on the same evidence: only on evidence newer than
    the withdrawal (the hub withdrew it for a reason)."""
    return withdrawn_on is None or (fresh_since is not None and fresh_since > withdrawn_on)


def _current(model, enrollment):
    return model.objects.filter(enrollment=enrollment, is_current=True)


def _refresh_status(enrollment, today):
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        return
    certification = _current(PathwayCertification, enrollment).first()
    if certification is None:
        status = EnrollmentStatus.IN_PROGRESS
    elif certification.valid_until < today:
        status = EnrollmentStatus.EXPIRED
    else:
        status = EnrollmentStatus.CERTIFIED
    if status != enrollment.status:
        previous = enrollment.status
        enrollment.status = status
        enrollment.status_changed_at = timezone.now()
        enrollment.save(update_fields=["status", "status_changed_at"])
        log_action(
            actor=None,
            action="enrollment.status",
            target=enrollment,
            previous=previous,
            status=status,
        )


def _lock(enrollment_id):
    return (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("rule_set__pathway__version", "user")
        .get(pk=enrollment_id)
    )


def enrollment_decide(*, enrollment_id, today=None):
    """Apply the enrolment's rule set and record the decisions that are due. Idempotent: a second
    call (or a concurrent one, which waits for the lock) records nothing more. Returns the
    decisions recorded."""
    today = today or timezone.localdate()
    recorded = []
    with transaction.atomic():
        enrollment = _lock(enrollment_id)
        if enrollment.status == EnrollmentStatus.WITHDRAWN:
            return recorded
        if enrollment.rule_set.pathway.version.status == VersionStatus.RETIRED:
            _refresh_status(enrollment, today)
            return recorded
        rules = enrollment.rule_set.rules
        statuses, hours = person_facts(enrollment.user_id, rules)
        verdict = verdict_for(rules, statuses, hours)
        current = {
            str(validation.bloc_lineage): validation
            for validation in _current(BlocValidation, enrollment)
        }
        withdrawn = _withdrawn_on(BlocValidation, enrollment, "bloc_lineage")
        for bloc in verdict.blocs:
            if not bloc.met:
                continue
            previous = current.get(bloc.lineage)
            fresh_since = max(
                (statuses[c.lineage].assessed_on for c in bloc.competences), default=None
            )
            if previous is not None and not _due_for_renewal(previous, today, fresh_since):
                continue
            if previous is None and not _fresh_after_withdrawal(
                withdrawn.get(bloc.lineage), fresh_since
            ):
                continue
            current[bloc.lineage] = _record_bloc_validation(
                enrollment,
                bloc.lineage,
                today=today,
                evidence=_bloc_evidence(enrollment.rule_set, bloc, statuses),
                previous=previous,
                basis=DecisionBasis.RULES,
            )
            recorded.append(current[bloc.lineage])

        validations = [current.get(bloc.lineage) for bloc in verdict.blocs]
        all_valid = all(v is not None and v.valid_until >= today for v in validations)
        if verdict.hours_met and all_valid and validations:
            previous = _current(PathwayCertification, enrollment).first()
            oldest_validation = min(v.decided_on for v in validations)
            withdrawn_on = _withdrawn_on(PathwayCertification, enrollment, "enrollment_id")
            due = (
                _fresh_after_withdrawal(withdrawn_on.get(str(enrollment.pk)), oldest_validation)
                if previous is None
                else _due_for_renewal(previous, today, oldest_validation)
            )
            if due:
                recorded.append(
                    _record_certification(
                        enrollment,
                        validations,
                        today=today,
                        evidence={
                            "rule_set": enrollment.rule_set.number,
                            "bloc_validations": [v.pk for v in validations],
                            "hours": _hours_evidence(hours),
                        },
                        previous=previous,
                        basis=DecisionBasis.RULES,
                    )
                )
        _refresh_status(enrollment, today)
    return recorded


def decide_for_people(*, user_ids, today=None):
    """Apply the rules to every active enrolment of these people."""
    recorded = []
    for enrollment_id in (
        Enrollment.objects.filter(user_id__in=user_ids)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        recorded += enrollment_decide(enrollment_id=enrollment_id, today=today)
    return recorded


# The hub's hand ------------------------------------------------------------------------------


def _check_hub(actor):
    if not is_hub_coordinator(actor):
        raise DomainError(
            _("Seule la coordination du hub peut prendre cette décision."), "not_allowed"
        )


def _check_manual(reason, proof):
    if not (reason or "").strip():
        raise DomainError(
            _("Indiquez le motif de la validation."), "reason_required", field="reason"
        )
    if not proof:
        raise DomainError(
            _("Joignez le justificatif (certificat reconnu, procès-verbal…)."),
            "proof_required",
            field="proof",
        )


def decision_validate_manually(
    *, actor, enrollment, reason, proof, bloc=None, recognised="", competences=(), today=None
):
    """The hub validates a bloc of an enrolment (`bloc`) or certifies its pathway (no `bloc`)
    by hand: recognising an external certification (Pix, CléA numérique, a CCP…) as evidence for
    named competences, for example. Reason and proof are mandatory; audited."""
    _check_hub(actor)
    _check_manual(reason, proof)
    today = today or timezone.localdate()
    with transaction.atomic():
        enrollment = _lock(enrollment.pk)
        if enrollment.status == EnrollmentStatus.WITHDRAWN:
            raise DomainError(_("Cette inscription est close."), "already_withdrawn")
        if enrollment.rule_set.pathway.version.status != VersionStatus.PUBLISHED:
            raise DomainError(
                _(
                    "La version du référentiel de ce parcours est retirée : inscrivez la "
                    "personne au parcours de la version en vigueur."
                ),
                "version_retired",
            )
        rules = enrollment.rule_set.rules
        evidence = {
            "rule_set": enrollment.rule_set.number,
            "recognised": recognised.strip(),
            "competences": [c.code for c in competences],
        }
        if bloc is not None:
            lineage = str(bloc.lineage)
            if lineage not in {b["lineage"] for b in rules["blocs"]}:
                raise DomainError(
                    _("Le bloc %(code)s ne fait pas partie de ce parcours.") % {"code": bloc.code},
                    "bloc_not_in_pathway",
                    field="bloc",
                )
            previous = _current(BlocValidation, enrollment).filter(bloc_lineage=lineage).first()
            decision = _record_bloc_validation(
                enrollment,
                lineage,
                today=today,
                evidence=evidence,
                previous=previous,
                basis=DecisionBasis.MANUAL,
                actor=actor,
                reason=reason.strip(),
                proof=proof,
            )
        else:
            validations = list(_current(BlocValidation, enrollment))
            previous = _current(PathwayCertification, enrollment).first()
            decision = _record_certification(
                enrollment,
                validations,
                today=today,
                evidence=evidence,
                previous=previous,
                basis=DecisionBasis.MANUAL,
                actor=actor,
                reason=reason.strip(),
                proof=proof,
            )
        _refresh_status(enrollment, today)
    request_decisions([enrollment.user_id])
    return decision


def decision_withdraw(*, actor, decision, reason, today=None):
    """The hub withdraws a decision (reason mandatory). It stays in the history, marked withdrawn;
    a withdrawn bloc validation ends its holder's peer-trainer right for the bloc."""
    _check_hub(actor)
    if not (reason or "").strip():
        raise DomainError(_("Indiquez le motif du retrait."), "reason_required", field="reason")
    today = today or timezone.localdate()
    model = type(decision)
    with transaction.atomic():
        enrollment = _lock(decision.enrollment_id)
        decision = model.objects.select_for_update().get(pk=decision.pk)
        if decision.withdrawn_at is not None:
            raise DomainError(_("Cette décision a déjà été retirée."), "already_withdrawn")
        decision.withdrawn_at = timezone.now()
        decision.withdrawn_by = actor
        decision.withdrawal_reason = reason.strip()
        decision.is_current = False
        decision.save(
            update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "is_current"]
        )
        if isinstance(decision, BlocValidation):
            _end_peer_accreditation(decision.peer_accreditation)
        revoke_for_decision(actor=actor, decision=decision, reason=decision.withdrawal_reason)
        _refresh_status(enrollment, today)
        log_action(
            actor=actor,
            action="decision.withdraw",
            target=decision,
            kind=model._meta.model_name,
            reason=decision.withdrawal_reason,
        )
    return decision


def decisions_anonymise_for(*, user):
    """Erasure of a person: decisions keep everything they rest on, but the copy of the
    holder's name they took becomes « Personne anonymisée ». Returns how many changed."""
    from accounts.models import ANONYMISED_NAME

    name = str(ANONYMISED_NAME)
    return BlocValidation.objects.filter(enrollment__user=user).update(
        holder_name=name
    ) + PathwayCertification.objects.filter(enrollment__user=user).update(holder_name=name)
