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
