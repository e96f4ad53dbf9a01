"""Background work (django.tasks): registration e-mails, the day-before reminders, and marking
finished sessions as held. Run the daily ones from cron through the management commands."""

from django.tasks import task

from . import emails


@task
def send_registration_email(kind, registration_id):
    return emails.send_registration_email(kind, registration_id)


@task
def send_session_reminders():
    """Remind registered participants of sessions starting tomorrow (Europe/Paris), once."""
    from .services.registrations import registrations_send_reminders

    return registrations_send_reminders()


@task
def mark_sessions_held():
    """Published sessions whose last slot has ended become "held"."""
    from .services.sessions import sessions_mark_held

    return sessions_mark_held()


@task
def send_trainer_invitation(invitation_id):
    from .services.invitations import invitation_message

    message = invitation_message(invitation_id)
    if message is not None:
        message.send()
    return invitation_id
