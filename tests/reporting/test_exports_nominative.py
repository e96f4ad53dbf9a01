"""Each row-per-thing export against the hand-computed network of tests/reporting/network.py
(period 1 January – 30 June 2026): its rows, the same in CSV, XLSX and JSON, people who opted
out left out (but counted in the aggregates), a head of place's rows only."""

import datetime
import json

import pytest

from certificates.models import BlocValidation, Enrollment
from reporting.models import ExportKind
from reporting.scope import ReportScope, scope_for
from reporting.selectors import statistics
from tests import factories
from trainings.models import Assessment, AssessorRole

from . import network
from .test_exports_files import normalised, period, read_back, run_export

pytestmark = pytest.mark.django_db

HUB = ReportScope(is_hub=True)
NOMINATIVE = (
    ExportKind.CERTIFICATIONS,
    ExportKind.ATTESTATIONS,
    ExportKind.ENROLLMENTS,
    ExportKind.SESSIONS,
    ExportKind.ASSESSMENTS,
)


@pytest.fixture
def net():
    return network.build()


def rows_of(kind, tmp_path, scope=HUB):
    path, total, done = run_export(kind, "json", scope, period(), tmp_path)
    data = json.loads(path.read_text("utf-8"))
    assert total == done == len(data)
    return data


def pathway_label(net):
    return f"Socle (v{net.pathway.version.number})"


def test_certifications_one_row_per_decision(net, tmp_path):
    rows = rows_of(ExportKind.CERTIFICATIONS, tmp_path)
    name = {p: p.get_full_name() for p in (net.anna, net.chloe, net.driss)}
    common = {"parcours": pathway_label(net), "fondement": "Règles du parcours"}

    def decision(kind, person, function, commune, insee, dep, structure, bloc, day, until):
        return {
            "type": kind,
            "titulaire": name[person],
            "fonction": function,
            "commune": commune,
            "code INSEE de la commune": insee,
            "département": dep,
            "région": "32",
            "type de structure": structure,
            "bloc": bloc,
            "date de la décision": day,
            "valable jusqu'au": until,
            "en vigueur": "oui",
            "retirée le": "",
            **common,
        }

    bloc, pathway = "Validation de bloc", "Certification de parcours"
    # Bruno's validation was withdrawn; Chloé's certification is from 2025.
    assert rows == [
        decision(bloc, net.anna, "Aidant numérique", "Lille", "59350", "59", "Association",
                 "B1", "2026-02-01", "2027-02-01"),
        decision(bloc, net.driss, "", "Amiens", "80021", "80", "Sans structure",
                 "B1", "2026-04-01", "2027-04-01"),
        decision(bloc, net.chloe, "Médiateur responsable de lieu", "Arras", "62041", "62",
                 "France Services", "B1", "2026-05-01", "2027-05-01"),
        decision(pathway, net.anna, "Aidant numérique", "Lille", "59350", "59", "Association",
                 "", "2026-06-01", "2026-08-01"),
    ]  # fmt: skip


def test_attestations_never_carry_the_verification_code(net, tmp_path):
    rows = rows_of(ExportKind.ATTESTATIONS, tmp_path)
    anna = net.anna.attestations.get()
    chloe = net.chloe.attestations.get()
    assert rows == [
        {
            "numéro": chloe.serial,
            "type": "Certificat de bloc de compétences",
            "nom": net.chloe.last_name,
            "prénom": "Chloé",
            "émise le": "2026-05-02 09:00",
            "statut": "Révoquée",
            "valable jusqu'au": "",
        },
        {
            "numéro": anna.serial,
            "type": "Certification de parcours",
            "nom": net.anna.last_name,
            "prénom": "Anna",
            "émise le": "2026-06-05 09:00",
            "statut": "Valide",
            "valable jusqu'au": "",
        },
    ]
    codes = {anna.verification_code, chloe.verification_code}
    for fmt in ("csv", "xlsx", "json"):
        path, _total, _done = run_export(ExportKind.ATTESTATIONS, fmt, HUB, period(), tmp_path)
        assert not any(code.encode() in path.read_bytes() for code in codes)


def test_enrolments_and_progress(net, tmp_path):
    rows = rows_of(ExportKind.ENROLLMENTS, tmp_path)
    expected = [
        [net.anna, "Espace Lille", "En cours", 1, "2026-06-01"],
        [net.bruno, "Espace Lille", "En cours", 0, ""],  # his validation was withdrawn
        [net.chloe, "France Services Arras", "En cours", 1, ""],  # certification not current
        [net.driss, "", "En cours", 1, ""],
    ]
    expected.sort(key=lambda e: (e[0].last_name, e[0].first_name))
    assert rows == [
        {
            "nom": person.last_name,
            "prénom": person.first_name,
            "structure": structure,
            "parcours": pathway_label(net),
            "statut": status,
            "inscrit·e le": "2025-09-01",
            "blocs validés": validated,
            "blocs du parcours": 1,
            "certifié·e le": certified,
        }
        for person, structure, status, validated, certified in expected
    ]


def test_sessions_with_hours_and_attendance(net, tmp_path):
    rows = rows_of(ExportKind.SESSIONS, tmp_path)
    s1 = net.sessions[1]
    # Only S1 (S0 before, S2 after, S3 cancelled): 3 registered, 2 slots of 3 h 30, 4 of 5
    # marks attended (Anna twice, Bruno once, Chloé late once) = 14 trainee-hours.
    assert rows == [
        {
            "intitulé": s1.title,
            "statut": "Clôturée",
            "début": "2026-03-10 09:00",
            "fin": "2026-03-10 17:00",
            "format": "Présentiel",
            "lieu": "Espace Lille",
            "commune": "Lille",
            "département": "59",
            "formateurs": net.trainer.get_full_name(),
            "places": 12,
            "inscrits": 3,
            "créneaux": 2,
            "heures prévues par participant": 7,
            "heures-stagiaires suivies": 14,
            "taux de présence (%)": 80,
        }
    ]


def test_assessments_without_comments_nor_self_assessments(net, tmp_path):
    Assessment.objects.filter(participant=net.anna).update(
        comment="Très à l'aise", evidence="Dossier"
    )
    rows = rows_of(ExportKind.ASSESSMENTS, tmp_path)
    level = net.version.levels.get(rank=3).label
    assert rows == [
        {
            "nom": net.anna.last_name,
            "prénom": "Anna",
            "compétence": code,
            "niveau": 3,
            "libellé du niveau": level,
            "méthode": "Observation",
            "qualité de l'évaluateur": "Formateur habilité",
            "date": "2026-03-10",
        }
        for code in ("B1.C1", "B1.C2")
    ]


@pytest.mark.parametrize("kind", NOMINATIVE)
def test_every_format_reads_back_the_same(net, kind, tmp_path):
    headers, reference = read_back("json", run_export(kind, "json", HUB, period(), tmp_path)[0])
    assert reference, kind
    for fmt in ("csv", "xlsx"):
        path, _total, _done = run_export(kind, fmt, HUB, period(), tmp_path)
        assert read_back(fmt, path)[0] == headers, fmt
        assert normalised(read_back(fmt, path)[1]) == normalised(reference), fmt


def _opted_out_records(net):
    """Eva (Lille, opted out) trained in S1, assessed, validated B1 on 1 March, attested."""
    s1 = net.sessions[1]
    factories.RegistrationFactory(session=s1, user=net.eva)
    for index in (0, 1):
        network._mark(s1, index, net.eva, "present")
    Assessment.objects.create(
        participant=net.eva,
        competence=net.bloc.competences.get(code="B1.C3"),
        level=net.version.levels.get(rank=3),
        method="observation",
        assessor=net.trainer,
        assessor_role=AssessorRole.ACCREDITED,
        session=s1,
        assessed_on=datetime.date(2026, 3, 10),
    )
    enrollment = Enrollment.objects.create(
        user=net.eva,
        pathway=net.pathway,
        rule_set=net.pathway.rule_sets.get(),
        enrolled_at=network.at(datetime.date(2025, 9, 1)),
    )
    validation = network._decision(
        BlocValidation,
        enrollment,
        datetime.date(2026, 3, 1),
        net.lille,
        "aidant",
        bloc=net.bloc,
        bloc_lineage=net.bloc.lineage,
    )
    network._attestation(
        "bloc", net.eva, network.at(datetime.date(2026, 3, 2)), bloc_validation=validation
    )


def test_people_who_opted_out_are_left_out_but_still_counted(net, tmp_path, settings):
    settings.SOCLE_STATS_SMALL_CELL = 1
    before = {kind: rows_of(kind, tmp_path) for kind in NOMINATIVE}
    _opted_out_records(net)
    for kind in NOMINATIVE:
        rows = rows_of(kind, tmp_path)
        assert net.eva.last_name not in json.dumps(rows, ensure_ascii=False), kind
        if kind != ExportKind.SESSIONS:
            assert rows == before[kind], kind
    # Sessions are not nominative: Eva is one of S1's participants.
    (s1,) = rows_of(ExportKind.SESSIONS, tmp_path)
    assert (s1["inscrits"], s1["heures-stagiaires suivies"]) == (4, 21)
    # The aggregates count her: 2 blocs validated in the Nord (Anna and Eva).
    tables = {t.slug: t for t in statistics.aggregate_tables(HUB, period())}
    nord = next(r for r in tables["par-departement"].rows if r["code"] == "59")
    assert nord["blocs"] == 2
    path, _total, _done = run_export(ExportKind.STATISTICS, "json", HUB, period(), tmp_path)
    document = json.loads(path.read_text("utf-8"))
    lines = next(t for t in document["tableaux"] if t["identifiant"] == "par-departement")
    assert next(r for r in lines["lignes"] if r["Code"] == "59")["Blocs validés"] == 2


def test_a_head_of_place_gets_their_structures_rows_only(net, tmp_path):
    scope = scope_for(net.chloe)  # responsable de lieu at Arras
    assert scope == ReportScope(is_hub=False, structure_ids=frozenset({net.arras.pk}))
    decisions = rows_of(ExportKind.CERTIFICATIONS, tmp_path, scope)
    assert [(r["titulaire"], r["date de la décision"]) for r in decisions] == [
        (net.chloe.get_full_name(), "2026-05-01")
    ]
    enrollments = rows_of(ExportKind.ENROLLMENTS, tmp_path, scope)
    assert [r["prénom"] for r in enrollments] == ["Chloé"]
    assert rows_of(ExportKind.SESSIONS, tmp_path, scope) == []  # S2 at Arras is in July
    assert rows_of(ExportKind.ASSESSMENTS, tmp_path, scope) == []
    attestations = rows_of(ExportKind.ATTESTATIONS, tmp_path, scope)
    assert [r["prénom"] for r in attestations] == ["Chloé"]


def test_the_filters_apply(net, tmp_path):
    path, _total, _done = run_export(
        ExportKind.CERTIFICATIONS,
        "json",
        HUB,
        period().__class__(start=network.START, end=network.END, departement="80"),
        tmp_path,
    )
    rows = json.loads(path.read_text("utf-8"))
    assert [r["titulaire"] for r in rows] == [net.driss.get_full_name()]


def test_writing_costs_a_constant_number_of_queries(net, tmp_path, django_assert_max_num_queries):
    def queries(kind):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            run_export(kind, "csv", HUB, period(), tmp_path)
        return len(captured)

    counted = {kind: queries(kind) for kind in NOMINATIVE}
    # Twice the sessions, participants and decisions: the same number of queries.
    s1 = net.sessions[1]
    for _ in range(3):
        other = network._session(
            net.version, net.lille, datetime.date(2026, 3, 12), "closed", [], net.trainer
        )
        factories.RegistrationFactory(session=other)
    for person in (net.anna, net.chloe):
        Assessment.objects.create(
            participant=person,
            competence=net.bloc.competences.get(code="B1.C3"),
            level=net.version.levels.get(rank=2),
            method="observation",
            assessor=net.trainer,
            assessor_role=AssessorRole.ACCREDITED,
            session=s1,
            assessed_on=datetime.date(2026, 3, 11),
        )
    for kind in NOMINATIVE:
        with django_assert_max_num_queries(counted[kind]):
            run_export(kind, "csv", HUB, period(), tmp_path)
