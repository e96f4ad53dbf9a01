"""Every page a mediator, a trainer, the hub (and a head of place) opens, timed in-process.

django.test.Client through the whole middleware stack, signed in with force_login as people
picked from the data (the busiest of each role; the Django admin's trainings tables as a
superuser). Per page: 2 warm-up requests, one for a page slower than SLOW_PAGE (the last one's
queries are counted with CaptureQueriesContext), then N timed requests (wall time per request,
median and p95). The floor is bench.urls.floor requested by the same client.

Everything runs inside one transaction rolled back at the end: the sessions force_login creates,
the audit entries of consultations, the MFA grace periods of first visits never reach the
database. Each request runs in a savepoint (so that one failing page cannot break the others);
SAVEPOINT statements are left out of the query counts, as an autocommit server would not send
them.
"""

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .common import Deadline, Section, log, median, ms, percentile, ratio, times, verdict
from .urls import FLOOR_PATH

N = 20
N_QUICK = 5
WARMUP = 2
PAGE_SECONDS = 15  # a page slower than this over its timed requests gets fewer of them
PAGE_SECONDS_QUICK = 5
MIN_TIMED = 3
MIN_TIMED_QUICK = 2
SLOW_PAGE = 2.0  # seconds: a page this slow is warmed by one request only
PAGE_P95 = 0.150
PAGE_QUERIES = 25
DASHBOARD_P95 = 0.800
SLOW_QUERIES_KEPT = 3


@dataclass
class Page:
    role: str
    label: str
    path: str
    target: str | None = None  # "page" (150 ms p95, 25 queries), "dashboard" (800 ms p95)


# Who and what -----------------------------------------------------------------------------------


def _roles(user):
    from core.permissions import user_roles

    return user_roles(get_user_model().objects.get(pk=user.pk))


def pick():
    """The people and records the pages are opened with, the busiest of each kind."""
    from accounts.models import MediatorFunction, Membership, MembershipStatus, Structure
    from certificates.models import Attestation, Enrollment, EnrollmentStatus
    from trainings.models import (
        AccreditationSource,
        Assessment,
        RegistrationStatus,
        Session,
        SessionStatus,
    )
    from trainings.permissions import _valid_on
    from trainings.selectors.assessments import pending_reviews
    from trainings.selectors.sessions import browse_filter_options

    User = get_user_model()
    today = timezone.localdate()
    now = timezone.now()
    found = {}

    hub = (
        User.objects.filter(groups__name=settings.SOCLE_HUB_COORDINATOR_GROUP, is_active=True)
        .order_by("pk")
        .first()
    )
    found["hub"] = hub

    # The mediator with the most assessments who holds no other role.
    busiest = (
        Assessment.objects.values("participant_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "participant_id")[:200]
    )
    for row in busiest:
        user = User.objects.get(pk=row["participant_id"])
        if _roles(user) == {"mediator"}:
            found["mediator"] = user
            found["mediator_assessments"] = row["n"]
            break

    # The hub-accredited trainer on the most blocs, then with the most sessions.
    accredited = (
        _valid_on(today)
        .filter(source=AccreditationSource.HUB)
        .exclude(user=hub)
        .values("user_id")
        .annotate(blocs=Count("bloc__code", distinct=True))
        .order_by("-blocs")
    )
    top = list(accredited[:1])
    if top:
        best = top[0]["blocs"]
        ids = [row["user_id"] for row in accredited.filter(blocs=best)]
        trainer = (
            User.objects.filter(pk__in=ids)
            .annotate(sessions=Count("trained_sessions", distinct=True))
            .order_by("-sessions", "pk")
            .first()
        )
        found["trainer"] = trainer
        found["trainer_sessions"] = trainer.sessions
        found["trainer_pending"] = pending_reviews(trainer).count()

    registered = Count(
        "registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)
    )
    if "trainer" in found:
        mine = found["trainer"].trained_sessions.annotate(registered=registered)
        session = None
        for statuses in (
            [SessionStatus.HELD],
            [SessionStatus.PUBLISHED],
            [SessionStatus.CLOSED],
        ):
            session = (
                mine.filter(status__in=statuses, starts_at__lte=now)
                .order_by("-registered", "-starts_at")
                .first()
            )
            if session is not None:
                break
        found["trainer_session"] = session
        if session is not None:
            participant = (
                Assessment.objects.filter(
                    participant__registrations__session=session,
                    participant__registrations__status=RegistrationStatus.REGISTERED,
                )
                .values("participant_id")
                .annotate(n=Count("pk"))
                .order_by("-n")
                .first()
            )
            if participant:
                found["participant"] = User.objects.get(pk=participant["participant_id"])

    found["upcoming"] = (
        Session.objects.filter(status=SessionStatus.PUBLISHED, starts_at__gt=now)
        .annotate(registered=registered)
        .order_by("-registered", "starts_at")
        .first()
    )
    _blocs, competences = browse_filter_options()
    found["competence"] = competences[0] if competences else None

    active = Enrollment.objects.exclude(status=EnrollmentStatus.WITHDRAWN)
    found["enrollment"] = (
        active.filter(user=found.get("mediator")).order_by("pk").first()
        or active.order_by("pk").first()
    )

    # A head of place (approved « responsable »), of the structure with the most members.
    heads = Membership.objects.filter(
        status=MembershipStatus.APPROVED, function=MediatorFunction.RESPONSABLE
    )
    structures = (
        Structure.objects.filter(pk__in=heads.values("structure_id"))
        .annotate(members=Count("memberships", filter=Q(memberships__status="approved")))
        .order_by("-members", "pk")[:20]
    )
    for structure in structures:
        head = heads.filter(structure=structure).select_related("user").first()
        if head and _roles(head.user) == {"mediator"}:
            found["head"] = head.user
            found["head_structure"] = structure
            break

    found["attestation"] = Attestation.objects.order_by("-issued_at", "-pk").first()
    found["admin"] = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if found["admin"] is None:  # inside the rolled-back transaction (see run)
        found["admin"] = User.objects.create_superuser(
            email="banc-essai-admin@bench.invalid", first_name="Banc", last_name="Admin"
        )
        found["admin_created"] = True
    if "mediator" in found:
        found["name_prefix"] = found["mediator"].last_name[:4].lower()
    return found


def pages(found):
    """The pages to time, by role (a missing record leaves its page out)."""
    from accounts.models import Region

    out = []

    def add(role, label, path, target=None):
        out.append(Page(role, label, path, target))

    if "mediator" in found:
        add("mediator", "Home", "/", "page")
        add("mediator", "Profile", "/profil/", "page")
        add("mediator", "Sessions, with « Pour vous »", "/formations/sessions/", "page")
        add(
            "mediator",
            "Sessions, without « Pour vous » (?page=1)",
            "/formations/sessions/?page=1",
            "page",
        )
        add("mediator", "Sessions, page 20", "/formations/sessions/?page=20", "page")
        if found.get("competence"):
            add(
                "mediator",
                "Sessions, a competence filter",
                f"/formations/sessions/?competence={found['competence'].pk}",
                "page",
            )
        if found.get("upcoming"):
            add(
                "mediator",
                "A session's page",
                f"/formations/sessions/{found['upcoming'].pk}/",
                "page",
            )
        add("mediator", "« Mes inscriptions »", "/formations/mes-inscriptions/", "page")
        add("mediator", "« Mes évaluations »", "/formations/evaluations/", "page")
        add(
            "mediator",
            "Self-assessment form",
            "/formations/evaluations/auto-positionnement/",
            "page",
        )
        add("mediator", "« Ma progression » (with « Ce qui me manque »)", "/progression/", "page")
        add("mediator", "« Mes attestations »", "/progression/attestations/", "page")
    if "trainer" in found:
        add("trainer", "Home", "/", "page")
        add("trainer", "« Mes sessions »", "/formations/mes-sessions/", "page")
        add("trainer", "Session create form", "/formations/sessions/nouvelle/", "page")
        session = found.get("trainer_session")
        if session is not None:
            base = f"/formations/sessions/{session.pk}"
            add("trainer", "Session manage", f"{base}/gestion/", "page")
            add("trainer", "Attendance grid", f"{base}/emargement/", "page")
            add("trainer", "Evaluation grid", f"{base}/evaluations/", "page")
            add(
                "trainer",
                "Participants' progress",
                f"/progression/sessions/{session.pk}/",
                "page",
            )
        add("trainer", "« À confirmer » (reviews)", "/formations/evaluations/a-confirmer/", "page")
        if found.get("participant"):
            add(
                "trainer",
                "A participant's history",
                f"/formations/evaluations/personnes/{found['participant'].pk}/",
                "page",
            )
    if "hub" in found and found["hub"] is not None:
        add("hub", "Home", "/")
        add("hub", "Accreditations", "/formations/habilitations/")
        if found.get("trainer"):
            add(
                "hub",
                "A trainer's history",
                f"/formations/habilitations/formateurs/{found['trainer'].pk}/",
            )
        add("hub", "« Suivi des parcours »", "/progression/suivi/")
        if found.get("enrollment"):
            add(
                "hub",
                "« Suivi des parcours »: a person's page",
                f"/progression/suivi/{found['enrollment'].pk}/",
            )
        add("hub", "Structures list", "/profil/structures/")
        add("hub", "Dashboard /pilotage/", "/pilotage/", "dashboard")
        # The region with the most structures: the filter that keeps the most rows.
        region = (
            Region.objects.annotate(n=Count("departements__communes__structures"))
            .order_by("-n", "code")
            .first()
        )
        if region is not None:
            add(
                "hub",
                f"Dashboard, region filter ({region.code})",
                f"/pilotage/?region={region.code}",
                "dashboard",
            )
        add("hub", "/pilotage/qualite/", "/pilotage/qualite/")
        add("hub", "/pilotage/sessions/", "/pilotage/sessions/")
        add("hub", "/pilotage/certifications/", "/pilotage/certifications/")
        add("hub", "/pilotage/attestations/", "/pilotage/attestations/")
        add("hub", "/pilotage/exports/", "/pilotage/exports/")
        add("hub", "Audit log /journal/", "/journal/")
    if "head" in found:
        add("head", "Home", "/", "page")
        add("head", "Dashboard of their places", "/pilotage/", "dashboard")
        add(
            "head",
            "Their structure's page",
            f"/profil/structures/{found['head_structure'].pk}/",
            "page",
        )
    if found.get("admin"):
        # The trainings tables are in the admin for superusers only (the hub's group has the
        # referential's models): a superuser of the data, or one created in the transaction.
        add("admin", "Admin: assessments", "/admin/trainings/assessment/")
        if found.get("name_prefix"):
            add(
                "admin",
                f"Admin: assessments, search « {found['name_prefix']} »",
                f"/admin/trainings/assessment/?q={found['name_prefix']}",
            )
        add("admin", "Admin: registrations", "/admin/trainings/registration/")
    if found.get("attestation"):
        add(
            "public",
            "Verification by code",
            f"/verifier/{found['attestation'].verification_code}/",
        )
    return out


# Measuring --------------------------------------------------------------------------------------

SAVEPOINT_PREFIXES = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def _get(client, path):
    """One request in a savepoint; returns (status, seconds)."""
    start = time.perf_counter()
    try:
        with transaction.atomic():
            response = client.get(path)
            status = response.status_code
    except Exception as error:  # a page that fails is reported, not fatal
        return f"error: {type(error).__name__}: {error}"[:200], time.perf_counter() - start
    return status, time.perf_counter() - start


def _capture(client, path):
    """One request with its queries counted (SAVEPOINT statements left out); returns
    (status, seconds, query count, the slowest queries)."""
    with CaptureQueriesContext(connection) as captured:
        status, elapsed = _get(client, path)
    real = [q for q in captured.captured_queries if not q["sql"].startswith(SAVEPOINT_PREFIXES)]
    slowest = sorted(real, key=lambda q: float(q["time"] or 0), reverse=True)[:SLOW_QUERIES_KEPT]
    profile = {
        "elapsed": elapsed,
        "sql_seconds": sum(float(q["time"] or 0) for q in real),
        "slowest": [
            {
                "ms": round(float(q["time"] or 0) * 1000, 1),
                "what": describe(q["sql"]),
                "sql": q["sql"][:600],
            }
            for q in slowest
        ],
    }
    return status, elapsed, len(real), profile


def measure(client, path, n, seconds, min_timed=MIN_TIMED):
    """Warm up (one request, two when it is fast), count the queries of the last warm-up (of the
    first timed request for a slow page: counting costs nothing beside seconds), then time up to
    n requests within `seconds` (at least `min_timed`)."""
    status, elapsed = _get(client, path)
    statuses = [status]
    durations = []
    if elapsed < SLOW_PAGE:
        status, _elapsed, queries, profile = _capture(client, path)
        statuses.append(status)
    else:
        status, elapsed, queries, profile = _capture(client, path)
        statuses.append(status)
        durations.append(elapsed)
    budget = Deadline(seconds)
    while len(durations) < n and (len(durations) < min_timed or not budget.over()):
        status, elapsed = _get(client, path)
        statuses.append(status)
        durations.append(elapsed)
    odd = sorted({str(s) for s in statuses if s != 200})
    return {
        "path": path,
        "n": len(durations),
        "median": median(durations),
        "p95": percentile(durations, 95),
        "queries": queries,
        "status": odd[0] if odd else 200,
        "profile": profile,
    }


TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"')


def describe(sql):
    """A query in a few words: its kind and the tables it reads."""
    tables = list(dict.fromkeys(TABLE.findall(sql)))
    kind = "COUNT" if sql.startswith("SELECT COUNT(") else sql.split(" ", 1)[0]
    if "DISTINCT" in sql[:20]:
        kind += " DISTINCT"
    shown = ", ".join(tables[:4]) + (f" (+{len(tables) - 4})" if len(tables) > 4 else "")
    return f"{kind} on {shown}" if tables else kind


def what_is_slow(result):
    """One line from the counted request: the share of SQL, and the slowest query."""
    profile = result.get("profile") or {}
    elapsed, sql_seconds = profile.get("elapsed"), profile.get("sql_seconds")
    if not elapsed:
        return ""
    line = f"SQL {ms(sql_seconds)} of {ms(elapsed)} in {result['queries']} queries" + (
        " — the rest is Python (views, templates)" if sql_seconds < elapsed / 2 else ""
    )
    slowest = profile.get("slowest") or []
    if slowest:
        line += f"; slowest query {ms(slowest[0]['ms'] / 1000)}: {slowest[0]['what']}"
    return line


def _target(page, result):
    """(target text, met or None)."""
    if page.target == "page":
        met = (
            result["status"] == 200
            and result["p95"] is not None
            and result["p95"] < PAGE_P95
            and result["queries"] is not None
            and result["queries"] <= PAGE_QUERIES
        )
        return f"p95 < {PAGE_P95 * 1000:.0f} ms, ≤ {PAGE_QUERIES} q.", met
    if page.target == "dashboard":
        met = (
            result["status"] == 200 and result["p95"] is not None and result["p95"] < DASHBOARD_P95
        )
        return f"p95 < {DASHBOARD_P95 * 1000:.0f} ms", met
    return "—", None


ROLE_LABELS = {
    "mediator": "mediator",
    "trainer": "trainer",
    "hub": "hub",
    "head": "head of place",
    "admin": "superuser",
    "public": "anonymous",
}


def run(quick=False):
    n = N_QUICK if quick else N
    seconds = PAGE_SECONDS_QUICK if quick else PAGE_SECONDS
    min_timed = MIN_TIMED_QUICK if quick else MIN_TIMED
    section = Section(
        name="pages",
        title="Pages",
        columns=[
            "role",
            "page",
            "n",
            "median",
            "p95",
            "queries",
            "floor (median)",
            "p95 / floor",
            "target",
            "met",
        ],
    )
    results = []
    with transaction.atomic():
        try:
            log("pages: picking people and records")
            found = pick()
            page_list = pages(found)
            clients = {}
            for role in ("mediator", "trainer", "hub", "head", "admin"):
                if found.get(role) is not None:
                    client = Client()
                    client.force_login(found[role])
                    clients[role] = client
            clients["public"] = Client()
            floors = {}
            for role, client in clients.items():
                floors[role] = measure(client, FLOOR_PATH, n, seconds, min_timed)
            for page in page_list:
                result = measure(clients[page.role], page.path, n, seconds, min_timed)
                target, met = _target(page, result)
                result.update(role=page.role, label=page.label, target=target, met=met)
                results.append(result)
                log(
                    f"pages: {page.role:<8} {page.label:<45} median {ms(result['median'])}"
                    f" p95 {ms(result['p95'])} {result['queries']} q. {result['status']}"
                )
        finally:
            transaction.set_rollback(True)

    for role, floor in floors.items():
        section.add(
            ROLE_LABELS[role],
            "*floor (minimal view)*",
            floor["n"],
            ms(floor["median"]),
            ms(floor["p95"]),
            floor["queries"],
            "—",
            "—",
            "—",
            "—",
        )
    for result in results:
        floor = floors[result["role"]]
        status = "" if result["status"] == 200 else f" (answer {result['status']})"
        section.add(
            ROLE_LABELS[result["role"]],
            f"{result['label']}{status}",
            result["n"],
            ms(result["median"]),
            ms(result["p95"]),
            result["queries"],
            ms(floor["median"]),
            times(ratio(result["p95"], floor["median"])),
            result["target"],
            verdict(result["met"]),
        )
    who = []
    if found.get("mediator"):
        who.append(
            f"mediator: user {found['mediator'].pk}, {found.get('mediator_assessments')} "
            "assessments (the most assessed person holding no other role)"
        )
    if found.get("trainer"):
        session = found.get("trainer_session")
        who.append(
            f"trainer: user {found['trainer'].pk}, accredited by the hub on the most blocs, "
            f"{found.get('trainer_sessions')} sessions, {found.get('trainer_pending')} "
            "assessments awaiting their confirmation"
            + (
                f"; session {session.pk} ({session.registered} registered, {session.status})"
                if session
                else ""
            )
        )
    if found.get("hub"):
        group = settings.SOCLE_HUB_COORDINATOR_GROUP
        who.append(f"hub: user {found['hub'].pk} (group « {group} »)")
    if found.get("admin"):
        who.append(
            "superuser: created inside the rolled-back transaction"
            if found.get("admin_created")
            else f"superuser: user {found['admin'].pk}"
        )
    if found.get("head"):
        who.append(
            f"head of place: user {found['head'].pk}, structure "
            f"{found['head_structure'].pk} ({found['head_structure'].members} members)"
        )
    section.intro = (
        f"In-process (django.test.Client, whole middleware stack, signed in with force_login), "
        f"{WARMUP} warm-up requests then {n} timed requests per page (a page slower than "
        f"{SLOW_PAGE:.0f} s: one warm-up; past {seconds} s of timed requests, at least "
        f"{min_timed}: the column n); queries counted on the second warm-up. Ratio: the page's "
        "p95 over the floor's median (the minimal view, same client). All of it inside one "
        "transaction rolled back at the end (sessions, audit entries of consultations). "
        "Picked: " + "; ".join(who) + "."
    )
    for result in results:
        slow = result["met"] is False or (
            result["met"] is None and result["p95"] is not None and result["p95"] >= PAGE_P95 * 2
        )
        if slow:
            section.notes.append(
                f"What is slow — {ROLE_LABELS[result['role']]}, {result['label']} "
                f"(p95 {ms(result['p95'])}): {what_is_slow(result)}."
            )
    for role in ("mediator", "trainer", "head"):
        mine = [r for r in results if r["role"] == role and r["met"] is not None]
        if not mine:
            continue
        missed = [r for r in mine if not r["met"]]
        worst = max(mine, key=lambda r: r["p95"] or 0)
        section.target(
            f"Every {ROLE_LABELS[role]} page: p95 < {PAGE_P95 * 1000:.0f} ms, "
            f"≤ {PAGE_QUERIES} queries" + (" (dashboard: < 800 ms)" if role == "head" else ""),
            f"{len(mine) - len(missed)} of {len(mine)} pages met; slowest: {worst['label']}, "
            f"p95 {ms(worst['p95'])}, {worst['queries']} queries",
            not missed,
        )
    dashboards = [r for r in results if r["role"] == "hub" and r["target"] != "—"]
    if dashboards:
        section.target(
            f"Hub dashboard: p95 < {DASHBOARD_P95 * 1000:.0f} ms",
            ", ".join(f"{r['label']}: p95 {ms(r['p95'])}" for r in dashboards),
            all(r["met"] for r in dashboards),
        )
    section.raw = {"floors": floors, "pages": results, "n": n}
    return section
