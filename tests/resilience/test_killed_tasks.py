"""Task workers killed midway (SIGKILL: no exception handler, no `finally`), then the work run
again the way production runs it: a real django-tasks-db worker takes the task from the database
queue in a forked process, which is killed at a chosen step (the step is patched in the child
only, to report and wait); then another worker, the task itself again, and the nightly sweep.

Whatever the step, the end is exactly one result (one attestation of each kind per person, one
decision, one ready export), every row that exists is whole (its file is there, complete, with
the recorded fingerprint), and no file is left that nothing points at once the sweep or the
purge has run.

What django-tasks-db does with the killed worker's task: nothing. It stays RUNNING for good (no
worker takes a RUNNING task again, there is no heartbeat nor timeout); the nightly sweep and
the export's staleness rule are what recover.
"""

import datetime
import hashlib
import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from certificates import pdf
from certificates import services as certificate_services
from certificates.badges import badge_key
from certificates.keys import seal
from certificates.models import (
    Attestation,
    AttestationKind,
    BlocValidation,
    Issuer,
    PathwayCertification,
)
from certificates.services.sweep import certifications_sweep, orphan_attestation_files_purge
from certificates.tasks import decide_for_people, issue_session_attestations
from competences import services as competence_services
from reporting import services as report_services
from reporting.models import ExportStatus, ReportExport
from reporting.tasks import build_report_export
from tests import factories
from tests.factories import level_of
from trainings.models import Session, SessionStatus, TrainerAccreditation
from trainings.services import assessments as assessment_services

from .support import Child, hang, pg_only

pytestmark = pg_only

KILL_POINTS = ("render", "recorded", "second", "notify")
PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}


@pytest.fixture
def database_queue(settings, media_root):
    """The production task backend (django-tasks-db) instead of the tests' immediate one."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", *(f"kill-{point}" for point in KILL_POINTS)],
        }
    }
    # Made before any fork: a child killed while writing the development keys would leave them
    # half-written for the others.
    seal()
    badge_key()
    return settings


def run_worker(queue="*", worker_id="recovery"):
    """A worker that runs every task ready now, then stops (db_worker --batch)."""
    Worker(
        queue_names=[queue],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


def killed_worker(queue, patches):
    """Child work: a db_worker on `queue` with some steps patched (target, factory(reached))."""

    def work(reached):
        with ExitStack() as stack:
            for target, make in patches:
                stack.enter_context(mock.patch(target, make(reached)))
            run_worker(queue, worker_id=f"killed-{queue}")

    return work


def hang_at(name):
    return lambda reached: lambda *args, **kwargs: hang(reached, name)


def hang_after(real, name, call=1):
    """Run the real step `call` - 1 times, then hang before the next."""

    def make(reached):
        calls = []

        def step(*args, **kwargs):
            calls.append(1)
            if len(calls) == call:
                hang(reached, name)
            return real(*args, **kwargs)

        return step

    return make


def hang_once_done(real, name):
    def make(reached):
        def step(*args, **kwargs):
            result = real(*args, **kwargs)
            hang(reached, name)
            return result

        return step

    return make


def killed_tasks(worker_id):
    tasks = DBTaskResult.objects.filter(worker_ids=[worker_id])
    return list(tasks.values_list("status", flat=True))


def stored_files(media_root, folder):
    return {
        path.relative_to(media_root).as_posix()
        for path in (Path(media_root) / folder).rglob("*")
        if path.is_file()
    }


def age(media_root, names, hours):
    then = time.time() - hours * 3600
    for name in names:
        os.utime(Path(media_root) / name, (then, then))


def assert_attestations_whole(media_root):
    """Every attestation row has its file, complete, with the fingerprint it records; no file is
    left without a row."""
    referenced = set()
    for attestation in Attestation.objects.all():
        data = attestation.pdf.read()
        attestation.pdf.close()
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
        assert hashlib.sha256(data).hexdigest() == attestation.sha256
        referenced.add(attestation.pdf.name)
    assert stored_files(media_root, "attestations") == referenced


def closed_session_with_attendee():
    start = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=7), datetime.time(9)
        )
    )
    session = factories.make_session(participants=1, slots=2, competences=3, start=start)
    registration = session.registrations.get()
    for slot in session.slots.all():
        factories.AttendanceFactory(slot=slot, registration=registration)
    Session.objects.filter(pk=session.pk).update(
        status=SessionStatus.CLOSED, closed_at=timezone.now()
    )
    return session


def make_issuer():
    return Issuer.objects.create(
        legal_name="Hub numérique Hauts-de-France",
        nda_number="32590000059",
        address="1 place du Théâtre\n59000 Lille",
        signatory_name="Claire Dumont",
        signatory_role="Directrice",
    )


def test_killed_attestation_issuance_ends_with_one_of_each(database_queue, media_root):
    """Four workers killed at four steps of a session's issuance: while rendering the first
    document; after storing its file and writing its row, before the commit; after the first
    document committed, while rendering the second; after both, while e-mailing."""
    make_issuer()
    # One issued undisturbed first: this process (and so every child forked from it) has
    # WeasyPrint's fonts loaded, seconds that a long-lived worker spends once.
    control = closed_session_with_attendee()
    assert issue_session_attestations.call(session_id=control.pk) == 2
    sessions = {point: closed_session_with_attendee() for point in KILL_POINTS}
    for point, session in sessions.items():
        issue_session_attestations.using(queue_name=f"kill-{point}").enqueue(session_id=session.pk)
    steps = {
        "render": [("certificates.pdf.render_pdf", hang_at("render"))],
        "recorded": [
            ("certificates.services.attestations.log_action", hang_at("recorded")),
        ],
        "second": [("certificates.pdf.render_pdf", hang_after(pdf.render_pdf, "second", 2))],
        "notify": [("certificates.emails.attestations_ready_message", hang_at("notify"))],
    }
    # All at once, as several workers would be.
    children = {point: Child(killed_worker(f"kill-{point}", steps[point])) for point in steps}
    for point, child in children.items():
        child.wait_for(f"reached {point}")
        child.kill()

    committed = {
        point: Attestation.objects.filter(session=session).count()
        for point, session in sessions.items()
    }
    assert committed == {"render": 0, "recorded": 0, "second": 1, "notify": 2}
    for point in KILL_POINTS:
        assert killed_tasks(f"killed-kill-{point}") == ["RUNNING"]
    # The one with its file stored but not committed left that file behind.
    orphans = stored_files(media_root, "attestations") - set(
        Attestation.objects.values_list("pdf", flat=True)
    )
    assert len(orphans) == 1

    # Another worker does not take a task whose worker died: it stays RUNNING.
    run_worker()
    for point in KILL_POINTS:
        assert killed_tasks(f"killed-kill-{point}") == ["RUNNING"]
    # Running the task again by hand issues what is missing, nothing twice.
    issue_session_attestations.call(session_id=sessions["render"].pk)
    # The nightly sweep finds the rest, and the file no row points at once hours old (not
    # before: an issuance may be about to commit it).
    assert orphan_attestation_files_purge() == 0
    age(media_root, orphans, hours=24)
    certifications_sweep()
    run_worker()

    for session in sessions.values():
        holder = session.registrations.get().user
        kinds = sorted(
            Attestation.objects.filter(session=session, holder=holder).values_list(
                "kind", flat=True
            )
        )
        assert kinds == sorted([AttestationKind.COMPLETION, AttestationKind.END_OF_TRAINING])
    assert Attestation.objects.count() == 2 * (len(KILL_POINTS) + 1)
    serials = list(Attestation.objects.values_list("serial", flat=True))
    assert len(set(serials)) == len(serials)
    assert_attestations_whole(media_root)


def person_due_for_certification():
    """A participant who attended 7 h and was assessed "acquis" on the three competences of
    a pathway's only bloc: their decisions are due (queued, not taken)."""
    hub = factories.HubCoordinatorFactory()
    start = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=7), datetime.time(9)
        )
    )
    session = factories.make_session(participants=1, slots=2, competences=3, start=start)
    bloc = session.version.blocs.get(code="B1")
    pathway = competence_services.pathway_create(
        actor=hub,
        version=session.version,
        code=f"socle-{session.pk}",
        title="Socle",
        audience="novice",
        blocs=[bloc],
        min_attended_hours=7,
        validity_months=12,
    )
    registration = session.registrations.get()
    person, trainer = registration.user, session.trainers.get()
    certificate_services.enrollment_create(actor=person, user=person, pathway=pathway)
    for slot in session.slots.all():
        factories.AttendanceFactory(slot=slot, registration=registration)
    for competence in session.competences.order_by("order"):
        assessment_services.assessment_record(
            actor=trainer,
            session=session,
            participant=person,
            competence=competence,
            level=level_of(session.version, 3),
            method="observation",
            assessed_on=timezone.localdate(),
        )
    return person


def assert_decided_once(person):
    validations = BlocValidation.objects.filter(enrollment__user=person)
    certifications = PathwayCertification.objects.filter(enrollment__user=person)
    assert validations.count() == 1 and certifications.count() == 1
    assert TrainerAccreditation.objects.filter(user=person).count() == 1
    kinds = sorted(Attestation.objects.filter(holder=person).values_list("kind", flat=True))
    assert kinds == sorted([AttestationKind.BLOC, AttestationKind.PATHWAY])
    assert Attestation.objects.filter(bloc_validation=validations.get()).count() == 1
    assert Attestation.objects.filter(certification=certifications.get()).count() == 1


def test_killed_decision_ends_with_one_decision_and_its_attestations(database_queue, media_root):
    make_issuer()

    # Killed inside the decision's transaction, the validation written, not committed.
    first = person_due_for_certification()
    real_log = certificate_services.decisions.log_action

    def log_then_hang(reached):
        def step(*args, **kwargs):
            if kwargs.get("action") == "decision.bloc_validate":
                hang(reached, "deciding")
            return real_log(*args, **kwargs)

        return step

    child = Child(
        killed_worker("default", [("certificates.services.decisions.log_action", log_then_hang)])
    )
    child.wait_for("reached deciding")
    child.kill()
    assert killed_tasks("killed-default") == ["RUNNING"]
    # Nothing of it stayed: no decision, no peer-trainer right.
    assert not BlocValidation.objects.filter(enrollment__user=first).exists()
    assert not TrainerAccreditation.objects.filter(user=first).exists()
    # The other queued evaluations of the same person, the task again, and the sweep.
    run_worker()
    assert decide_for_people.call(user_ids=[first.pk]) == 0
    certifications_sweep()
    run_worker()
    assert_decided_once(first)

    # Killed after the decisions committed, while sealing their first attestation.
    DBTaskResult.objects.all().delete()
    second = person_due_for_certification()
    child = Child(killed_worker("default", [("certificates.pdf.render_pdf", hang_at("sealing"))]))
    child.wait_for("reached sealing")
    child.kill()
    assert killed_tasks("killed-default").count("RUNNING") == 1
    assert BlocValidation.objects.filter(enrollment__user=second).count() == 1
    assert Attestation.objects.filter(holder=second).count() == 0
    run_worker()
    # Evaluating again decides nothing new (and asks for no attestation): the sweep issues it.
    assert decide_for_people.call(user_ids=[second.pk]) == 0
    certifications_sweep()
    run_worker()
    assert_decided_once(second)
    assert_attestations_whole(media_root)


def test_killed_export_is_never_half_ready(database_queue, media_root, monkeypatch, tmp_path):
    """Killed after writing its file to storage, before marking it ready: the job stays
    "running" (the task is not taken again), its file is not offered, and asking again once the
    job is stale gives one ready file; the purge removes the files left behind."""
    # The worker's temporary directory (inherited by the fork): here, not in the system's /tmp.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    hub = factories.HubCoordinatorFactory()
    job, created = report_services.report_export_request(
        actor=hub, kind="sessions", fmt="csv", query=PERIOD
    )
    assert created
    child = Child(
        killed_worker(
            "default",
            [("reporting.services._write", hang_once_done(report_services._write, "stored"))],
        )
    )
    child.wait_for("reached stored")
    child.kill()

    job.refresh_from_db()
    assert (job.status, job.file.name) == (ExportStatus.RUNNING, "")
    assert killed_tasks("killed-default") == ["RUNNING"]
    left = stored_files(media_root, "report-exports")
    assert len(left) == 1
    # ... and, on the worker's host, its temporary directory with the rows written.
    temporary = list(tmp_path.glob(f"{report_services.TEMP_PREFIX}*/*"))
    assert len(temporary) == 1
    # The task again, and another worker: nothing (the job is taken).
    build_report_export.call(export_id=job.pk)
    run_worker()
    job.refresh_from_db()
    assert job.status == ExportStatus.RUNNING
    # Asking again meanwhile returns the same job, until it is stale.
    assert report_services.report_export_request(
        actor=hub, kind="sessions", fmt="csv", query=PERIOD
    ) == (job, False)
    ReportExport.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - report_services.STALE_AFTER - datetime.timedelta(minutes=1)
    )
    fresh, created = report_services.report_export_request(
        actor=hub, kind="sessions", fmt="csv", query=PERIOD
    )
    assert created
    run_worker()

    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file
    assert fresh.status == ExportStatus.READY
    assert ReportExport.objects.filter(status=ExportStatus.READY).count() == 1
    data = fresh.file.read()
    fresh.file.close()
    assert len(data) == fresh.size and data.decode("utf-8-sig").splitlines()[0]  # the header
    # The purge deletes what no job points at, once nothing can be writing it.
    assert report_services.orphan_export_files_purge() == 0 and temporary[0].exists()
    age(media_root, left, hours=24)
    age(tmp_path, [temporary[0].parent.name], hours=24)
    report_services.report_exports_purge(wet_run=True)
    assert stored_files(media_root, "report-exports") == {fresh.file.name}
    assert not temporary[0].parent.exists()
