"""A small fixed network whose every figure is computed by hand in the tests.

Period under study: 1 January – 30 June 2026 (previous period of the same length: 4 July –
31 December 2025).

People: Anna (Lille, association, aidant), Bruno (Lille, mobile), Chloé (Arras, France Services,
responsable de lieu), Driss (no structure, own commune Amiens), Eva (Lille, opted out of
nominative exports).

S1 closed session at Lille, 10 March 2026, two slots of 3 h 30: Anna present twice, Bruno present
then absent, Chloé late on the first slot only → 5 marks, 4 attended, 14 trainee-hours, 3 active
mediators, 3 participants, attendance 80 %.
S2 published at Arras in July 2026 (outside), S3 cancelled in March 2026 (never counts), S0 closed
at Lille on 15 October 2025 (previous period): Anna present once → 3.5 h.
Assessments in period: two by the trainer for Anna (B1), one self-assessment by Bruno (never
counts). Decisions: bloc B1 validated for Anna (1 Feb, Lille/59), Chloé (1 May, Arras/62), Driss
(1 April, Amiens/80), Bruno's (1 March) withdrawn; Anna's pathway certified 1 June (valid until
1 August 2026), Chloé's on 20 October 2025 (previous period). Attestations: Anna's pathway one
issued 5 June, Chloé's bloc one issued 2 May and revoked 3 May.
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from accounts.models import Commune, MediatorFunction, StructureKind
from accounts.services import user_set_territory
from certificates.models import (
    Attestation,
    AttestationStatus,
    BlocValidation,
    Enrollment,
    PathwayCertification,
)
from competences import services as competence_services
from tests import factories
from tests.factories import level_of
from trainings.models import Assessment, AssessorRole, Attendance, Slot

START, END = datetime.date(2026, 1, 1), datetime.date(2026, 6, 30)
TODAY = datetime.date(2026, 7, 1)


def at(day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _session(version, structure, day, status, competences, trainer):
    session = factories.SessionFactory(
        version=version,
        structure=structure,
        status=status,
        trainers=[trainer],
        competences=competences,
    )
    for begin, end in ((at(day, 9), at(day, 12, 30)), (at(day, 13, 30), at(day, 17))):
        Slot.objects.create(session=session, starts_at=begin, ends_at=end)
    session.starts_at, session.ends_at = at(day, 9), at(day, 17)
    session.save(update_fields=["starts_at", "ends_at"])
    return session


def _mark(session, index, user, status):
    slot = session.slots.order_by("starts_at")[index]
    registration = session.registrations.get(user=user)
    Attendance.objects.create(slot=slot, registration=registration, status=status, method="trainer")


def _decision(model, enrollment, day, structure, function, **extra):
    commune = structure.commune if structure else enrollment.user.commune
    return model.objects.create(
        enrollment=enrollment,
        rule_set=enrollment.rule_set,
        basis="rules",
        decided_on=day,
        valid_until=extra.pop("valid_until", day + datetime.timedelta(days=365)),
        holder_name=enrollment.user.get_full_name(),
        holder_function=function,
        holder_structure=structure,
        holder_structure_kind=structure.kind if structure else "",
        holder_commune_code=commune.insee_code,
        holder_commune_name=commune.name,
        holder_departement_code=commune.departement_id,
        holder_region_code=commune.departement.region_id,
        **extra,
    )


_serials = iter(range(1, 1000))


def _attestation(kind, holder, issued, **subject):
    n = next(_serials)
    return Attestation.objects.create(
        kind=kind,
        holder=holder,
        serial=f"T-{n}",
        verification_code=f"CODE{n:04d}",
        template="test",
        facts={},
        pdf="attestations/test.pdf",
        sha256="0" * 64,
        key_id="test",
        status_index=n,
        issued_at=issued,
        **subject,
    )


def build():
    hub = factories.HubCoordinatorFactory()
    lille = factories.StructureFactory(name="Espace Lille")
    arras = factories.StructureFactory(
        name="France Services Arras",
        kind=StructureKind.FRANCE_SERVICES,
        commune=Commune.objects.get(insee_code="62041"),
        postal_code="62000",
    )
    anna = factories.MembershipFactory(structure=lille, user__first_name="Anna").user
    bruno = factories.MembershipFactory(
        structure=lille, function=MediatorFunction.MOBILE, user__first_name="Bruno"
    ).user
    chloe = factories.MembershipFactory(
        structure=arras, function=MediatorFunction.RESPONSABLE, user__first_name="Chloé"
    ).user
    driss = factories.UserFactory(first_name="Driss")
    user_set_territory(
        actor=driss,
        user=driss,
        commune=Commune.objects.get(insee_code="80021"),
        statistics_opt_out=False,
    )
    driss.refresh_from_db()
    eva = factories.MembershipFactory(structure=lille, user__first_name="Eva").user
    eva.statistics_opt_out = True
    eva.save(update_fields=["statistics_opt_out"])

    trainer = factories.UserFactory(first_name="Théo")
    version = factories.make_reference(blocs=2, competences=3)
    bloc = version.blocs.get(code="B1")
    competences = list(bloc.competences.order_by("order"))
    factories.AccreditationFactory(
        user=trainer,
        bloc=bloc,
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2027, 12, 31),
    )
    s1 = _session(version, lille, datetime.date(2026, 3, 10), "closed", competences, trainer)
    s2 = _session(version, arras, datetime.date(2026, 7, 5), "published", competences, trainer)
    s3 = _session(version, lille, datetime.date(2026, 3, 20), "cancelled", competences, trainer)
    s0 = _session(version, lille, datetime.date(2025, 10, 15), "closed", competences, trainer)
    for person in (anna, bruno, chloe):
        factories.RegistrationFactory(session=s1, user=person)
    factories.RegistrationFactory(session=s2, user=eva)
    factories.RegistrationFactory(session=s3, user=eva)
    factories.RegistrationFactory(session=s0, user=anna)
    _mark(s1, 0, anna, "present")
    _mark(s1, 1, anna, "present")
    _mark(s1, 0, bruno, "present")
    _mark(s1, 1, bruno, "absent")
    _mark(s1, 0, chloe, "late")
    _mark(s0, 0, anna, "present")

    acquis = level_of(version, 3)
    for competence, role, person, assessor in (
        (competences[0], AssessorRole.ACCREDITED, anna, trainer),
        (competences[1], AssessorRole.ACCREDITED, anna, trainer),
        (competences[0], AssessorRole.SELF, bruno, bruno),
    ):
        Assessment.objects.create(
            participant=person,
            competence=competence,
            level=acquis,
            method="self" if role == AssessorRole.SELF else "observation",
            assessor=assessor,
            assessor_role=role,
            session=s1,
            assessed_on=datetime.date(2026, 3, 10),
        )

    pathway = competence_services.pathway_create(
        actor=hub,
        version=version,
        code="socle",
        title="Socle",
        audience="novice",
        blocs=[bloc],
        min_attended_hours=7,
        validity_months=12,
    )
    rule_set = pathway.rule_sets.get()
    enrol = {
        person: Enrollment.objects.create(
            user=person,
            pathway=pathway,
            rule_set=rule_set,
            enrolled_at=at(datetime.date(2025, 9, 1)),
        )
        for person in (anna, bruno, chloe, driss)
    }
    lineage = {"bloc": bloc, "bloc_lineage": bloc.lineage}
    v_anna = _decision(
        BlocValidation, enrol[anna], datetime.date(2026, 2, 1), lille, "aidant", **lineage
    )
    v_chloe = _decision(
        BlocValidation, enrol[chloe], datetime.date(2026, 5, 1), arras, "responsable", **lineage
    )
    _decision(BlocValidation, enrol[driss], datetime.date(2026, 4, 1), None, "", **lineage)
    _decision(
        BlocValidation,
        enrol[bruno],
        datetime.date(2026, 3, 1),
        lille,
        "mobile",
        is_current=False,
        withdrawn_at=at(datetime.date(2026, 3, 15)),
        withdrawal_reason="Erreur de saisie",
        **lineage,
    )
    c_anna = _decision(
        PathwayCertification,
        enrol[anna],
        datetime.date(2026, 6, 1),
        lille,
        "aidant",
        valid_until=datetime.date(2026, 8, 1),
    )
    _decision(
        PathwayCertification,
        enrol[chloe],
        datetime.date(2025, 10, 20),
        arras,
        "responsable",
        is_current=False,
    )
    _attestation("pathway", anna, at(datetime.date(2026, 6, 5)), certification=c_anna)
    revoked = _attestation("bloc", chloe, at(datetime.date(2026, 5, 2)), bloc_validation=v_chloe)
    revoked.status = AttestationStatus.REVOKED
    revoked.status_changed_at = at(datetime.date(2026, 5, 3))
    revoked.save(update_fields=["status", "status_changed_at"])
    return SimpleNamespace(
        hub=hub,
        lille=lille,
        arras=arras,
        anna=anna,
        bruno=bruno,
        chloe=chloe,
        driss=driss,
        eva=eva,
        trainer=trainer,
        version=version,
        bloc=bloc,
        pathway=pathway,
        sessions=(s0, s1, s2, s3),
        validation_anna=v_anna,
    )
