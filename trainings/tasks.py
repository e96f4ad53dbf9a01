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


@task
def build_attendance_sheet(session_id, mode):
    """Render a session's attendance sheet (blank or completed record) into the shared cache,
    where the sheet's page serves it (trainings.pdf)."""
    from .pdf import attendance_sheet_build

    return attendance_sheet_build(session_id=session_id, mode=mode)


@task
def send_accreditation_email(accreditation_ids):
    return emails.send_accreditation_email(accreditation_ids)


@task
def send_participant_invitation(session_id, email, inviter_id):
    from .emails import build_participant_invitation

    message = build_participant_invitation(session_id, email, inviter_id)
    if message is not None:
        message.send()
    return session_id
