"""A seeded, deterministic network at national scale for benchmarks (`manage.py bench_data`).

How it is built:
- the reference is the demo's (competences.demo: « Médiation numérique » v1 and its two
  pathways), created through the services, as are the hub coordinator and the issuer;
- everything else is computed in Python from `random.Random(seed)` and written in bulk, bypassing
  the services but keeping every constraint and invariant they keep: PostgreSQL `COPY` (primary
  keys allocated here, sequences moved past them at the end, foreign keys checked immediately
  because every table is loaded after the ones it points to), SQLite `executemany` in batches;
- the history is simulated in date order ("the walk"): sessions end, trainers record attendance
  and assessments, accredited trainers review peers' assessments, and each person's current
  status per competence (trainings.services.status's rule) and counting hours follow; the
  certification rules (certificates.eligibility) are applied after every change of evidence, as
  the decision task would, for every person and pathway. Enrolments are chosen afterwards among
  those outcomes, dated before their first decision, so that exactly `decisions` decisions follow;
  a decision's holder snapshot, evidence and peer-trainer accreditation are the service's;
- peer trainers are people whose bloc validation (a row of the walk) is older than the sessions
  they run; their assessments wait for an accredited trainer's confirmation;
- attestations are records only: their facts are those certificates.facts builds, but they all
  point to one shared unsigned PDF (its SHA-256 is theirs), without signature nor Open Badge.

Past sessions lie between FIRST_DAY and LAST_DAY (fixed dates), the late reviews and their
decisions within a month after. What depends on the day is placed relative to today: upcoming
sessions and drafts (so that the "upcoming" pages have something to show), the renewals and
expiry reminders the nightly sweep would have done by today (so that it finds nothing to do),
the enrolments' certified/expired status. Running the generator twice with the same seed on the
same day gives the same rows.
"""

import bisect
import contextlib
import datetime
import hashlib
import heapq
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone, translation

from accounts import demo as accounts_demo
from accounts.models import (
    Commune,
    Departement,
    MediatorFunction,
    Membership,
    MembershipStatus,
    Structure,
    StructureKind,
)
from accounts.services import user_create, user_set_hub_coordinator
from certificates import facts as facts_module
from certificates.models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    BlocValidation,
    Counter,
    DecisionBasis,
    Enrollment,
    EnrollmentStatus,
    ExpiryReminder,
    Issuer,
    PathwayCertification,
)
from certificates.services.attestations import SERIAL_PREFIX, TEMPLATES
from certificates.services.decisions import RENEWAL_WINDOW, validity_end
from certificates.services.issuer import issuer_update
from certificates.services.sweep import REMINDER_DAYS
from competences import demo as competences_demo
from competences.models import Pathway
from competences.services.rule_sets import pathway_rule_set
from reporting.aggregates import aggregates_rebuild
from trainings.formatting import format_hours
from trainings.models import (
    AccreditationSource,
    Assessment,
    AssessmentMethod,
    AssessmentReview,
    AssessorRole,
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    CompetenceStatus,
    Registration,
    RegistrationStatus,
    ReviewDecision,
    Session,
    SessionFormat,
    SessionStatus,
    Slot,
    TrainerAccreditation,
)
from trainings.selectors.attendance import clean_hours

# Scales ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    name: str
    users: int  # mediators, trainers among them (the hub coordinator's account comes on top)
    structures: int
    sessions: int
    slots: int
    registrations: int  # registered, waiting and cancelled
    attendance: int  # marks, superseded ones included
    assessments: int  # trainers', reviews' replacements and self-assessments
    peer_awaiting: int  # peer assessments on a version requiring confirmation, not reviewed
    enrollments: int
    decisions: int  # bloc validations + pathway certifications
    attestations: int


NATIONAL = Scale(
    name="national",
    users=50_000,
    structures=2_000,
    sessions=40_000,
    slots=160_000,
    registrations=495_000,
    attendance=1_240_000,
    assessments=1_840_000,
    peer_awaiting=128_000,
    enrollments=40_000,
    decisions=30_000,
    attestations=100_000,
)


def _divided(scale, name, divisor):
    values = {
        f.name: max(1, round(getattr(scale, f.name) / divisor))
        for f in fields(scale)
        if f.name != "name"
    }
    return replace(scale, name=name, **values)


SCALES = {
    "national": NATIONAL,
    "region": _divided(NATIONAL, "region", 10),
    "demo": _divided(NATIONAL, "demo", 200),
}


class BenchError(Exception):
    """The generator cannot build the scale asked (or the database is not the one expected)."""


# Fixed calendar and names -----------------------------------------------------------------------

DOMAIN = "bench.socle.test"
HUB_EMAIL = f"coordination@{DOMAIN}"
PASSWORD = "socle-bench-2026"
PASSWORD_SALT = "soclebench"  # one fixed salt: the same hash for everyone, the same every run
FIRST_DAY = datetime.date(2024, 1, 1)
LAST_DAY = datetime.date(2026, 10, 31)
JOINED = (datetime.date(2022, 1, 3), datetime.date(2023, 10, 31))
ENROL_FROM = datetime.date(2023, 10, 2)
ACCREDITED_FROM = datetime.date(2023, 9, 1)
ACCREDITED_UNTIL = datetime.date(2027, 12, 31)
SHORT_ACCREDITATION_UNTIL = datetime.date(2025, 8, 31)
REVIEW_LIMIT = LAST_DAY + datetime.timedelta(days=10)
LATE_REVIEWS = (LAST_DAY + datetime.timedelta(days=11), LAST_DAY + datetime.timedelta(days=25))
PARIS = ZoneInfo(settings.TIME_ZONE)
SLOT_TIMES = ((9, 0, 12, 30), (13, 30, 17, 0))  # two half-days of 3 h 30 (as the demo)
SLOT_HOURS = Decimal("3.5")
SHARED_PDF = "attestations/bench/shared.pdf"
KEY_ID = "bench"

# Shares that shape the network (tuned so that every scale reaches its counts).
UPCOMING_SHARE = 0.06
DRAFT_SHARE = 0.01
CANCELLED_SHARE = 0.03
HUB_TRAINER_SHARE = 0.03
PEER_SESSION_SHARE = 0.22  # of single-bloc sessions once peers may exist (at most PEER_MAX)
PEER_MAX = 0.5
PEER_ACTIVATION = 0.12  # of bloc validations whose holder goes on to train peers
REVIEW_SHARE = 0.42  # of peer assessments an accredited trainer reviews in the weeks after
OVERRIDE_SHARE = 0.15
REASSESS_SHARE = 0.03
CRITERIA_SHARE = 0.15
ATTENDED_SHARE = 0.96
CORRECTION_SHARE = 0.03
TRAINER_ASSESSMENT_SHARE = 0.9  # of `assessments`; self-assessments make up the rest

# The demo's names, then more: 50,000 people need a wider spread.
FIRST_NAMES = (
    *accounts_demo.FIRST_NAMES,
    "Julien",
    "Sophie",
    "Karim",
    "Nadia",
    "Thomas",
    "Claire",
    "Mamadou",
    "Aïcha",
    "Pierre",
    "Marie",
    "Jean",
    "Nathalie",
    "Françoise",
    "Éric",
    "Sandrine",
    "Olivier",
    "Isabelle",
    "Romain",
    "Laetitia",
    "Samir",
    "Céline",
    "Vincent",
    "Élodie",
    "Malik",
)
LAST_NAMES = (
    *accounts_demo.LAST_NAMES,
    "Martin",
    "Thomas",
    "Robert",
    "Richard",
    "Garcia",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "Morel",
    "Girard",
    "André",
    "Benali",
    "Haddad",
    "Nguyen",
    "Diallo",
    "Traoré",
    "Rousseau",
    "Vincent",
    "Muller",
    "Faure",
    "Blanc",
    "Guérin",
    "Chevalier",
    "Le Gall",
    "Ferreira",
)
STRUCTURE_NAMES = {
    StructureKind.ASSOCIATION: "Association Clic & Lien",
    StructureKind.COLLECTIVITE: "Mairie — point numérique",
    StructureKind.TIERS_LIEU: "Tiers-lieu numérique",
    StructureKind.FRANCE_SERVICES: "France Services",
    StructureKind.CCAS: "CCAS",
    StructureKind.ENTREPRISE: "Coopérative numérique",
    StructureKind.AUTRE: "Bus numérique",
}
STREETS = (
    "rue de la République",
    "place de la Mairie",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "rue de la Gare",
    "boulevard Pasteur",
    "rue des Écoles",
    "place du Marché",
)
SESSION_TITLES = (
    (
        "Accueillir et diagnostiquer les besoins numériques",
        "Diagnostic numérique : mises en situation",
        "Accueillir les publics éloignés du numérique",
        "L'entretien d'accueil en médiation numérique",
    ),
    (
        "Accompagner les démarches administratives en ligne",
        "Sécuriser ses comptes et ses données",
        "Démarches CAF et France Travail",
        "Identité numérique et FranceConnect",
    ),
    (
        "Animer un atelier collectif",
        "Concevoir une séquence d'atelier",
        "Atelier smartphone pour débutants",
        "Évaluer un atelier collectif",
    ),
    (
        "Travailler en réseau sur son territoire",
        "Orienter vers les bons partenaires",
        "Médiation numérique en itinérance",
        "Contribuer à la vie du lieu",
    ),
)
DESCRIPTION = "Session entre pairs : mises en situation, échanges de pratiques et évaluation."
CANCELLATION_REASONS = (
    "Formateur indisponible (raison de santé).",
    "Trop peu d'inscriptions.",
    "Salle indisponible, session reportée.",
)
EVIDENCE_TEXTS = (
    "Mise en situation d'accueil observée, grille remplie.",
    "Démarche en ligne réalisée en autonomie devant le formateur.",
    "Fiche pédagogique remise et commentée.",
    "Entretien d'explicitation de 20 minutes.",
)
COMMENT_TEXTS = (
    "Bonne progression depuis la dernière session.",
    "À consolider sur les démarches sensibles.",
    "Très à l'aise, peut accompagner ses pairs.",
)
METHODS = (
    AssessmentMethod.OBSERVATION,
    AssessmentMethod.SITUATION,
    AssessmentMethod.SITUATION,
    AssessmentMethod.QUIZ,
    AssessmentMethod.INTERVIEW,
    AssessmentMethod.PORTFOLIO,
)
FUNCTIONS = (
    MediatorFunction.AIDANT,
    MediatorFunction.AIDANT,
    MediatorFunction.AIDANT,
    MediatorFunction.MOBILE,
    MediatorFunction.MOBILE,
    MediatorFunction.RESPONSABLE,
    MediatorFunction.AUTRE,
)
KINDS = (
    StructureKind.ASSOCIATION,
    StructureKind.ASSOCIATION,
    StructureKind.COLLECTIVITE,
    StructureKind.COLLECTIVITE,
    StructureKind.TIERS_LIEU,
    StructureKind.FRANCE_SERVICES,
    StructureKind.FRANCE_SERVICES,
    StructureKind.CCAS,
    StructureKind.ENTREPRISE,
    StructureKind.AUTRE,
)
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # certificates.codes
ACCREDITED, PEER, SELF = AssessorRole.ACCREDITED, AssessorRole.PEER, AssessorRole.SELF
PRESENT, LATE = AttendanceStatus.PRESENT, AttendanceStatus.LATE
EXCUSED, ABSENT = AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT

# A small valid PDF saying what it is.
_PDF_TEXT = b"Socle - attestation de banc d'essai (non verifiable)"


def shared_pdf():
    stream = b"BT /F1 14 Tf 60 780 Td (" + _PDF_TEXT + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# Small helpers ----------------------------------------------------------------------------------


def at(day, hour, minute=0, second=0):
    """An aware datetime at a wall-clock time in Europe/Paris."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=PARIS)


def _check_symbol(payload):
    """certificates.codes: Luhn mod 32 over Crockford's alphabet."""
    total, factor = 0, 2
    for symbol in reversed(payload):
        addend = factor * CODE_ALPHABET.index(symbol)
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return CODE_ALPHABET[(32 - total % 32) % 32]


def _siret(rng):
    digits = "".join(str(rng.randrange(10)) for _ in range(13))
    for last in "0123456789":
        candidate = digits + last
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char)
            if index % 2 == 1:
                value *= 2
                if value > 9:
                    value -= 9
            total += value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def _weighted(rng, table):
    """table: ((value, weight), ...)"""
    return rng.choices([v for v, _w in table], weights=[w for _v, w in table])[0]


class Timer:
    def __init__(self, log):
        self.log = log
        self.steps = []
        self.started = time.monotonic()

    def step(self, name):
        timer = self

        class _Step:
            def __enter__(self):
                self.start = time.monotonic()

            def __exit__(self, *exc):
                if exc[0] is None:
                    elapsed = time.monotonic() - self.start
                    timer.steps.append((name, elapsed))
                    timer.log(f"  {name}: {elapsed:.1f} s")

        return _Step()

    @property
    def total(self):
        return time.monotonic() - self.started


# Bulk writing -----------------------------------------------------------------------------------


class TableWriter:
    """Rows (tuples in the order of `names`, model attnames) into a model's table: COPY on
    PostgreSQL, executemany in batches elsewhere. Columns left out take the field's constant
    default (a field added later with a default needs no change here)."""

    BATCH = 5000

    def __init__(self, conn, log=None):
        self.log = log or (lambda message: None)
        self.connection = conn
        self.postgresql = conn.vendor == "postgresql"
        self.counts = {}
        self.models = []

    def write(self, model, names, rows):
        meta = model._meta
        given = [meta.get_field(name) for name in names]
        extra_fields, extra_values = [], []
        named = {f.attname for f in given}
        for field in meta.concrete_fields:
            if field.attname in named or field.primary_key:
                continue
            if field.db_default is not NOT_PROVIDED:
                continue  # the database fills it
            per_row = field.has_default() and callable(field.default)  # uuid4…: to be given
            value = None if per_row else field.get_default()
            if value is None and not field.null:
                raise BenchError(f"{meta.label}.{field.name}: no value and no default")
            extra_fields.append(field)
            extra_values.append(value)
        all_fields = given + extra_fields
        extra = tuple(extra_values)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in all_fields)
        table = connection.ops.quote_name(meta.db_table)
        count = 0
        started = time.monotonic()
        if self.postgresql:
            json_positions = [
                i for i, f in enumerate(all_fields) if f.get_internal_type() == "JSONField"
            ]
            with (
                self.connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                write_row = copy.write_row
                if json_positions:
                    for row in rows:
                        row = list(row)
                        for i in json_positions:
                            row[i] = json.dumps(row[i], ensure_ascii=False)
                        write_row((*row, *extra))
                        count += 1
                elif extra:
                    for row in rows:
                        write_row((*row, *extra))
                        count += 1
                else:
                    for row in rows:
                        write_row(row)
                        count += 1
        else:
            converters = [self._converter(f) for f in all_fields]
            markers = ", ".join(["%s"] * len(all_fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({markers})"
            batch = []
            with self.connection.cursor() as cursor:
                for row in rows:
                    values = (*row, *extra)
                    batch.append(
                        tuple(
                            conv(v) if conv is not None and v is not None else v
                            for conv, v in zip(converters, values, strict=True)
                        )
                    )
                    if len(batch) >= self.BATCH:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        self.counts[meta.db_table] = self.counts.get(meta.db_table, 0) + count
        self.log(f"    {meta.db_table}: {count} rows in {time.monotonic() - started:.1f} s")
        if model not in self.models:
            self.models.append(model)
        return count

    def _converter(self, field):
        if field.get_internal_type() in (
            "DateTimeField",
            "DateField",
            "UUIDField",
            "JSONField",
            "DecimalField",
        ):
            return lambda value: field.get_db_prep_save(value, self.connection)
        return None

    def execute(self, sql, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)


def next_id(model):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(model._meta.pk.column)}), 0) "
            f"FROM {connection.ops.quote_name(model._meta.db_table)}"
        )
        return cursor.fetchone()[0] + 1


# The generator ----------------------------------------------------------------------------------


class _Reference:
    """The demo reference, as plain indexes: blocs 0..n, competences 0..m."""

    def __init__(self, version, pathways):
        self.version = version
        self.referential = version.referential
        self.blocs = list(version.blocs.order_by("order", "code"))
        bloc_index = {bloc.pk: i for i, bloc in enumerate(self.blocs)}
        competences = list(
            version.competences.select_related("bloc").order_by("bloc__order", "order", "code")
        )
        self.competences = competences
        self.comp_bloc = [bloc_index[c.bloc_id] for c in competences]
        self.comp_by_bloc = [[] for _ in self.blocs]
        for index in range(len(competences)):
            self.comp_by_bloc[self.comp_bloc[index]].append(index)
        comp_index = {c.pk: i for i, c in enumerate(competences)}
        self.criteria = [[] for _ in competences]
        for criterion in version.criteria.order_by("competence_id", "order", "code"):
            self.criteria[comp_index[criterion.competence_id]].append(criterion.pk)
        self.levels = {level.rank: level for level in version.levels.order_by("rank")}
        self.ranks = sorted(self.levels)
        self.comp_lineage = [str(c.lineage) for c in competences]
        self.bloc_lineage = [str(b.lineage) for b in self.blocs]
        lineage_comp = {lineage: i for i, lineage in enumerate(self.comp_lineage)}
        lineage_bloc = {lineage: i for i, lineage in enumerate(self.bloc_lineage)}
        self.pathways = []
        for pathway, rule_set in pathways:
            rules = rule_set.rules
            blocs = []
            mask = 0
            for bloc in rules["blocs"]:
                b = lineage_bloc[bloc["lineage"]]
                mask |= 1 << b
                blocs.append(
                    (
                        b,
                        [
                            (lineage_comp[c["lineage"]], c["required_rank"], c)
                            for c in bloc["competences"]
                        ],
                    )
                )
            self.pathways.append(
                {
                    "pathway": pathway,
                    "rule_set": rule_set,
                    "blocs": blocs,
                    "mask": mask,
                    "min_hours": Decimal(rules["min_attended_hours"]),
                    "validity": rule_set.validity_months,
                }
            )


class Generator:
    def __init__(self, scale, seed=1, log=None):
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(f"socle-bench/{scale.name}/{seed}")
        self.log = log or (lambda message: None)
        self.timer = Timer(self.log)
        self.today = timezone.localdate()
        # What is placed relative to today is placed relative to its midnight, so that two runs
        # on the same day give the same rows.
        self.now = at(self.today, 0)
        if (scale.attestations - scale.decisions) % 2:
            raise BenchError("attestations − decisions must be even (two per attended session).")
        if LATE_REVIEWS[1] >= self.today:
            raise BenchError(f"This generator's fixed history ends on {LATE_REVIEWS[1]}.")

    # Entry point ------------------------------------------------------------------------------

    def run(self):
        with transaction.atomic():
            self.writer = TableWriter(connection, self.log)
            if connection.vendor == "postgresql":
                # Checked row by row as loaded (each table after those it points to), rather than
                # millions of deferred checks queued until the commit.
                self.writer.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with self.timer.step("reference, hub coordinator and issuer (services)"):
                self._reference()
            with self.timer.step("people and structures"):
                self._territories()
                self._structures()
                self._users()
                self._trainers()
            with self.timer.step("write people and structures"):
                self._write_people()
            with self.timer.step("sessions, slots and registrations"):
                self._sessions()
                self._registrations()
                self._closed_sessions()
                self._attendance()
            with self.timer.step("history (assessments, reviews, decisions)"):
                self._calibrated_walk()
                self._late_reviews()
                self._today()
                self._select_enrollments()
                self._self_assessments()
            with self.timer.step("attestations"):
                self._attestations()
            with self.timer.step("write trainings"):
                self._write_trainings()
            with self.timer.step("write certificates"):
                self._write_certificates()
            with self.timer.step("sequences, counters, statistics"):
                self._finish()
            # As the nightly refresh_reporting_aggregates does: the dashboard reads them.
            with self.timer.step("dashboard aggregates"):
                aggregates_rebuild()
        return self

    # Reference, hub coordinator, issuer --------------------------------------------------------

    def _reference(self):
        User = get_user_model()
        if User.objects.filter(email__iendswith="@" + DOMAIN).exists():
            raise BenchError(
                f"Bench data is already in this database (users @{DOMAIN}): use a new database."
            )
        hub = user_create(
            email=HUB_EMAIL,
            password=PASSWORD,
            first_name="Claire",
            last_name="Coordination",
            verified=True,
        )
        user_set_hub_coordinator(actor=None, user=hub)
        self.hub = hub
        network = {"hub": hub}
        competences_demo.build(network)
        version = network["referential_version"]
        if not version.peer_assessment_needs_confirmation:
            raise BenchError("The reference must require confirmation of peers' assessments.")
        pathways = []
        for pathway in (
            Pathway.objects.filter(version=version)
            .select_related("version__referential")
            .order_by("code")
        ):
            pathways.append((pathway, pathway_rule_set(pathway)))
        # The « socle » pathway first (fewer blocs): it is the one most people follow.
        pathways.sort(key=lambda item: (len(item[1].rules["blocs"]), item[0].code))
        self.ref = _Reference(version, pathways)
        if not Issuer.objects.exists():
            issuer_update(
                actor=hub,
                legal_name="Hub national de la médiation numérique (banc d'essai)",
                siret="",
                nda_number="11755555575",
                qualiopi=True,
                qualiopi_mention="La certification qualité a été délivrée au titre de la "
                "catégorie d'action suivante : actions de formation.",
                address="20 avenue de Ségur\n75007 Paris",
                signatory_name="Claire Coordination",
                signatory_role="Directrice",
            )
        self.issuer = facts_module.issuer_facts()
        self.password = make_password(PASSWORD, salt=PASSWORD_SALT)

    # People -----------------------------------------------------------------------------------

    def _territories(self):
        regions = dict(Departement.objects.values_list("code", "region_id"))
        by_departement = defaultdict(list)
        self.communes = {}
        for code, name, postal, departement in Commune.objects.order_by("insee_code").values_list(
            "insee_code", "name", "postal_codes", "departement_id"
        ):
            self.communes[code] = (name, postal.split()[0], departement, regions[departement])
            by_departement[departement].append(code)
        self.departements = sorted(by_departement)
        self.communes_by_departement = by_departement

    def _random_commune(self, departement=None):
        rng = self.rng
        departement = departement or rng.choice(self.departements)
        return rng.choice(self.communes_by_departement[departement])

    def _structures(self):
        rng, n = self.rng, self.scale.structures
        self.S0 = next_id(Structure)
        self.structures = []  # (id, name, kind, commune code, siret)
        sirets = set()
        for index in range(n):
            commune = self._random_commune()
            kind = rng.choice(KINDS)
            siret = ""
            if rng.random() < 0.3:
                siret = _siret(rng)
                if siret in sirets or siret.startswith("356000000"):
                    siret = ""
                sirets.add(siret)
            name = f"{STRUCTURE_NAMES[kind]} — {self.communes[commune][0]}"
            self.structures.append((self.S0 + index, name[:200], kind, commune, siret))
        self.structure_region = [self.communes[s[3]][3] for s in self.structures]

    def _users(self):
        rng, n = self.rng, self.scale.users
        self.U0 = next_id(get_user_model())
        self.M0 = next_id(Membership)
        self.user_rows = []
        self.membership_rows = []
        self.user_name = []
        self.user_joined = []
        self.user_region = []
        self.user_main = []  # index of the main structure, or None
        self.user_function = []
        self.user_commune = []
        self.activity = []
        self.aptitude = []
        heads = set()
        membership_id = self.M0
        hub_id = self.hub.pk
        n_structures = len(self.structures)
        for index in range(n):
            uid = self.U0 + index
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            day = datetime.date.fromordinal(
                rng.randint(JOINED[0].toordinal(), JOINED[1].toordinal())
            )
            joined = at(day, rng.randint(8, 20), rng.randrange(60), rng.randrange(60))
            has_structure = rng.random() >= 0.05
            structure = rng.randrange(n_structures) if has_structure else None
            if structure is not None:
                commune = self.structures[structure][3]
                own_commune = commune if rng.random() < 0.3 else None
                if structure not in heads:
                    heads.add(structure)
                    function = MediatorFunction.RESPONSABLE
                else:
                    function = rng.choice(FUNCTIONS)
                created = joined + datetime.timedelta(days=rng.randint(0, 20), hours=1)
                approved = created + datetime.timedelta(hours=rng.randint(1, 72))
                self.membership_rows.append(
                    (
                        membership_id,
                        uid,
                        self.structures[structure][0],
                        function,
                        created,
                        MembershipStatus.APPROVED,
                        hub_id,
                        approved,
                    )
                )
                membership_id += 1
                region = self.structure_region[structure]
                draw = rng.random()
                if draw < 0.12:  # a second place: approved, or a request still pending
                    other = rng.randrange(n_structures)
                    if other != structure:
                        created = created + datetime.timedelta(days=rng.randint(30, 400))
                        pending = draw < 0.02
                        self.membership_rows.append(
                            (
                                membership_id,
                                uid,
                                self.structures[other][0],
                                rng.choice(FUNCTIONS[:5]),
                                created,
                                MembershipStatus.PENDING if pending else MembershipStatus.APPROVED,
                                None if pending else hub_id,
                                None if pending else created + datetime.timedelta(hours=5),
                            )
                        )
                        membership_id += 1
            else:
                own_commune = self._random_commune()
                function = ""
                region = self.communes[own_commune][3]
            self.user_rows.append(
                (
                    uid,
                    self.password,
                    False,
                    f"mediateur{index + 1:06d}@{DOMAIN}",
                    first,
                    last,
                    False,
                    True,
                    joined,
                    own_commune,
                    rng.random() < 0.02,
                )
            )
            self.user_name.append(f"{first} {last}")
            self.user_joined.append(day.toordinal())
            self.user_region.append(region)
            self.user_main.append(structure)
            self.user_function.append(function)
            self.user_commune.append(own_commune)
            self.activity.append(min(rng.paretovariate(1.4), 30.0))
            self.aptitude.append(rng.random())
        # Who may be picked to take part in a session of a region (weighted by how active
        # people are), and in the whole network.
        self.pool_by_region = defaultdict(list)
        for index in range(n):
            self.pool_by_region[self.user_region[index]].append(index)
        self.cum_by_region = {}
        for region, members in self.pool_by_region.items():
            self.cum_by_region[region] = _cumulative([self.activity[i] for i in members])
        self.pool_all = list(range(n))
        self.cum_all = _cumulative(self.activity)

    def _trainers(self):
        """Hub-accredited trainers: a few on every bloc for the whole period, the others on one,
        two or every bloc, some of them only until mid-2025."""
        rng = self.rng
        n_blocs = len(self.ref.blocs)
        count = max(2 * n_blocs, round(self.scale.users * HUB_TRAINER_SHARE))
        candidates = [i for i in range(self.scale.users) if self.user_main[i] is not None]
        chosen = rng.sample(candidates, count)
        until_far = max(ACCREDITED_UNTIL, self.today + datetime.timedelta(days=365))
        self.T0 = next_id(TrainerAccreditation)
        self.accreditation_rows = []
        self.hub_accreditation = {}  # (user index, bloc) -> (from ordinal, until ordinal)
        self.trainers_by_bloc = [[] for _ in range(n_blocs)]
        self.trainers_by_bloc_region = defaultdict(list)
        self.is_hub_trainer = set()
        for position, index in enumerate(chosen):
            if position < 2 * n_blocs:
                blocs, until = list(range(n_blocs)), until_far
            else:
                size = _weighted(rng, ((1, 35), (2, 35), (n_blocs, 30)))
                blocs = sorted(rng.sample(range(n_blocs), min(size, n_blocs)))
                until = until_far if rng.random() < 0.85 else SHORT_ACCREDITATION_UNTIL
            start = ACCREDITED_FROM + datetime.timedelta(
                days=0 if position < 2 * n_blocs else rng.randint(0, 100)
            )
            self.is_hub_trainer.add(index)
            for bloc in blocs:
                self.hub_accreditation[(index, bloc)] = (start.toordinal(), until.toordinal())
                self.trainers_by_bloc[bloc].append(index)
                self.trainers_by_bloc_region[(bloc, self.user_region[index])].append(index)
                self.accreditation_rows.append(
                    (
                        self.T0 + len(self.accreditation_rows),
                        self.U0 + index,
                        self.ref.blocs[bloc].pk,
                        start,
                        until,
                        self.hub.pk,
                        at(start, 10),
                        None,
                        "Habilitation du hub (banc d'essai).",
                        AccreditationSource.HUB,
                    )
                )

    def _hub_accredited(self, index, bloc, first, last):
        span = self.hub_accreditation.get((index, bloc))
        return span is not None and span[0] <= first and last <= span[1]

    def _pick_hub_trainer(self, blocs, first, last, region, exclude=()):
        rng = self.rng
        for pool in (self.trainers_by_bloc_region.get((blocs[0], region), ()), None):
            pool = pool if pool is not None else self.trainers_by_bloc[blocs[0]]
            if not pool:
                continue
            for _attempt in range(25):
                index = rng.choice(pool)
                if index not in exclude and all(
                    self._hub_accredited(index, b, first, last) for b in blocs
                ):
                    return index
        for index in self.trainers_by_bloc[blocs[0]]:
            if index not in exclude and all(
                self._hub_accredited(index, b, first, last) for b in blocs
            ):
                return index
        raise BenchError("No hub trainer accredited for a session (too small a scale?).")

    def _write_people(self):
        User = get_user_model()
        w = self.writer
        w.write(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "email",
                "first_name",
                "last_name",
                "is_staff",
                "is_active",
                "date_joined",
                "commune_id",
                "statistics_opt_out",
            ],
            self.user_rows,
        )
        from allauth.account.models import EmailAddress

        w.write(
            EmailAddress,
            ["email", "verified", "primary", "user_id"],
            ((row[3], True, True, row[0]) for row in self.user_rows),
        )
        created = at(JOINED[0], 9)
        w.write(
            Structure,
            [
                "id",
                "name",
                "kind",
                "commune_id",
                "postal_code",
                "address",
                "siret",
                "created_at",
                "updated_at",
                "verified",
            ],
            (
                (
                    sid,
                    name,
                    kind,
                    commune,
                    self.communes[commune][1],
                    f"{(sid * 7) % 120 + 1} {STREETS[sid % len(STREETS)]}",
                    siret,
                    created,
                    created,
                    True,
                )
                for sid, name, kind, commune, siret in self.structures
            ),
        )
        w.write(
            Membership,
            [
                "id",
                "user_id",
                "structure_id",
                "function",
                "created_at",
                "status",
                "approved_by_id",
                "approved_at",
            ],
            self.membership_rows,
        )
        # The territory of record (accounts.services.main_membership_refresh): the first
        # approved attachment, by date then id, which is the lowest id here.
        w.execute(
            "UPDATE accounts_user SET main_membership_id = (SELECT MIN(m.id) FROM "
            "accounts_membership m WHERE m.user_id = accounts_user.id AND m.status = %s) "
            "WHERE id >= %s AND id < %s",
            [MembershipStatus.APPROVED, self.U0, self.U0 + self.scale.users],
        )

    # Sessions ---------------------------------------------------------------------------------

    def _sessions(self):
        rng, scale, ref = self.rng, self.scale, self.ref
        n = scale.sessions
        n_upcoming = round(n * UPCOMING_SHARE)
        n_draft = round(n * DRAFT_SHARE)
        n_cancelled = round(n * CANCELLED_SHARE)
        kinds = (
            ["upcoming"] * n_upcoming
            + ["draft"] * n_draft
            + ["cancelled"] * n_cancelled
            + ["past"] * (n - n_upcoming - n_draft - n_cancelled)
        )
        rng.shuffle(kinds)
        # Slots: 1 to 8 half-days, then adjusted to the exact total.
        counts = [_weighted(rng, ((1, 10), (2, 35), (4, 30), (6, 15), (8, 10))) for _ in kinds]
        _adjust_total(rng, counts, scale.slots, 1, 8)
        weekdays = _Weekdays(
            FIRST_DAY - datetime.timedelta(days=30), self.today + datetime.timedelta(days=400)
        )
        n_blocs = len(ref.blocs)
        bloc_weights = [35, 35, 15, 15][:n_blocs] + [15] * max(0, n_blocs - 4)
        peer_from = (FIRST_DAY + datetime.timedelta(days=120)).toordinal()
        specs = []
        for index, kind in enumerate(kinds):
            slots = counts[index]
            n_days = (slots + 1) // 2
            if kind == "past" or (kind == "cancelled" and rng.random() < 0.5):
                start = weekdays.random_between(rng, FIRST_DAY, LAST_DAY, n_days)
                when = "past"
            else:
                offset = rng.randint(2, 150) if kind != "draft" else rng.randint(20, 180)
                start = weekdays.random_between(
                    rng,
                    self.today + datetime.timedelta(days=offset),
                    self.today + datetime.timedelta(days=offset + 7),
                    n_days,
                )
                when = "future"
            days = weekdays.run(start, n_days)
            first_bloc = rng.choices(range(n_blocs), weights=bloc_weights)[0]
            blocs = [first_bloc]
            if rng.random() < 0.2 and n_blocs > 1:
                blocs.append((first_bloc + 1) % n_blocs)
                blocs.sort()
            pool = [c for b in blocs for c in ref.comp_by_bloc[b]]
            size = min(len(pool), _weighted(rng, ((2, 10), (3, 20), (4, 25), (5, 25), (6, 20))))
            chosen = set(rng.sample(pool, size))
            for b in blocs:  # at least one competence of each bloc
                if not any(ref.comp_bloc[c] == b for c in chosen):
                    chosen.add(rng.choice(ref.comp_by_bloc[b]))
            comps = sorted(chosen)
            structure = rng.randrange(len(self.structures))
            fmt = _weighted(
                rng,
                (
                    (SessionFormat.ONSITE, 75),
                    (SessionFormat.HYBRID, 15),
                    (SessionFormat.REMOTE, 10),
                ),
            )
            # Run by a peer when the draw falls under the walk's share (if a peer is free).
            peer_draw = (
                rng.random()
                if len(blocs) == 1 and kind in ("past", "upcoming") and days[0] >= peer_from
                else 1.0
            )
            specs.append(
                {
                    "kind": kind,
                    "when": when,
                    "days": days,
                    "slots": slots,
                    "blocs": blocs,
                    "comps": comps,
                    "structure": structure,
                    "format": fmt,
                    "capacity": rng.choice((6, 8, 10, 12, 12, 14, 15, 16, 20)),
                    "title": rng.randrange(4),
                    "peer_draw": peer_draw,
                    "co_trainer": rng.random() < 0.15 and peer_draw >= PEER_MAX,
                    "lead": rng.randint(15, 75),
                    "draw": rng.random(),
                }
            )
        # Ids in date order, like a real history.
        specs.sort(key=lambda s: (s["days"][0], s["draw"]))
        self.X0 = next_id(Session)
        self.sessions = specs
        for j, spec in enumerate(specs):
            spec["id"] = self.X0 + j
            region = self.structure_region[spec["structure"]]
            spec["region"] = region
            trainer = self._pick_hub_trainer(
                spec["blocs"], spec["days"][0], spec["days"][-1], region
            )
            trainers = [trainer]
            if spec["co_trainer"]:
                with contextlib.suppress(BenchError):  # alone when nobody else is free
                    trainers.append(
                        self._pick_hub_trainer(
                            spec["blocs"],
                            spec["days"][0],
                            spec["days"][-1],
                            region,
                            exclude={trainer},
                        )
                    )
            spec["trainers"] = spec["hub_trainers"] = trainers
            spec["mask"] = sum(1 << b for b in spec["blocs"])
            first_day = datetime.date.fromordinal(spec["days"][0])
            if spec["when"] == "past":
                created = at(
                    first_day - datetime.timedelta(days=spec["lead"]), 10, rng.randrange(60)
                )
            else:
                created = self.now - datetime.timedelta(
                    days=rng.randint(2, 20), minutes=rng.randrange(600)
                )
            spec["created_at"] = created
            spec["published_at"] = (
                None
                if spec["kind"] == "draft"
                else created + datetime.timedelta(hours=rng.randint(1, 24))
            )
            slot_times = []
            for position in range(spec["slots"]):
                day = datetime.date.fromordinal(spec["days"][position // 2])
                h1, m1, h2, m2 = SLOT_TIMES[position % 2]
                slot_times.append((at(day, h1, m1), at(day, h2, m2)))
            spec["slot_times"] = slot_times
            spec["cancelled_at"] = None
            if spec["kind"] == "cancelled":
                low = spec["published_at"]
                high = min(slot_times[0][0] - datetime.timedelta(hours=1), self.now)
                spec["cancelled_at"] = low + (high - low) * rng.uniform(0.5, 1.0)
                spec["reason"] = rng.choice(CANCELLATION_REASONS)

    def _registrations(self):
        rng, scale = self.rng, self.scale
        open_sessions = [s for s in self.sessions if s["kind"] != "draft"]
        demand = [round(s["capacity"] * rng.uniform(0.55, 1.3)) for s in open_sessions]
        total = sum(demand)
        demand = [max(1, round(d * scale.registrations / total)) for d in demand]
        upper = [max(2, round(s["capacity"] * 1.6)) for s in open_sessions]
        _adjust_total(rng, demand, scale.registrations, 1, upper)
        self.R0 = next_id(Registration)
        reg_id = self.R0
        # [id, session id, user index, status, created, status changed, added by, reminder sent]
        self.registrations = []
        for spec, count in zip(open_sessions, demand, strict=True):
            exclude = set(spec["trainers"])
            users = self._sample_users(spec["region"], count, exclude)
            published = spec["published_at"]
            # Until the start (or now, or the cancellation).
            horizon = min(spec["slot_times"][0][0] - datetime.timedelta(hours=2), self.now)
            if spec["cancelled_at"] is not None:
                horizon = min(horizon, spec["cancelled_at"])
            span = max(60.0, (horizon - published).total_seconds())
            stamps = sorted(
                published + datetime.timedelta(seconds=rng.random() * span) for _ in users
            )
            cancelled = set(rng.sample(range(count), round(count * rng.uniform(0, 0.15))))
            registered = 0
            spec["registered"] = []
            spec["participants"] = set(users)
            for position, (user, stamp) in enumerate(zip(users, stamps, strict=True)):
                if position in cancelled:
                    status = RegistrationStatus.CANCELLED
                    changed = stamp + (horizon - stamp) * rng.random()
                elif registered < spec["capacity"]:
                    status = RegistrationStatus.REGISTERED
                    registered += 1
                    changed = stamp
                else:
                    status = RegistrationStatus.WAITING
                    changed = stamp
                added_by = None
                if rng.random() < 0.1 and spec["peer_draw"] >= PEER_MAX:
                    added_by = self.U0 + spec["trainers"][0]
                reminder = None
                if (
                    status == RegistrationStatus.REGISTERED
                    and spec["when"] == "past"
                    and spec["kind"] != "cancelled"
                    and rng.random() < 0.9
                ):
                    # The reminder job runs the day before (for those registered by then).
                    reminder = at(
                        datetime.date.fromordinal(spec["days"][0] - 1), 8, rng.randrange(30)
                    )
                    if reminder <= stamp:
                        reminder = None
                row = [
                    reg_id,
                    spec["id"],
                    user,  # index; the id when written
                    status,
                    stamp,
                    changed,
                    added_by,
                    reminder,
                ]
                self.registrations.append(row)
                if status == RegistrationStatus.REGISTERED:
                    spec["registered"].append(len(self.registrations) - 1)
                reg_id += 1

    def _sample_users(self, region, count, exclude):
        rng = self.rng
        pool = self.pool_by_region.get(region, ())
        if len(pool) >= 4 * count:
            cum = self.cum_by_region[region]
        else:
            pool, cum = self.pool_all, self.cum_all
        chosen, seen = [], set(exclude)
        for _attempt in range(12):
            for user in rng.choices(pool, cum_weights=cum, k=count - len(chosen) + 3):
                if user not in seen:
                    seen.add(user)
                    chosen.append(user)
                    if len(chosen) == count:
                        return chosen
        while len(chosen) < count:
            user = rng.randrange(self.scale.users)
            if user not in seen:
                seen.add(user)
                chosen.append(user)
        return chosen

    def _closed_sessions(self):
        """Past sessions are held; enough of them are closed (their attestations issued) to
        make up the attestations that decisions do not, at two per attended participant."""
        rng = self.rng
        self.attended = bytearray(len(self.registrations))
        self.hours = {}
        past = []
        for spec in self.sessions:
            spec["status"] = {
                "upcoming": SessionStatus.PUBLISHED,
                "draft": SessionStatus.DRAFT,
                "cancelled": SessionStatus.CANCELLED,
                "past": SessionStatus.HELD,
            }[spec["kind"]]
            if spec["kind"] == "past":
                past.append(spec)
                for r in spec["registered"]:
                    if rng.random() < ATTENDED_SHARE:
                        self.attended[r] = 1
        budget = (self.scale.attestations - self.scale.decisions) // 2
        order = list(range(len(past)))
        rng.shuffle(order)
        remaining = budget
        for position in order:
            spec = past[position]
            count = sum(self.attended[r] for r in spec["registered"])
            if 0 < count <= remaining:
                spec["status"] = SessionStatus.CLOSED
                remaining -= count
                if remaining == 0:
                    break
        if remaining:
            for position in order:
                spec = past[position]
                attended = [r for r in spec["registered"] if self.attended[r]]
                if spec["status"] == SessionStatus.HELD and len(attended) > remaining:
                    for r in attended[remaining:]:
                        self.attended[r] = 0
                    spec["status"] = SessionStatus.CLOSED
                    remaining = 0
                    break
        if remaining:
            raise BenchError("Not enough past sessions for the attestations asked.")
        for spec in self.sessions:
            last_end = spec["slot_times"][-1][1]
            spec["closed_at"] = None
            if spec["status"] == SessionStatus.CLOSED:
                spec["closed_at"] = last_end + datetime.timedelta(
                    days=rng.randint(3, 10), minutes=rng.randrange(480)
                )

    def _attendance(self):
        """Marks of past sessions' registered participants: some half-days were never recorded,
        a few marks were corrected (the old one kept, no longer current); exactly `attendance`
        marks. An attended registration has a present or late mark."""
        rng, scale = self.rng, self.scale
        past = [s for s in self.sessions if s["kind"] == "past"]
        for spec in past:
            spec["recorded"] = spec["slots"]
            spec["skip_cells"] = 0  # registrations left unmarked on the last recorded slot
        cells = sum(len(s["registered"]) * s["slots"] for s in past)
        corrections = round(scale.attendance * CORRECTION_SHARE)
        current = scale.attendance - corrections
        if cells < current:
            current, corrections = cells, scale.attendance - cells
        skip = cells - current
        order = [s for s in past if s["status"] == SessionStatus.HELD] + [
            s for s in past if s["status"] == SessionStatus.CLOSED
        ]
        rng.shuffle(order)
        changed = True
        while skip and changed:
            changed = False
            for spec in order:
                size = len(spec["registered"])
                if spec["recorded"] >= 2 and 0 < size <= skip and rng.random() < 0.5:
                    spec["recorded"] -= 1
                    skip -= size
                    changed = True
                    if not skip:
                        break
        if skip:
            for spec in order:
                if spec["recorded"] >= 2 and len(spec["registered"]) > skip:
                    spec["skip_cells"] = skip
                    skip = 0
                    break
        if skip:
            raise BenchError("Too many attendance marks asked for the registrations.")
        # Corrections: cells drawn at random among the recorded ones.
        recorded = [
            (spec, len(spec["registered"]) * spec["recorded"] - spec["skip_cells"]) for spec in past
        ]
        cumulative = _cumulative([n for _s, n in recorded])
        fixes = defaultdict(int)
        drawn = 0
        while drawn < corrections:
            position = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
            spec = recorded[min(position, len(recorded) - 1)][0]
            size = len(spec["registered"])
            k, slot = rng.randrange(size), rng.randrange(spec["recorded"])
            if slot == spec["recorded"] - 1 and k >= size - spec["skip_cells"]:
                continue  # a cell left unmarked
            fixes[(spec["id"], k, slot)] += 1
            drawn += 1
        self.A0 = next_id(Attendance)
        rows = []
        attended = self.attended
        for spec in past:
            sid = spec["id"]
            method_bias = rng.random()
            n_recorded = spec["recorded"]
            skip_from = len(spec["registered"]) - spec["skip_cells"]
            for k, r in enumerate(spec["registered"]):
                user = self.registrations[r][2]
                did_attend = attended[r]
                present = 0
                last = n_recorded - 1 if k < skip_from else n_recorded - 2
                for slot in range(last + 1):
                    if did_attend:
                        if slot == 0:
                            status = PRESENT if rng.random() < 0.92 else LATE
                        else:
                            draw = rng.random()
                            status = (
                                PRESENT
                                if draw < 0.87
                                else LATE
                                if draw < 0.92
                                else EXCUSED
                                if draw < 0.96
                                else ABSENT
                            )
                    else:
                        status = EXCUSED if rng.random() < 0.4 else ABSENT
                    if status in (PRESENT, LATE):
                        present += 1
                    start, end = spec["slot_times"][slot]
                    fix = fixes.get((sid, k, slot), 0)
                    draw = rng.random()
                    if status in (PRESENT, LATE) and draw < method_bias * 0.6:
                        method = (
                            AttendanceMethod.CODE
                            if draw < method_bias * 0.4
                            else AttendanceMethod.QR
                        )
                        recorded_by = self.U0 + user
                        stamp = start + datetime.timedelta(minutes=rng.randint(-25, 40))
                    else:
                        method = AttendanceMethod.TRAINER
                        recorded_by = -1  # the session's first trainer, known after the walk
                        stamp = end - datetime.timedelta(minutes=rng.randint(0, 150))
                    for f in range(fix):  # older marks, superseded
                        old = ABSENT if status != ABSENT else PRESENT
                        rows.append(
                            [
                                sid,
                                slot,
                                r,
                                old,
                                AttendanceMethod.TRAINER,
                                -1,
                                stamp - datetime.timedelta(minutes=30 * (fix - f)),
                                False,
                            ]
                        )
                    if fix:
                        method, recorded_by = AttendanceMethod.TRAINER, -1
                        stamp = end + datetime.timedelta(minutes=rng.randint(20, 150))
                    rows.append([sid, slot, r, status, method, recorded_by, stamp, True])
                self.hours[r] = SLOT_HOURS * present
        if len(rows) != scale.attendance:
            raise AssertionError((len(rows), scale.attendance))
        self.attendance_rows = rows

    # The walk ---------------------------------------------------------------------------------

    def _walk(self):
        """Replay the history in date order (see the module's docstring)."""
        ref = self.ref
        cells = sum(
            sum(self.attended[r] for r in s["registered"]) * len(s["comps"])
            for s in self.sessions
            if s["kind"] == "past"
        )
        wanted = self.scale.assessments * TRAINER_ASSESSMENT_SHARE
        self.p_assess = min(0.97, wanted / max(1, cells * (1 + REASSESS_SHARE)))
        # Assessments as columns (index = position; ids follow).
        self.a_participant, self.a_comp, self.a_rank, self.a_method = [], [], [], []
        self.a_assessor, self.a_role, self.a_session, self.a_day = [], [], [], []
        self.a_created, self.a_text = [], []
        self.criteria_rows = []
        self.reviews = []  # (assessment, decision, reviewer index, replacement, reviewed_at)
        self.reviewed = set()
        self.status = {}  # user index * 64 + competence -> assessment position
        self.status_changed = {}
        self.last_rank = {}
        self.user_hours = defaultdict(list)  # user index -> [(session id, mask, hours)]
        self.pairs = {}  # user index * n pathways + k -> {"validations": {bloc: d}, "cert": d}
        self.decisions = []
        self.active_peers = [[] for _ in ref.blocs]  # (user index, pair key, decision)
        self.active_peer_days = [[] for _ in ref.blocs]  # the day each became one (sorted)
        self.peer_users = set()
        self.pinned = set()
        self.peer_assessments = []
        # No decision can reach its renewal window before this day.
        self.renewal_from = min(
            validity_end(FIRST_DAY, p["validity"]) - RENEWAL_WINDOW for p in ref.pathways
        ).toordinal()
        heap = []
        sequence = 0
        for j, spec in enumerate(self.sessions):
            spec["trainers"], spec["is_peer"] = spec["hub_trainers"], False
            if spec["peer_draw"] < self.peer_share:
                heap.append((spec["days"][0], 0, sequence, "start", j))
                sequence += 1
            if spec["kind"] == "past":
                heap.append((spec["days"][-1], 2, sequence, "end", j))
                sequence += 1
        heapq.heapify(heap)
        while heap:
            day, _phase, _seq, kind, payload = heapq.heappop(heap)
            if kind == "start":
                self._start(payload)
            elif kind == "end":
                for review in self._end(payload):
                    sequence += 1
                    heapq.heappush(heap, (review[0], 3, sequence, "review", review[1]))
            else:
                self._review(payload, day)

    def _calibrated_walk(self):
        """Walk; if fewer peer assessments than `peer_awaiting` were left unreviewed, walk again
        (from the same random state) with fewer reviews, or more peer sessions."""
        state = self.rng.getstate()
        self.peer_share, self.review_share = PEER_SESSION_SHARE, REVIEW_SHARE
        target = self.scale.peer_awaiting
        for _attempt in range(8):
            self.rng.setstate(state)
            self._walk()
            produced = len(self.peer_assessments)
            waiting = produced - len(self.reviewed)
            if waiting >= target:
                return
            self.log(
                f"    walk again: {waiting} peer assessments left to confirm, {target} asked "
                f"(peer sessions {self.peer_share:.2f}, reviews {self.review_share:.2f})"
            )
            if produced >= 1.15 * target:
                reviewable = produced - 1.1 * target
                self.review_share *= max(0.0, reviewable) / max(1, produced - waiting)
            else:
                self.peer_share = min(PEER_MAX, self.peer_share * 1.4 * target / max(1, produced))
        raise BenchError(
            f"Only {waiting} peer assessments await confirmation ({target} asked): the scale "
            "asks for more than its sessions can give."
        )

    def _start(self, j):
        """A peer session: one of the peer trainers validated on its bloc before it starts."""
        spec = self.sessions[j]
        bloc = spec["blocs"][0]
        peers = self.active_peers[bloc]
        # Validated strictly before the first day: the right starts on the decision's day.
        available = bisect.bisect_left(self.active_peer_days[bloc], spec["days"][0])
        if not available:
            return
        for _attempt in range(10):
            user, pair, _decision = peers[self.rng.randrange(available)]
            if user not in spec["participants"]:
                spec["trainers"] = [user]
                spec["is_peer"] = True
                self.pinned.add(pair)
                return

    def _new_assessment(self, user, comp, rank, method, assessor, role, session_id, day, created):
        position = len(self.a_participant)
        self.a_participant.append(user)
        self.a_comp.append(comp)
        self.a_rank.append(rank)
        self.a_method.append(method)
        self.a_assessor.append(assessor)
        self.a_role.append(role)
        self.a_session.append(session_id)
        self.a_day.append(day)
        self.a_created.append(created)
        self.a_text.append(self.rng.randrange(12))
        return position

    def _count(self, position):
        """The assessment at `position` now counts: it becomes the status if it is the latest."""
        user, comp = self.a_participant[position], self.a_comp[position]
        key = user * 64 + comp
        current = self.status.get(key)
        if current is None or (self.a_day[position], self.a_created[position], position) > (
            self.a_day[current],
            self.a_created[current],
            current,
        ):
            self.status[key] = position
            return True
        return False

    def _next_rank(self, user, comp):
        rng = self.rng
        previous = self.last_rank.get(user * 64 + comp)
        if previous is None:
            a = self.aptitude[user]
            draw = rng.random()
            rank = (
                4
                if draw < 0.12 + 0.2 * a
                else 3
                if draw < 0.62 + 0.15 * a
                else 2
                if draw < 0.93
                else 1
            )
        else:
            draw = rng.random()
            rank = previous + 1 if draw < 0.5 else previous if draw < 0.92 else previous - 1
        ranks = self.ref.ranks
        return min(max(rank, ranks[0]), ranks[-1])

    def _end(self, j):
        rng, ref = self.rng, self.ref
        spec = self.sessions[j]
        day = spec["days"][-1]
        end = spec["slot_times"][-1][1]
        trainers = spec["trainers"]
        roles = {}
        for trainer in trainers:
            for bloc in spec["blocs"]:
                roles[(trainer, bloc)] = (
                    ACCREDITED if self._hub_accredited(trainer, bloc, day, day) else PEER
                )
        reviews = []
        touched = []
        p_assess = self.p_assess
        for r in spec["registered"]:
            if not self.attended[r]:
                continue
            user = self.registrations[r][2]
            touched.append(user)
            self.user_hours[user].append((spec["id"], spec["mask"], self.hours[r]))
            for comp in spec["comps"]:
                if rng.random() >= p_assess:
                    continue
                assessor = trainers[0] if len(trainers) == 1 else rng.choice(trainers)
                role = roles[(assessor, ref.comp_bloc[comp])]
                repeats = 2 if rng.random() < REASSESS_SHARE else 1
                created = end + datetime.timedelta(
                    minutes=rng.randint(5, 120), seconds=rng.randrange(60)
                )
                for _repeat in range(repeats):
                    rank = self._next_rank(user, comp)
                    self.last_rank[user * 64 + comp] = rank
                    position = self._new_assessment(
                        user,
                        comp,
                        rank,
                        rng.choice(METHODS),
                        assessor,
                        role,
                        spec["id"],
                        day,
                        created,
                    )
                    if rng.random() < CRITERIA_SHARE and ref.criteria[comp]:
                        for criterion in rng.sample(
                            ref.criteria[comp], min(len(ref.criteria[comp]), rng.randint(1, 3))
                        ):
                            self.criteria_rows.append((position, criterion))
                    if role == ACCREDITED:
                        if self._count(position):
                            self.status_changed[user * 64 + comp] = created
                    else:
                        self.peer_assessments.append(position)
                        if rng.random() < self.review_share:
                            review_day = day + rng.randint(3, 60)
                            if review_day <= REVIEW_LIMIT.toordinal():
                                reviews.append((review_day, position))
                    created += datetime.timedelta(minutes=rng.randint(2, 30))
        # The decision task runs once the trainers' entries are in.
        decided_at = end + datetime.timedelta(minutes=rng.randint(160, 220))
        for user in touched:
            self._decide(user, day, decided_at, spec["mask"])
        return reviews

    def _pick_reviewer(self, position, day):
        rng = self.rng
        bloc = self.ref.comp_bloc[self.a_comp[position]]
        pool = self.trainers_by_bloc[bloc]
        excluded = (self.a_assessor[position], self.a_participant[position])
        for _attempt in range(40):
            index = rng.choice(pool)
            if index not in excluded and self._hub_accredited(index, bloc, day, day):
                return index
        for index in pool:
            if index not in excluded and self._hub_accredited(index, bloc, day, day):
                return index
        return None

    def _review(self, position, day):
        rng = self.rng
        reviewer = self._pick_reviewer(position, day)
        if reviewer is None:
            return
        date = datetime.date.fromordinal(day)
        reviewed_at = at(date, rng.randint(9, 18), rng.randrange(60), rng.randrange(60))
        user, comp = self.a_participant[position], self.a_comp[position]
        key = user * 64 + comp
        self.reviewed.add(position)
        if rng.random() < OVERRIDE_SHARE:
            old = self.a_rank[position]
            ranks = self.ref.ranks
            rank = (
                old - 1 if old > ranks[0] and (old == ranks[-1] or rng.random() < 0.6) else old + 1
            )
            replacement = self._new_assessment(
                user,
                comp,
                rank,
                self.a_method[position],
                reviewer,
                ACCREDITED,
                self.a_session[position],
                day,
                reviewed_at,
            )
            self.reviews.append(
                (position, ReviewDecision.OVERRIDDEN, reviewer, replacement, reviewed_at)
            )
            if self._count(replacement):
                self.status_changed[key] = reviewed_at
        else:
            self.reviews.append((position, ReviewDecision.CONFIRMED, reviewer, None, reviewed_at))
            if self._count(position):
                self.status_changed[key] = reviewed_at
        self._decide(
            user,
            day,
            reviewed_at + datetime.timedelta(minutes=rng.randint(1, 5)),
            1 << self.ref.comp_bloc[comp],
        )

    def _late_reviews(self):
        """Reviews of the weeks after the period, so that exactly `peer_awaiting` peer
        assessments remain to confirm."""
        rng = self.rng
        waiting = [p for p in self.peer_assessments if p not in self.reviewed]
        extra = len(waiting) - self.scale.peer_awaiting
        limit = (LAST_DAY - datetime.timedelta(days=14)).toordinal()
        older = [p for p in waiting if self.a_day[p] <= limit]
        if len(older) < extra:
            raise BenchError("Not enough older peer assessments for the late reviews.")
        chosen = rng.sample(older, extra)
        first, last = LATE_REVIEWS[0].toordinal(), LATE_REVIEWS[1].toordinal()
        events = sorted((rng.randint(first, last), rng.random(), p) for p in chosen)
        for day, _draw, position in events:
            self._review(position, day)
        unreviewed = sum(1 for p in self.peer_assessments if p not in self.reviewed)
        self.log(
            f"    walk: {len(self.decisions)} possible decisions, {len(self.pinned)} peer "
            f"trainers, {len(self.peer_assessments)} peer assessments ({extra} reviewed late), "
            f"{len(self.a_participant)} trainers' assessments (p={self.p_assess:.2f})"
        )
        if unreviewed != self.scale.peer_awaiting:
            raise BenchError(
                f"{unreviewed} peer assessments await confirmation, not {self.scale.peer_awaiting} "
                "(no accredited reviewer for some)."
            )

    def _decide(self, user, day, moment, touched_mask):
        """certificates.services.decisions.enrollment_decide for every pathway of a person, as
        if they had enrolled in all of them before their first session (the enrolments are
        chosen afterwards among these outcomes). Before `renewal_from` no decision can be due
        for renewal, so only what the event touched is looked at."""
        ref = self.ref
        n_pathways = len(ref.pathways)
        full = day >= self.renewal_from
        if full:
            touched_mask = -1
        decisions = self.decisions
        for k, pathway in enumerate(ref.pathways):
            if not touched_mask & pathway["mask"]:
                continue  # neither its statuses nor its counting hours changed
            key = user * n_pathways + k
            state = self.pairs.get(key)
            if state is None:
                state = self.pairs[key] = {"validations": {}, "cert": None}
            validations = state["validations"]
            for bloc, competences in pathway["blocs"]:
                if not (touched_mask >> bloc) & 1:
                    continue
                previous = validations.get(bloc)
                if previous is not None and not full:
                    continue
                fresh_since = self._met_since(user, competences)
                if fresh_since is None:
                    continue
                if previous is not None and not _due_for_renewal(
                    decisions[previous], day, fresh_since
                ):
                    continue
                validations[bloc] = self._record_validation(
                    user, k, bloc, competences, day, moment, previous
                )
            if state["cert"] is not None and not full:
                continue
            current = [validations.get(bloc) for bloc, _c in pathway["blocs"]]
            if not all(v is not None and decisions[v]["until"] >= day for v in current):
                continue
            previous = state["cert"]
            if previous is not None and not _due_for_renewal(
                decisions[previous], day, min(decisions[v]["day"] for v in current)
            ):
                continue
            hours = [
                (sid, h)
                for sid, mask, h in self.user_hours.get(user, ())
                if mask & pathway["mask"] and h
            ]
            if sum((h for _sid, h in hours), Decimal(0)) >= pathway["min_hours"]:
                state["cert"] = self._record_certification(
                    user, k, current, hours, day, moment, previous
                )

    def _met_since(self, user, competences):
        """When the bloc is met now: the latest day its evidence was assessed; else None."""
        status, base, latest = self.status, user * 64, 0
        for comp, required, _rule in competences:
            position = status.get(base + comp)
            if position is None or self.a_rank[position] < required:
                return None
            latest = max(latest, self.a_day[position])
        return latest

    def _today(self):
        """What the nightly sweep would decide today: renewals of the decisions whose validity
        ends within RENEWAL_WINDOW, when fresher evidence exists."""
        day = self.today.toordinal()
        moment = self.now + datetime.timedelta(seconds=30)
        window = RENEWAL_WINDOW.days
        due = sorted(
            {d["user"] for d in self.decisions if d["current"] and d["until"] - day <= window}
        )
        for user in due:
            self._decide(user, day, moment, -1)

    def _new_decision(self, decision, renews):
        index = len(self.decisions)
        pathway = self.ref.pathways[decision["pathway"]]
        decided_on = datetime.date.fromordinal(decision["day"])
        decision.update(
            pair=decision["user"] * len(self.ref.pathways) + decision["pathway"],
            until=validity_end(decided_on, pathway["validity"]).toordinal(),
            current=True,
            renews=renews,
        )
        if renews is not None:
            self.decisions[renews]["current"] = False
        self.decisions.append(decision)
        return index

    def _record_validation(self, user, k, bloc, competences, day, moment, renews=None):
        ref = self.ref
        pathway = ref.pathways[k]
        items = []
        for comp, required, rule in competences:
            position = self.status[user * 64 + comp]
            rank = self.a_rank[position]
            items.append(
                {
                    "code": rule["code"],
                    "lineage": rule["lineage"],
                    "required_rank": required,
                    "level_rank": rank,
                    "level_label": ref.levels[rank].label,
                    "assessment": position,  # the id once known
                    "assessed_code": ref.competences[self.a_comp[position]].code,
                    "assessed_on": datetime.date.fromordinal(self.a_day[position]).isoformat(),
                    "assessor_role": self.a_role[position],
                    "method": self.a_method[position],
                }
            )
        index = self._new_decision(
            {
                "kind": "bloc",
                "user": user,
                "pathway": k,
                "bloc": bloc,
                "day": day,
                "at": moment,
                "evidence": {"rule_set": pathway["rule_set"].number, "competences": items},
            },
            renews,
        )
        if (
            user not in self.is_hub_trainer
            and (user, bloc) not in self.peer_users
            and self.rng.random() < PEER_ACTIVATION
        ):
            self.peer_users.add((user, bloc))
            self.active_peers[bloc].append((user, user * len(ref.pathways) + k, index))
            self.active_peer_days[bloc].append(day)
        return index

    def _record_certification(self, user, k, validations, hours, day, moment, renews=None):
        by_session = sorted((sid, clean_hours(h)) for sid, h in hours)
        return self._new_decision(
            {
                "kind": "pathway",
                "user": user,
                "pathway": k,
                "day": day,
                "at": moment,
                "validations": list(validations),
                "hours": {
                    "total": str(sum((h for _s, h in by_session), 0)),
                    "sessions": [{"session": sid, "hours": str(h)} for sid, h in by_session],
                },
            },
            renews,
        )

    # Enrolments, decisions --------------------------------------------------------------------

    def _select_enrollments(self):
        """Exactly `decisions` decisions: the enrolments of peer trainers, then others taken at
        random among the outcomes of the walk; then enrolments without any decision (yet)."""
        rng, scale = self.rng, self.scale
        by_pair = defaultdict(list)
        for index, decision in enumerate(self.decisions):
            by_pair[decision["pair"]].append(index)
        chosen = sorted(self.pinned)
        remaining = scale.decisions - sum(len(by_pair[p]) for p in chosen)
        if remaining < 0:
            raise BenchError("Peer trainers alone hold more decisions than asked.")
        others = [p for p in by_pair if p not in self.pinned]
        rng.shuffle(others)
        for pair in others:
            if not remaining:
                break
            size = len(by_pair[pair])
            if size <= remaining:
                chosen.append(pair)
                remaining -= size
        if remaining:
            raise BenchError(
                f"The walk gave too few decisions ({len(self.decisions)}) for {scale.decisions}."
            )
        if len(chosen) > scale.enrollments:
            raise BenchError("More enrolments with a decision than enrolments asked.")
        deciding = set(chosen)
        n_pathways = len(self.ref.pathways)
        idle = [
            u * n_pathways + k
            for u in range(scale.users)
            for k in range(n_pathways)
            if (u * n_pathways + k) not in by_pair
        ]
        # The shortest pathway (« socle ») three times out of four.
        socle = [p for p in idle if p % n_pathways == 0]
        longer = [p for p in idle if p % n_pathways != 0]
        rng.shuffle(socle)
        rng.shuffle(longer)
        wanted = scale.enrollments - len(chosen)
        take_longer = min(len(longer), wanted // 4)
        idle = socle[: wanted - take_longer] + longer[:take_longer]
        if len(idle) < wanted:
            raise BenchError("Not enough people for the enrolments asked.")
        self.E0 = next_id(Enrollment)
        self.enrollments = []
        self.enrollment_of_pair = {}
        pairs = chosen + idle
        # Enrolment dates: before the first decision (the walk's outcome is then theirs).
        rows = []
        for pair in pairs:
            user, k = divmod(pair, n_pathways)
            low = max(ENROL_FROM.toordinal(), self.user_joined[user] + 1)
            if pair in deciding:
                high = self.decisions[by_pair[pair][0]]["day"] - 1
            else:
                high = LAST_DAY.toordinal()
            day = rng.randint(low, max(low, high))
            rows.append((day, rng.random(), pair))
        rows.sort()
        hub = self.hub.pk
        self.selected = []
        for position, (day, _draw, pair) in enumerate(rows):
            user, k = divmod(pair, n_pathways)
            enrolled = at(datetime.date.fromordinal(day), rng.randint(8, 21), rng.randrange(60))
            eid = self.E0 + position
            self.enrollment_of_pair[pair] = eid
            status, changed, reason = EnrollmentStatus.IN_PROGRESS, enrolled, ""
            if pair in deciding:
                self.selected.extend(by_pair[pair])
                cert = self.pairs[pair]["cert"]
                if cert is not None:
                    status = (
                        EnrollmentStatus.CERTIFIED
                        if self.decisions[cert]["until"] >= self.today.toordinal()
                        else EnrollmentStatus.EXPIRED
                    )
                    # Since the first certification (a renewal does not change the status).
                    first = next(i for i in by_pair[pair] if self.decisions[i]["kind"] == "pathway")
                    changed = self.decisions[first]["at"]
            elif rng.random() < 0.03:
                status = EnrollmentStatus.WITHDRAWN
                changed = enrolled + datetime.timedelta(days=rng.randint(10, 200))
                changed = min(changed, at(LAST_DAY, 18))
                reason = "Changement de poste."
            self.enrollments.append(
                (
                    eid,
                    self.U0 + user,
                    self.ref.pathways[k]["pathway"].pk,
                    self.ref.pathways[k]["rule_set"].pk,
                    status,
                    enrolled,
                    hub if rng.random() < 0.15 else self.U0 + user,
                    changed,
                    reason,
                )
            )
        self.selected.sort(key=lambda i: (self.decisions[i]["at"], i))

    def _self_assessments(self):
        """Self-positioning: never counts; makes up the exact number of assessments."""
        rng, ref = self.rng, self.ref
        count = self.scale.assessments - len(self.a_participant)
        if count < 0:
            raise BenchError("The trainers' assessments exceed the assessments asked.")
        self.self_from = len(self.a_participant)
        by_user = defaultdict(list)
        for r, row in enumerate(self.registrations):
            if row[3] != RegistrationStatus.CANCELLED:
                by_user[row[2]].append(r)
        n_comps = len(ref.competences)
        for _ in range(count):
            position = bisect.bisect_right(self.cum_all, rng.random() * self.cum_all[-1])
            user = min(position, self.scale.users - 1)
            session_id = None
            mine = by_user.get(user)
            if mine and rng.random() < 0.3:
                # Before a session one is registered to (open then), on one of its competences.
                row = self.registrations[rng.choice(mine)]
                spec = self.sessions[row[1] - self.X0]
                comp = rng.choice(spec["comps"])
                registered_on = timezone.localdate(row[4]).toordinal()
                day = max(spec["days"][0] - rng.randint(0, 6), registered_on)
                day = min(day, spec["days"][0], self.today.toordinal() - 1)
                if spec["kind"] != "cancelled" and day >= registered_on:
                    session_id = spec["id"]
                else:
                    day = rng.randint(FIRST_DAY.toordinal() - 60, LAST_DAY.toordinal())
            else:
                comp = rng.randrange(n_comps)
                day = rng.randint(FIRST_DAY.toordinal() - 60, LAST_DAY.toordinal())
            rank = rng.choice(ref.ranks)
            created = at(
                datetime.date.fromordinal(day),
                rng.randint(7, 22),
                rng.randrange(60),
                rng.randrange(60),
            )
            self._new_assessment(
                user, comp, rank, AssessmentMethod.SELF, user, SELF, session_id, day, created
            )

    # Attestations -----------------------------------------------------------------------------

    def _holder(self, user):
        """accounts.selectors.territory_of_record, as snapshotted by decisions."""
        structure = self.user_main[user]
        if structure is not None:
            sid, name, kind, commune, siret = self.structures[structure]
            cname, _postal, departement, region = self.communes[commune]
            return {
                "holder_name": self.user_name[user],
                "holder_structure_id": sid,
                "holder_structure_kind": kind,
                "holder_function": self.user_function[user],
                "holder_commune_code": commune,
                "holder_commune_name": cname,
                "holder_departement_code": departement,
                "holder_region_code": region,
                "employer": name,
                "employer_siret": siret,
            }
        commune = self.user_commune[user]
        cname, _postal, departement, region = self.communes[commune]
        return {
            "holder_name": self.user_name[user],
            "holder_structure_id": None,
            "holder_structure_kind": "",
            "holder_function": "",
            "holder_commune_code": commune,
            "holder_commune_name": cname,
            "holder_departement_code": departement,
            "holder_region_code": region,
            "employer": "",
            "employer_siret": "",
        }

    def _attestations(self):
        rng = self.rng
        self.assessment_id0 = next_id(Assessment)
        self.B0 = next_id(BlocValidation)
        self.C0 = next_id(PathwayCertification)
        self.decision_id = {}
        self.peer_accreditation = {}
        next_bloc, next_cert = self.B0, self.C0
        next_accreditation = self.T0 + len(self.accreditation_rows)
        for index in self.selected:
            decision = self.decisions[index]
            if decision["kind"] == "bloc":
                self.decision_id[index] = next_bloc
                next_bloc += 1
                self.peer_accreditation[index] = next_accreditation
                next_accreditation += 1
            else:
                self.decision_id[index] = next_cert
                next_cert += 1
        storage = Attestation._meta.get_field("pdf").storage
        content = shared_pdf()
        if not storage.exists(SHARED_PDF):
            storage.save(SHARED_PDF, ContentFile(content))
        with storage.open(SHARED_PDF, "rb") as handle:
            self.pdf_sha256 = hashlib.sha256(handle.read()).hexdigest()
        items = []  # (issued_at, order, kind, holder index, subject, facts, valid_until)
        with translation.override(settings.LANGUAGE_CODE):
            self._session_attestations(items)
            self._decision_attestations(items)
        items.sort(key=lambda item: (item[0], item[1]))
        counters = dict(Counter.objects.values_list("name", "last"))
        status_index = counters.get("status-list", 0)
        serials = {}
        codes = set(Attestation.objects.values_list("verification_code", flat=True))
        self.attestation_rows = []
        self.counters = {}
        self.AT0 = next_id(Attestation)
        for position, (issued, _order, kind, user, subject, data, valid_until) in enumerate(items):
            year = timezone.localtime(issued).year
            name = f"serial-{year}"
            if name not in serials:
                serials[name] = counters.get(name, 0)
            serials[name] += 1
            status_index += 1
            while True:
                payload = "".join(rng.choice(CODE_ALPHABET) for _ in range(11))
                code = payload + _check_symbol(payload)
                if code not in codes:
                    codes.add(code)
                    break
            status, changed, changed_by, reason = AttestationStatus.VALID, None, None, ""
            draw = rng.random()
            if draw < 0.002:
                status, reason = (
                    AttestationStatus.REVOKED,
                    "Erreur de saisie signalée par le titulaire.",
                )
            elif draw < 0.003:
                status, reason = AttestationStatus.SUSPENDED, "Vérification en cours."
            if status != AttestationStatus.VALID:
                changed = min(issued + datetime.timedelta(days=rng.randint(1, 60)), self.now)
                changed_by = self.hub.pk
            session_id = (
                subject
                if kind in (AttestationKind.END_OF_TRAINING, AttestationKind.COMPLETION)
                else None
            )
            self.attestation_rows.append(
                (
                    self.AT0 + position,
                    kind,
                    f"{SERIAL_PREFIX}-{year}-{serials[name]:06d}",
                    code,
                    TEMPLATES[kind],
                    data,
                    SHARED_PDF,
                    self.pdf_sha256,
                    KEY_ID,
                    "",
                    status_index,
                    issued,
                    valid_until,
                    status,
                    changed,
                    reason,
                    False,
                    self.U0 + user,
                    session_id,
                    changed_by,
                    subject if kind == AttestationKind.BLOC else None,
                    subject if kind == AttestationKind.PATHWAY else None,
                )
            )
        self.counters = {**serials, "status-list": status_index}

    def _session_attestations(self, items):
        """End-of-training attestation and certificat de réalisation of each attended
        participant of a closed session, with certificates.facts.session_facts's facts as they
        were when the session was closed."""
        ref = self.ref
        closed = {s["id"]: s for s in self.sessions if s["status"] == SessionStatus.CLOSED}
        by_pair = defaultdict(list)
        for position in range(self.self_from):
            sid = self.a_session[position]
            if sid in closed:
                by_pair[(sid, self.a_participant[position])].append(position)
        structures = self.structures
        format_labels = {value: str(label) for value, label in SessionFormat.choices}
        method_labels = {value: str(label) for value, label in AssessmentMethod.choices}
        reference = f"{ref.referential.title} v{ref.version.number}"
        for sid, spec in closed.items():
            slots = spec["slot_times"]
            planned = sum(
                (Decimal(str((end - start).total_seconds())) / 3600 for start, end in slots),
                Decimal(0),
            )
            trainers = sorted(
                spec["trainers"],
                key=lambda t: (self.user_rows[t][5], self.U0 + t),
            )
            place = ""
            if spec["format"] != SessionFormat.REMOTE:
                structure = structures[spec["structure"]]
                place = f"{structure[1]}, {self.communes[structure[3]][0]}"
            issued_base = spec["closed_at"] + datetime.timedelta(minutes=2)
            session_facts = {
                "title": self._title(spec),
                "objectives": self._objectives(spec),
                "nature": facts_module.ACTION_NATURE,
                "format": format_labels[spec["format"]],
                "place": place,
                "first_day": timezone.localtime(slots[0][0]).date().isoformat(),
                "last_day": timezone.localtime(slots[-1][1]).date().isoformat(),
                "slots": [
                    {
                        "day": timezone.localtime(start).date().isoformat(),
                        "start": timezone.localtime(start).strftime("%H:%M"),
                        "end": timezone.localtime(end).strftime("%H:%M"),
                    }
                    for start, end in slots
                ],
                "planned_hours": format_hours(planned),
                "trainers": [self.user_name[t] for t in trainers],
                "reference": reference,
            }
            for r in spec["registered"]:
                if not self.attended[r]:
                    continue
                user = self.registrations[r][2]
                latest = {}
                for position in sorted(
                    by_pair.get((sid, user), ()),
                    key=lambda p: (self.a_day[p], self.a_created[p], p),
                    reverse=True,
                ):
                    if self.a_created[position] <= issued_base:
                        latest.setdefault(self.a_comp[position], position)
                holder = self._holder(user)
                data = {
                    "holder": {
                        "name": self.user_name[user],
                        "employer": holder["employer"],
                        "employer_siret": holder["employer_siret"],
                    },
                    "session": session_facts,
                    "attended_hours": format_hours(clean_hours(self.hours[r])),
                    "evaluation_methods": sorted(
                        {method_labels[self.a_method[p]] for p in latest.values()}
                    ),
                    "competences": [
                        {
                            "code": ref.competences[c].code,
                            "title": ref.competences[c].title,
                            "level": ref.levels[self.a_rank[latest[c]]].label
                            if c in latest
                            else "",
                            "rank": self.a_rank[latest[c]] if c in latest else None,
                        }
                        for c in spec["comps"]
                    ],
                    "retention": facts_module.COMPLETION_RETENTION,
                    "issuer": self.issuer,
                }
                for order, kind in enumerate(
                    (AttestationKind.END_OF_TRAINING, AttestationKind.COMPLETION)
                ):
                    items.append(
                        (
                            issued_base + datetime.timedelta(seconds=r % 3000),
                            order,
                            kind,
                            user,
                            sid,
                            data,
                            None,
                        )
                    )

    def _decision_attestations(self, items):
        ref = self.ref
        for index in self.selected:
            decision = self.decisions[index]
            pathway = ref.pathways[decision["pathway"]]
            decided_on = datetime.date.fromordinal(decision["day"])
            valid_until = validity_end(decided_on, pathway["validity"])
            enrollment = Enrollment(pathway=pathway["pathway"])
            if decision["kind"] == "bloc":
                validation = BlocValidation(
                    enrollment=enrollment,
                    rule_set=pathway["rule_set"],
                    basis=DecisionBasis.RULES,
                    decided_on=decided_on,
                    valid_until=valid_until,
                    evidence=self._evidence(decision),
                    holder_name=self.user_name[decision["user"]],
                    bloc=ref.blocs[decision["bloc"]],
                    bloc_lineage=ref.bloc_lineage[decision["bloc"]],
                )
                data = facts_module.bloc_validation_facts(validation)
                kind = AttestationKind.BLOC
            else:
                certification = PathwayCertification(
                    enrollment=enrollment,
                    rule_set=pathway["rule_set"],
                    basis=DecisionBasis.RULES,
                    decided_on=decided_on,
                    valid_until=valid_until,
                    evidence=self._evidence(decision),
                    holder_name=self.user_name[decision["user"]],
                )
                data = facts_module.certification_facts(certification)
                kind = AttestationKind.PATHWAY
            data = {**data, "issuer": self.issuer}
            issued = decision["at"] + datetime.timedelta(minutes=3, seconds=index % 600)
            items.append(
                (issued, 2, kind, decision["user"], self.decision_id[index], data, valid_until)
            )

    def _evidence(self, decision):
        if decision["kind"] == "bloc":
            evidence = decision["evidence"]
            return {
                "rule_set": evidence["rule_set"],
                "competences": [
                    {**item, "assessment": self.assessment_id0 + item["assessment"]}
                    for item in evidence["competences"]
                ],
            }
        return {
            "rule_set": self.ref.pathways[decision["pathway"]]["rule_set"].number,
            "bloc_validations": [self.decision_id[v] for v in decision["validations"]],
            "hours": decision["hours"],
        }

    def _title(self, spec):
        bloc = spec["blocs"][0]
        titles = (
            SESSION_TITLES[bloc] if bloc < len(SESSION_TITLES) else (self.ref.blocs[bloc].title,)
        )
        commune = self.communes[self.structures[spec["structure"]][3]][0]
        return f"{titles[spec['title'] % len(titles)]} — {commune}"[:200]

    def _objectives(self, spec):
        blocs = self.ref.blocs
        return " ".join(
            f"Mettre en pratique les compétences du bloc {blocs[b].code} — {blocs[b].title}."
            for b in spec["blocs"]
        )

    # Writing ----------------------------------------------------------------------------------

    def _write_trainings(self):
        w, U0 = self.writer, self.U0
        hub = self.hub.pk
        # Peer trainers' accreditations (one per bloc validation) come with the hub's, so that
        # validations can point to them.
        peer_rows = []
        for index in self.selected:
            decision = self.decisions[index]
            if decision["kind"] != "bloc":
                continue
            decided_on = datetime.date.fromordinal(decision["day"])
            valid_until = validity_end(
                decided_on, self.ref.pathways[decision["pathway"]]["validity"]
            )
            peer_rows.append(
                (
                    self.peer_accreditation[index],
                    U0 + decision["user"],
                    self.ref.blocs[decision["bloc"]].pk,
                    decided_on,
                    valid_until,
                    None,
                    decision["at"],
                    None,
                    f"Bloc validé le {decided_on.isoformat()}",
                    AccreditationSource.CERTIFICATION,
                )
            )
        accreditation_fields = [
            "id",
            "user_id",
            "bloc_id",
            "valid_from",
            "valid_until",
            "granted_by_id",
            "granted_at",
            "revoked_at",
            "note",
            "source",
        ]
        w.write(TrainerAccreditation, accreditation_fields, self.accreditation_rows + peer_rows)
        sessions = self.sessions
        w.write(
            Session,
            [
                "id",
                "title",
                "description",
                "objectives",
                "version_id",
                "format",
                "structure_id",
                "address",
                "video_url",
                "capacity",
                "status",
                "created_by_id",
                "created_at",
                "updated_at",
                "published_at",
                "closed_at",
                "cancelled_at",
                "cancellation_reason",
                "starts_at",
                "ends_at",
            ],
            (
                (
                    s["id"],
                    self._title(s),
                    DESCRIPTION,
                    self._objectives(s),
                    self.ref.version.pk,
                    s["format"],
                    None
                    if s["format"] == SessionFormat.REMOTE
                    else self.structures[s["structure"]][0],
                    "",
                    ""
                    if s["format"] == SessionFormat.ONSITE
                    else f"https://visio.{DOMAIN}/s{s['id']}",
                    s["capacity"],
                    s["status"],
                    U0 + s["trainers"][0],
                    s["created_at"],
                    s["closed_at"] or s["cancelled_at"] or s["published_at"] or s["created_at"],
                    s["published_at"],
                    s["closed_at"],
                    s["cancelled_at"],
                    s.get("reason", ""),
                    s["slot_times"][0][0],
                    s["slot_times"][-1][1],
                )
                for s in sessions
            ),
        )
        through = Session._meta.get_field("trainers").remote_field.through
        w.write(
            through,
            ["session_id", "user_id"],
            ((s["id"], U0 + t) for s in sessions for t in s["trainers"]),
        )
        through = Session._meta.get_field("competences").remote_field.through
        comp_ids = [c.pk for c in self.ref.competences]
        w.write(
            through,
            ["session_id", "competence_id"],
            ((s["id"], comp_ids[c]) for s in sessions for c in s["comps"]),
        )
        self.SL0 = next_id(Slot)
        slot_id = self.SL0
        slot_rows = []
        for s in sessions:
            s["slot_ids"] = []
            for start, end in s["slot_times"]:
                slot_rows.append((slot_id, s["id"], start, end))
                s["slot_ids"].append(slot_id)
                slot_id += 1
        w.write(Slot, ["id", "session_id", "starts_at", "ends_at"], slot_rows)
        w.write(
            Registration,
            [
                "id",
                "session_id",
                "user_id",
                "status",
                "created_at",
                "status_changed_at",
                "added_by_id",
                "reminder_sent_at",
            ],
            ((r[0], r[1], U0 + r[2], *r[3:]) for r in self.registrations),
        )
        R0, X0 = self.R0, self.X0

        def marks():
            mark_id = self.A0
            for sid, slot, r, status, method, by, stamp, current in self.attendance_rows:
                spec = sessions[sid - X0]
                yield (
                    mark_id,
                    spec["slot_ids"][slot],
                    R0 + r,
                    status,
                    method,
                    U0 + spec["trainers"][0] if by == -1 else by,
                    stamp,
                    current,
                )
                mark_id += 1

        w.write(
            Attendance,
            [
                "id",
                "slot_id",
                "registration_id",
                "status",
                "method",
                "recorded_by_id",
                "recorded_at",
                "is_current",
            ],
            marks(),
        )
        a0 = self.assessment_id0
        texts = EVIDENCE_TEXTS
        comments = COMMENT_TEXTS
        comp_ids = [c.pk for c in self.ref.competences]
        level_ids = {rank: level.pk for rank, level in self.ref.levels.items()}

        def assessments():
            for p in range(len(self.a_participant)):
                text = self.a_text[p]
                role = self.a_role[p]
                yield (
                    a0 + p,
                    U0 + self.a_participant[p],
                    comp_ids[self.a_comp[p]],
                    level_ids[self.a_rank[p]],
                    self.a_method[p],
                    U0 + self.a_assessor[p],
                    role,
                    self.a_session[p],
                    datetime.date.fromordinal(self.a_day[p]),
                    comments[text % 3] if role != SELF and text < 3 else "",
                    texts[text % 4] if role != SELF and text < 6 else "",
                    self.a_created[p],
                )

        w.write(
            Assessment,
            [
                "id",
                "participant_id",
                "competence_id",
                "level_id",
                "method",
                "assessor_id",
                "assessor_role",
                "session_id",
                "assessed_on",
                "comment",
                "evidence",
                "created_at",
            ],
            assessments(),
        )
        through = Assessment._meta.get_field("criteria_met").remote_field.through
        w.write(
            through,
            ["assessment_id", "criterion_id"],
            ((a0 + p, criterion) for p, criterion in self.criteria_rows),
        )
        w.write(
            AssessmentReview,
            [
                "assessment_id",
                "decision",
                "reviewer_id",
                "replacement_id",
                "comment",
                "reviewed_at",
            ],
            (
                (
                    a0 + position,
                    decision,
                    U0 + reviewer,
                    None if replacement is None else a0 + replacement,
                    "" if decision == ReviewDecision.CONFIRMED else "Niveau revu après entretien.",
                    reviewed_at,
                )
                for position, decision, reviewer, replacement, reviewed_at in self.reviews
            ),
        )
        level_ids = {rank: level.pk for rank, level in self.ref.levels.items()}
        lineages = [c.lineage for c in self.ref.competences]

        def statuses():
            for key in sorted(self.status):
                position = self.status[key]
                user, comp = divmod(key, 64)
                rank = self.a_rank[position]
                yield (
                    U0 + user,
                    lineages[comp],
                    comp_ids[self.a_comp[position]],
                    level_ids[rank],
                    rank,
                    a0 + position,
                    datetime.date.fromordinal(self.a_day[position]),
                    self.status_changed[key],
                )

        w.write(
            CompetenceStatus,
            [
                "user_id",
                "lineage",
                "competence_id",
                "level_id",
                "level_rank",
                "assessment_id",
                "assessed_on",
                "changed_at",
            ],
            statuses(),
        )
        del hub

    def _write_certificates(self):
        w, U0, ref = self.writer, self.U0, self.ref
        w.write(
            Enrollment,
            [
                "id",
                "user_id",
                "pathway_id",
                "rule_set_id",
                "status",
                "enrolled_at",
                "enrolled_by_id",
                "status_changed_at",
                "withdrawal_reason",
            ],
            self.enrollments,
        )
        holder_fields = [
            "holder_name",
            "holder_function",
            "holder_commune_code",
            "holder_commune_name",
            "holder_departement_code",
            "holder_region_code",
            "holder_structure_id",
            "holder_structure_kind",
        ]
        common = [
            "id",
            "enrollment_id",
            "rule_set_id",
            "basis",
            "decided_on",
            "valid_until",
            "decided_at",
            "evidence",
            *holder_fields,
            "is_current",
            "renews_id",
        ]

        def rows(kind):
            for index in self.selected:
                decision = self.decisions[index]
                if decision["kind"] != kind:
                    continue
                pathway = ref.pathways[decision["pathway"]]
                decided_on = datetime.date.fromordinal(decision["day"])
                holder = self._holder(decision["user"])
                row = (
                    self.decision_id[index],
                    self.enrollment_of_pair[decision["pair"]],
                    pathway["rule_set"].pk,
                    DecisionBasis.RULES,
                    decided_on,
                    validity_end(decided_on, pathway["validity"]),
                    decision["at"],
                    self._evidence(decision),
                    *(holder[name] for name in holder_fields),
                    decision["current"],
                    None if decision["renews"] is None else self.decision_id[decision["renews"]],
                )
                if kind == "bloc":
                    row += (
                        ref.blocs[decision["bloc"]].pk,
                        ref.blocs[decision["bloc"]].lineage,
                        self.peer_accreditation[index],
                    )
                yield row

        w.write(
            BlocValidation,
            [*common, "bloc_id", "bloc_lineage", "peer_accreditation_id"],
            rows("bloc"),
        )
        w.write(PathwayCertification, common, rows("pathway"))
        through = PathwayCertification._meta.get_field("bloc_validations").remote_field.through
        w.write(
            through,
            ["pathwaycertification_id", "blocvalidation_id"],
            (
                (self.decision_id[index], self.decision_id[v])
                for index in self.selected
                if self.decisions[index]["kind"] == "pathway"
                for v in self.decisions[index]["validations"]
            ),
        )
        # The expiry reminders the nightly sweep has already sent (60 and 15 days before).
        today = self.today.toordinal()

        def reminders():
            for index in self.selected:
                decision = self.decisions[index]
                if decision["kind"] != "pathway" or not decision["current"]:
                    continue
                left = decision["until"] - today
                for days_before in REMINDER_DAYS:
                    if 0 < left <= days_before:
                        day = datetime.date.fromordinal(decision["until"] - days_before)
                        yield (self.decision_id[index], days_before, at(day, 2, 30))

        w.write(ExpiryReminder, ["certification_id", "days_before", "sent_at"], reminders())
        w.write(
            Attestation,
            [
                "id",
                "kind",
                "serial",
                "verification_code",
                "template",
                "facts",
                "pdf",
                "sha256",
                "key_id",
                "credential",
                "status_index",
                "issued_at",
                "valid_until",
                "status",
                "status_changed_at",
                "status_reason",
                "show_details",
                "holder_id",
                "session_id",
                "status_changed_by_id",
                "bloc_validation_id",
                "certification_id",
            ],
            self.attestation_rows,
        )
        del U0

    def _finish(self):
        for name, last in sorted(self.counters.items()):
            updated = Counter.objects.filter(name=name).update(last=last)
            if not updated:
                Counter.objects.create(name=name, last=last)
        statements = connection.ops.sequence_reset_sql(no_style(), self.writer.models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                for model in self.writer.models:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.samples = self._samples()

    def _samples(self):
        """A few accounts worth logging in as (all share PASSWORD)."""
        email = [row[3] for row in self.user_rows]
        busiest = defaultdict(int)
        for row in self.registrations:
            busiest[row[2]] += 1
        mediator = max(busiest, key=lambda u: (busiest[u], -u)) if busiest else 0
        peer = next((s["trainers"][0] for s in reversed(self.sessions) if s.get("is_peer")), None)
        everything = next(
            i
            for i in self.trainers_by_bloc[0]
            if all((i, b) in self.hub_accreditation for b in range(len(self.ref.blocs)))
        )
        samples = {
            "hub": HUB_EMAIL,
            "trainer": email[everything],
            "mediator": email[mediator],
        }
        if peer is not None:
            samples["peer trainer"] = email[peer]
        return samples


def _due_for_renewal(decision, day, fresh_since):
    """certificates.services.decisions._due_for_renewal, on ordinals."""
    return decision["until"] - day <= RENEWAL_WINDOW.days and fresh_since > decision["day"]


def _cumulative(weights):
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _adjust_total(rng, values, target, low, high):
    """Nudge values (each within [low, high], high a number or a list) until they sum to target."""
    total = sum(values)
    n = len(values)
    highs = high if isinstance(high, list) else [high] * n
    guard = 0
    while total != target:
        i = rng.randrange(n)
        if total < target and values[i] < highs[i]:
            values[i] += 1
            total += 1
        elif total > target and values[i] > low:
            values[i] -= 1
            total -= 1
        guard += 1
        if guard > 50 * n + 10 * abs(target):
            raise BenchError("Cannot reach the exact total asked (bounds too tight).")


class _Weekdays:
    """Working days (Monday to Friday) as ordinals."""

    def __init__(self, first, last):
        self.days = [
            d
            for d in range(first.toordinal(), last.toordinal() + 1)
            if datetime.date.fromordinal(d).weekday() < 5
        ]

    def random_between(self, rng, first, last, length):
        low = bisect.bisect_left(self.days, first.toordinal())
        high = bisect.bisect_right(self.days, last.toordinal()) - length
        return self.days[rng.randint(low, max(low, high))]

    def run(self, start, length):
        position = bisect.bisect_left(self.days, start)
        return self.days[position : position + length]


def generate(*, scale, seed=1, log=None):
    """Build the bench network of `scale` (a Scale or its name) in the default database.
    Returns the Generator: `writer.counts` (rows written per table), `timer.steps`, `samples`
    (logins worth trying)."""
    if isinstance(scale, str):
        scale = SCALES[scale]
    return Generator(scale, seed=seed, log=log).run()
