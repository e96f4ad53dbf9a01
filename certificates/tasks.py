"""Background work (django.tasks): certification decisions after a change of evidence, the nightly
sweep, and the expiry reminders. Tasks carry ids only; the services they call are idempotent."""

from django.tasks import task


@task
def decide_for_people(user_ids):
    from .services.decisions import decide_for_people as decide

    return len(decide(user_ids=user_ids))


@task
def certifications_sweep():
    from .services.sweep import certifications_sweep as sweep

    return sweep()


@task
def send_expiry_reminder(certification_id, days_before):
    from .emails import expiry_reminder_message
    from .models import PathwayCertification

    certification = (
        PathwayCertification.objects.select_related("enrollment__user", "rule_set__pathway")
        .filter(pk=certification_id, is_current=True)
        .first()
    )
    if certification is None:
        return 0
    return expiry_reminder_message(certification, days_before).send()


@task
def issue_session_attestations(session_id):
    """After a session closes: each attending participant's two documents, then one e-mail each."""
    from collections import defaultdict

    from .emails import attestations_ready_message
    from .services.attestations import attestations_issue_for_session

    fresh = [a for a in attestations_issue_for_session(session_id=session_id) if a.was_created]
    by_holder = defaultdict(list)
    for attestation in fresh:
        by_holder[attestation.holder].append(attestation)
    for holder, attestations in by_holder.items():
        attestations_ready_message(holder, attestations).send()
    return len(fresh)


@task
def issue_decision_attestation(kind, decision_id):
    from .emails import attestations_ready_message
    from .services.attestations import (
        attestation_issue_for_bloc_validation,
        attestation_issue_for_certification,
    )

    if kind == "bloc":
        attestation = attestation_issue_for_bloc_validation(validation_id=decision_id)
    else:
        attestation = attestation_issue_for_certification(certification_id=decision_id)
    if attestation is not None and attestation.was_created:
        attestations_ready_message(attestation.holder, [attestation]).send()
    return attestation.pk if attestation else None


@task
def send_attestation_status_email(attestation_id):
    from .emails import attestation_status_message
    from .models import Attestation

    attestation = Attestation.objects.select_related("holder").filter(pk=attestation_id).first()
    if attestation is None:
        return 0
    return attestation_status_message(attestation).send()
