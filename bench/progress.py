"""Progress of everyone, the current-status rebuild, and a 10,000-row attendance import.

- Progress: certificates.selectors.progress_of (what « Ma progression » computes) for every
  account, in pk order, and the decision sweep's reading (certificates.services.decisions:
  person_facts + verdict_for, what enrollment_decide computes before it writes) for every active
  enrolment. Both are bounded in time: past the bound, the total is extrapolated from the
  people done (pk order mixes busy and quiet people). Floor: one SQL aggregate over the
  assessments (per person: count and latest date), fetched whole.
- Rebuild: trainings.services.status.competence_status_rebuild (manage.py
  rebuild_competence_status) in a child process, inside a transaction rolled back at the end.
  Floor: the same table in one SQL query (DISTINCT ON person and lineage, the counting rule in
  the WHERE clause), counted.
- Import: trainings.services.imports.attendance_import of a CSV of 10,000 marks (500 people ×
  20 half-days) into a session created for it, in a child process, inside a transaction rolled
  back at the end. Floor: COPY of the same file into a temporary table.
"""

import os
import sys
import time

from .common import (
    Deadline,
    Section,
    emit,
    log,
    median,
    megabytes,
    ms,
    number,
    peak_rss_kib,
    ratio,
    run_child,
    secs,
    times,
)

PROGRESS_SECONDS = 30.0
PROGRESS_SECONDS_QUICK = 10.0
SWEEP_SECONDS = 20.0
SWEEP_SECONDS_QUICK = 6.0
REBUILD_TIMEOUT = 900
REBUILD_QUICK_PEOPLE = 5000
IMPORT_TIMEOUT = 600
IMPORT_PEOPLE, IMPORT_SLOTS = 500, 20  # 10,000 rows
IMPORT_PEOPLE_QUICK = 100  # 2,000 rows


class _Rollback(Exception):
    pass


class _QueryCounter:
    """connection.execute_wrapper counting statements (CaptureQueriesContext keeps 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            self.count += 1
        return execute(sql, params, many, context)


# Progress of everyone ---------------------------------------------------------------------------


def _aggregate_floor():
    from django.db import connection

    from trainings.models import Assessment

    table = connection.ops.quote_name(Assessment._meta.db_table)
    durations = []
    rows = 0
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT participant_id, count(*), max(assessed_on) FROM {table} "
                "WHERE assessor_role <> 'self' GROUP BY participant_id"
            )
            rows = len(cursor.fetchall())
        durations.append(time.perf_counter() - started)
    return median(durations), rows


def _progress_everyone(seconds):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certificates.selectors import progress_of

    User = get_user_model()
    total = User.objects.count()
    deadline = Deadline(seconds)
    done = enrolments = queries = 0
    durations = []
    started = time.perf_counter()
    for user in User.objects.order_by("pk").iterator(chunk_size=500):
        one = time.perf_counter()
        if done < 200:  # the query count of the first 200 people
            with CaptureQueriesContext(connection) as captured:
                items = progress_of(user)
            queries += len(captured.captured_queries)
        else:
            items = progress_of(user)
        durations.append(time.perf_counter() - one)
        enrolments += len(items)
        done += 1
        if deadline.over():
            break
    elapsed = time.perf_counter() - started
    return {
        "people": total,
        "done": done,
        "enrolments_seen": enrolments,
        "seconds": elapsed,
        "estimate": elapsed / done * total if done else None,
        "complete": done == total,
        "median": median(durations),
        "queries_per_person": queries / min(done, 200) if done else None,
    }


def _sweep_reading(seconds):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certificates.models import Enrollment, EnrollmentStatus
    from certificates.services.decisions import person_facts, verdict_for

    active = Enrollment.objects.exclude(status=EnrollmentStatus.WITHDRAWN)
    total = active.count()
    deadline = Deadline(seconds)
    done = eligible = queries = 0
    started = time.perf_counter()
    for enrollment in active.select_related("rule_set").order_by("pk").iterator(chunk_size=500):
        rules = enrollment.rule_set.rules
        if done < 200:
            with CaptureQueriesContext(connection) as captured:
                statuses, hours = person_facts(enrollment.user_id, rules)
            queries += len(captured.captured_queries)
        else:
            statuses, hours = person_facts(enrollment.user_id, rules)
        verdict = verdict_for(rules, statuses, hours)
        eligible += bool(verdict.eligible)
        done += 1
        if deadline.over():
            break
    elapsed = time.perf_counter() - started
    return {
        "enrolments": total,
        "done": done,
        "seconds": elapsed,
        "estimate": elapsed / done * total if done else None,
        "complete": done == total,
        "eligible_seen": eligible,
        "queries_per_enrolment": queries / min(done, 200) if done else None,
    }


# Rebuild of the current-status table (child) ---------------------------------------------------


def _status_floor():
    """The current-status table in one SQL query: the latest counting assessment per person and
    competence lineage (trainings.services.status's rule), counted."""
    from django.db import connection
    from django.db.models import Q

    from trainings.models import Assessment, AssessorRole, ReviewDecision

    counting = (
        Assessment.objects.exclude(assessor_role=AssessorRole.SELF)
        .filter(
            ~Q(assessor_role=AssessorRole.PEER)
            | Q(review__decision=ReviewDecision.CONFIRMED)
            | Q(
                review__isnull=True,
                competence__version__peer_assessment_needs_confirmation=False,
            )
        )
        .order_by("participant_id", "competence__lineage", "-assessed_on", "-created_at", "-pk")
        .distinct("participant_id", "competence__lineage")
        .values("pk", "level_id")
    )
    sql, params = counting.query.sql_with_params()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS latest", params)
        rows = cursor.fetchone()[0]
    return time.perf_counter() - started, rows


def child_rebuild(quick):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from trainings.services.status import competence_status_rebuild

    user_ids = None
    if quick:
        user_ids = list(
            get_user_model()
            .objects.order_by("pk")
            .values_list("pk", flat=True)[:REBUILD_QUICK_PEOPLE]
        )
    before = peak_rss_kib()
    result = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            written, deleted = competence_status_rebuild(user_ids=user_ids)
            result = {
                "seconds": time.perf_counter() - started,
                "written": written,
                "deleted": deleted,
                "people": len(user_ids) if user_ids is not None else None,
            }
            raise _Rollback
    except _Rollback:
        pass
    result.update(rss_before_kib=before, peak_kib=peak_rss_kib())
    return result


# Import of an attendance file (child) -----------------------------------------------------------


def _import_fixture(people):
    """A session of `people` registered participants and IMPORT_SLOTS past half-days, run by a
    hub-accredited trainer (inside the caller's transaction)."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from competences.models import ReferentialVersion
    from trainings.models import (
        AccreditationSource,
        Registration,
        RegistrationStatus,
        Session,
        SessionStatus,
        Slot,
    )
    from trainings.permissions import _valid_on

    User = get_user_model()
    now = timezone.now()
    version = ReferentialVersion.objects.filter(status="published").order_by("-pk").first()
    trainer_id = (
        _valid_on(timezone.localdate())
        .filter(source=AccreditationSource.HUB)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    trainer = User.objects.get(pk=trainer_id)
    first_day = timezone.localdate() - datetime.timedelta(days=40)
    starts = []
    day = first_day
    while len(starts) < IMPORT_SLOTS:
        if day.weekday() < 5:
            for hour in (9, 14):
                starts.append(
                    timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
                )
        day += datetime.timedelta(days=1)
    starts = starts[:IMPORT_SLOTS]
    session = Session.objects.create(
        title="Banc d'essai — import d'émargement",
        version=version,
        capacity=max(people, 1),
        status=SessionStatus.PUBLISHED,
        created_by=trainer,
        published_at=now,
        starts_at=starts[0],
        ends_at=starts[-1] + datetime.timedelta(hours=3),
    )
    session.trainers.add(trainer)
    session.competences.set(version.competences.order_by("pk")[:3])
    slots = Slot.objects.bulk_create(
        [
            Slot(session=session, starts_at=start, ends_at=start + datetime.timedelta(hours=3))
            for start in starts
        ]
    )
    participants = list(
        User.objects.filter(is_active=True, anonymised_at__isnull=True)
        .exclude(pk=trainer.pk)
        .order_by("pk")[:people]
    )
    Registration.objects.bulk_create(
        [
            Registration(
                session=session,
                user=user,
                status=RegistrationStatus.REGISTERED,
                status_changed_at=now,
            )
            for user in participants
        ]
    )
    lines = ["email;slot;status"]
    statuses = ("présent", "présent", "présent", "en retard", "absent")
    for index, user in enumerate(participants):
        for number_ in range(1, len(slots) + 1):
            lines.append(f"{user.email};{number_};{statuses[(index + number_) % len(statuses)]}")
    return trainer, session, ("\n".join(lines) + "\n").encode("utf-8")


def child_import(quick):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction

    from trainings.services.imports import attendance_import

    people = IMPORT_PEOPLE_QUICK if quick else IMPORT_PEOPLE
    result = {}
    try:
        with transaction.atomic():
            trainer, session, data = _import_fixture(people)
            rows = data.count(b"\n") - 1
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMPORARY TABLE bench_import (email text, slot int, status text)"
                )
                with cursor.cursor.copy(
                    "COPY bench_import FROM STDIN WITH (FORMAT csv, HEADER, DELIMITER ';')"
                ) as copy:
                    copy.write(data)
            copy_seconds = time.perf_counter() - started
            counter = _QueryCounter()
            started = time.perf_counter()
            with connection.execute_wrapper(counter):
                summary = attendance_import(
                    actor=trainer,
                    session=session,
                    uploaded_file=SimpleUploadedFile("emargement.csv", data, "text/csv"),
                )
            result = {
                "seconds": time.perf_counter() - started,
                "queries": counter.count,
                "copy_seconds": copy_seconds,
                "rows": rows,
                "created": summary.created,
                "unchanged": summary.unchanged,
                "bytes": len(data),
            }
            raise _Rollback
    except _Rollback:
        pass
    result["peak_kib"] = peak_rss_kib()
    return result


def child(mode, quick):
    import django

    django.setup()
    emit(child_rebuild(quick) if mode == "rebuild" else child_import(quick))


# The section ------------------------------------------------------------------------------------


def run(quick=False):
    from trainings.services.imports import MAX_ATTENDANCE_ROWS

    flag = "1" if quick else "0"
    section = Section(
        name="progress",
        title="Progress of everyone, current-status rebuild, import",
        columns=["measure", "volume", "time", "per unit", "floor", "ratio to floor", "note"],
    )
    log("progress: SQL aggregate (floor)")
    floor_seconds, floor_rows = _aggregate_floor()
    log(f"progress: floor {secs(floor_seconds)} ({floor_rows} people)")
    everyone = _progress_everyone(PROGRESS_SECONDS_QUICK if quick else PROGRESS_SECONDS)
    log(f"progress: progress_of → {everyone}")
    sweep = _sweep_reading(SWEEP_SECONDS_QUICK if quick else SWEEP_SECONDS)
    log(f"progress: decision reading → {sweep}")
    status_seconds, status_rows = _status_floor()
    log(f"progress: status table in SQL {secs(status_seconds)} ({status_rows} rows)")
    from django.db import connection

    connection.close()
    log("progress: rebuild_competence_status (child, rolled back)")
    rebuild = run_child("bench.progress", "rebuild", flag, timeout=REBUILD_TIMEOUT)
    log(f"progress: rebuild → {rebuild}")
    log("progress: attendance import (child, rolled back)")
    imported = run_child("bench.progress", "import", flag, timeout=IMPORT_TIMEOUT)
    log(f"progress: import → {imported}")

    section.add(
        "*floor: one SQL aggregate over the assessments (GROUP BY person)*",
        f"{number(floor_rows)} people",
        secs(floor_seconds),
        "—",
        "—",
        "—",
        "—",
    )

    def estimated(result, unit):
        if result["complete"]:
            return secs(result["seconds"]), "complete"
        return (
            f"≈ {secs(result['estimate'])}",
            f"extrapolated from {number(result['done'])} {unit} in {secs(result['seconds'])}",
        )

    duration, note = estimated(everyone, "people")
    section.add(
        "« Ma progression » (progress_of) of every account",
        f"{number(everyone['people'])} people",
        duration,
        f"{ms(everyone['seconds'] / everyone['done'])}; "
        f"{number(everyone['queries_per_person'], 1)} queries",
        secs(floor_seconds),
        times(ratio(everyone["estimate"], floor_seconds)),
        note,
    )
    duration, note = estimated(sweep, "enrolments")
    section.add(
        "The decision sweep's reading (person_facts + verdict_for)",
        f"{number(sweep['enrolments'])} active enrolments",
        duration,
        f"{ms(sweep['seconds'] / sweep['done'])}; "
        f"{number(sweep['queries_per_enrolment'], 1)} queries",
        secs(floor_seconds),
        times(ratio(sweep["estimate"], floor_seconds)),
        note,
    )
    section.add(
        "*floor: the current-status table in one SQL query (DISTINCT ON), counted*",
        f"{number(status_rows)} rows",
        secs(status_seconds),
        "—",
        "—",
        "—",
        "—",
    )
    if "error" in rebuild:
        section.add("rebuild_competence_status", "—", "—", "—", "—", "—", rebuild["error"])
    else:
        people = rebuild["people"]
        section.add(
            "rebuild_competence_status (rolled back)",
            f"{number(people)} people" if people else "everyone",
            secs(rebuild["seconds"]),
            f"peak memory {megabytes(rebuild['peak_kib'])}",
            secs(status_seconds),
            times(ratio(rebuild["seconds"], status_seconds)) if not people else "—",
            f"{rebuild['written']} row(s) rewritten, {rebuild['deleted']} deleted",
        )
    if "error" in imported:
        section.add("Attendance import", "—", "—", "—", "—", "—", imported["error"])
    else:
        section.add(
            "*floor: COPY of the same file into a temporary table*",
            f"{number(imported['rows'])} rows",
            secs(imported["copy_seconds"]),
            "—",
            "—",
            "—",
            "—",
        )
        section.add(
            "Attendance import, CSV (attendance_import, rolled back)",
            f"{number(imported['rows'])} rows",
            secs(imported["seconds"]),
            f"{ms(imported['seconds'] / imported['rows'])} and "
            f"{number(imported['queries'] / imported['rows'], 1)} queries per row",
            secs(imported["copy_seconds"]),
            times(ratio(imported["seconds"], imported["copy_seconds"])),
            f"{number(imported['created'])} marks created; the service caps files at "
            f"{number(MAX_ATTENDANCE_ROWS)} rows",
        )
    section.intro = (
        "In the bench process (progress, decision reading) and in child processes inside a "
        "transaction rolled back (rebuild, import). Progress and decision reading are bounded "
        f"({number(PROGRESS_SECONDS_QUICK if quick else PROGRESS_SECONDS)} s and "
        f"{number(SWEEP_SECONDS_QUICK if quick else SWEEP_SECONDS)} s): past the bound the "
        "total is extrapolated from the accounts or enrolments done in pk order; queries "
        "counted on the first 200."
        + (
            f" Quick run: the rebuild covers the first {number(REBUILD_QUICK_PEOPLE)} accounts, "
            f"the import {number(IMPORT_PEOPLE_QUICK * IMPORT_SLOTS)} rows."
            if quick
            else ""
        )
    )
    section.raw = {
        "floor": {"seconds": floor_seconds, "rows": floor_rows},
        "progress_of": everyone,
        "sweep": sweep,
        "status_floor": {"seconds": status_seconds, "rows": status_rows},
        "rebuild": rebuild,
        "import": imported,
    }
    return section


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    child(sys.argv[1], sys.argv[2] == "1")
