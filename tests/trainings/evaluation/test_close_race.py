"""A mark recorded while the session is being closed waits for the closing and is refused."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from core.exceptions import DomainError
from tests import factories
from trainings.models import Attendance, Session, SessionStatus
from trainings.services import attendance as attendance_services


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Row locks are what is tested; SQLite has one writer at a time anyway.",
)
@pytest.mark.django_db(transaction=True)
def test_attendance_recorded_during_closing_is_refused_not_slipped_in():
    # The slot has started (marks are refused before it does).
    start = timezone.now() - datetime.timedelta(hours=1)
    session = factories.make_session(participants=1, slots=1, start=start)
    trainer = session.trainers.get()
    slot = session.slots.get()
    registration = session.registrations.get()
    locked = threading.Event()
    outcome = {}

    def close_slowly():
        try:
            with transaction.atomic():
                Session.objects.select_for_update().get(pk=session.pk)  # as session_close does
                Session.objects.filter(pk=session.pk).update(status=SessionStatus.CLOSED)
                locked.set()
                time.sleep(0.5)  # the trainer's mark arrives while closing is not committed
        finally:
            connections.close_all()

    def mark():
        try:
            locked.wait(timeout=10)
            attendance_services.attendance_record(
                actor=trainer, slot=slot, registration=registration, status="present"
            )
            outcome["result"] = "written"
        except DomainError as error:
            outcome["result"] = error.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close_slowly), threading.Thread(target=mark)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcome["result"] == "session_frozen"
    assert not Attendance.objects.filter(slot=slot).exists()
