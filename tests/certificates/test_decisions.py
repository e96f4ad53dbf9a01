import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils import timezone

from certificates import services
from certificates.models import (
    BlocValidation,
    DecisionBasis,
    Enrollment,
    EnrollmentStatus,
    PathwayCertification,
)
from certificates.services.decisions import validity_end
from certificates.services.sweep import certifications_sweep
from competences import services as competence_services
from competences.models import VersionStatus
from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories
from trainings.models import (
    AccreditationSource,
    Assessment,
    AssessorRole,
    CompetenceStatus,
    SessionStatus,
)
from trainings.permissions import trainer_role_for

from .conftest import assess, assess_all, attend_all

pytestmark = pytest.mark.django_db


def enrol(world, user=None):
    user = user or world.person
    return services.enrollment_create(actor=user, user=user, pathway=world.pathway)


def decide(enrollment, today=None):
    return services.enrollment_decide(enrollment_id=enrollment.pk, today=today)


def age(days):
    """Move every assessment and decision `days` back in time, as if they had been made then."""
    delta = datetime.timedelta(days=days)
    Assessment.objects.update(assessed_on=F("assessed_on") - delta)
    CompetenceStatus.objects.update(assessed_on=F("assessed_on") - delta)
    for model in (BlocValidation, PathwayCertification):
        model.objects.update(
            decided_on=F("decided_on") - delta, valid_until=F("valid_until") - delta
        )


def proof():
    return SimpleUploadedFile("pix.pdf", b"%PDF-1.4 certificat Pix", content_type="application/pdf")


def test_nothing_is_decided_before_the_evidence(world):
    enrollment = enrol(world)
    assert enrollment.rule_set.number == 1
    assert decide(enrollment) == []
    assert Enrollment.objects.get().status == EnrollmentStatus.IN_PROGRESS


def test_bloc_then_pathway_once_hours_are_reached(world):
    enrollment = enrol(world)
    assessments = assess_all(world)
    (validation,) = decide(enrollment)
    assert isinstance(validation, BlocValidation)
    assert validation.basis == DecisionBasis.RULES and validation.rule_set == enrollment.rule_set
    assert validation.holder_name == world.person.get_full_name()
    assert validation.valid_until == validity_end(timezone.localdate(), 12)
    assert [c["assessment"] for c in validation.evidence["competences"]] == [
        a.pk for a in assessments
    ]
    # Validating a bloc makes its holder a peer trainer for it, as data trainings reads.
    assert validation.peer_accreditation.source == AccreditationSource.CERTIFICATION
    assert trainer_role_for(world.person, world.bloc) == AssessorRole.PEER
    # 0 h of 7 h: no certification yet.
    assert not PathwayCertification.objects.exists()

    attend_all(world)
    (certification,) = decide(enrollment)
    assert list(certification.bloc_validations.all()) == [validation]
    assert certification.evidence["hours"]["total"] == "7"
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CERTIFIED
    assert decide(enrollment) == []  # idempotent
    assert BlocValidation.objects.count() == PathwayCertification.objects.count() == 1


def test_a_lower_later_assessment_keeps_the_bloc_unvalidated(world):
    enrollment = enrol(world)
    assess_all(world)
    assess(world, world.competences[0], rank=2)
    assert decide(enrollment) == []


def test_an_assessment_typed_late_does_not_replace_a_newer_one(world):
    enrollment = enrol(world)
    first, *others = world.competences
    for competence in others:
        assess(world, competence)
    assess(world, first, rank=3)
    # Entered afterwards, but assessed a few days earlier: the newer "acquis" stays in force.
    assess(world, first, rank=2, assessed_on=timezone.localdate() - datetime.timedelta(days=3))
    (validation,) = decide(enrollment)
    assert validation.evidence["competences"][0]["level_rank"] == 3


def test_hours_of_cancelled_and_draft_sessions_do_not_count(world):
    enrollment = enrol(world)
    assess_all(world)
    attend_all(world)
    type(world.session).objects.filter(pk=world.session.pk).update(status=SessionStatus.CANCELLED)
    decided = decide(enrollment)
    assert [type(d) for d in decided] == [BlocValidation]


def test_enrolment_bad_input(world):
    enrollment = enrol(world)
    with pytest.raises(DomainError) as error:
        enrol(world)
    assert error.value.code == "already_enrolled"
    stranger = factories.UserFactory()
    with pytest.raises(DomainError) as error:
        services.enrollment_create(actor=stranger, user=world.person, pathway=world.pathway)
    assert error.value.code == "not_allowed"
    services.enrollment_withdraw(actor=world.person, enrollment=enrollment, reason="Changement")
    with pytest.raises(DomainError) as error:
        services.enrollment_withdraw(actor=world.person, enrollment=enrollment)
    assert error.value.code == "already_withdrawn"
    # After a withdrawal one may enrol again.
    assert enrol(world).status == EnrollmentStatus.IN_PROGRESS


def test_the_hub_enrols_a_list_all_or_nothing(world):
    people = [factories.UserFactory() for _ in range(3)]
    enrol(world, people[1])
    with pytest.raises(DomainError) as error:
        services.enrollment_create_many(actor=world.hub, users=people, pathway=world.pathway)
    assert error.value.code == "already_enrolled"
    assert people[1].get_full_name() in error.value.message
    assert Enrollment.objects.count() == 1
    others = [people[0], people[2]]
    assert (
        len(services.enrollment_create_many(actor=world.hub, users=others, pathway=world.pathway))
        == 2
    )


def test_closed_pathways_refuse_enrolments(world):
    world.pathway.is_active = False
    world.pathway.save()
    with pytest.raises(DomainError) as error:
        enrol(world)
    assert error.value.code == "pathway_closed"


def test_editing_a_pathway_makes_a_new_rule_set_and_enrolments_keep_theirs(world):
    enrollment = enrol(world)
    competence_services.pathway_update(
        actor=world.hub, pathway=world.pathway, min_attended_hours=14
    )
    newer = world.pathway.rule_sets.get(number=2)
    enrollment.refresh_from_db()
    assert enrollment.rule_set.number == 1 and enrollment.rule_set.min_attended_hours == 7
    # The same edit again changes no rule: no third rule set.
    competence_services.pathway_update(actor=world.hub, pathway=world.pathway, title="Socle (2)")
    assert world.pathway.rule_sets.count() == 2

    with pytest.raises(DomainError) as error:
        services.enrollment_move(actor=world.person, enrollment=enrollment, rule_set=newer)
    assert error.value.code == "not_allowed"
    services.enrollment_move(actor=world.hub, enrollment=enrollment, rule_set=newer)
    enrollment.refresh_from_db()
    assert enrollment.rule_set == newer
    assert AuditLog.objects.filter(action="enrollment.move_rule_set").count() == 1
    with pytest.raises(DomainError) as error:
        services.enrollment_move(actor=world.hub, enrollment=enrollment, rule_set=newer)
    assert error.value.code == "same_rule_set"

    other = factories.make_pathway(world.version, code="autre")
    other_rule_set = competence_services.rule_sets.pathway_rule_set(other)
    with pytest.raises(DomainError) as error:
        services.enrollment_move(actor=world.hub, enrollment=enrollment, rule_set=other_rule_set)
    assert error.value.code == "rule_set_other_pathway"
    enrollment.refresh_from_db()
    assert enrollment.rule_set == newer


def test_decisions_keep_the_rule_set_they_applied(world):
    enrollment = enrol(world)
    assess_all(world)
    attend_all(world)
    decide(enrollment)
    competence_services.pathway_update(
        actor=world.hub, pathway=world.pathway, min_attended_hours=30
    )
    certification = PathwayCertification.objects.get()
    assert certification.rule_set.number == 1
    assert certification.rule_set.rules["min_attended_hours"] == "7.00"


def test_manual_validation_needs_a_reason_and_a_proof(world):
    enrollment = enrol(world)
    for kwargs, code in [
        ({"reason": "", "proof": proof()}, "reason_required"),
        ({"reason": "Pix", "proof": None}, "proof_required"),
    ]:
        with pytest.raises(DomainError) as error:
            services.decision_validate_manually(
                actor=world.hub, enrollment=enrollment, bloc=world.bloc, **kwargs
            )
        assert error.value.code == code
    with pytest.raises(DomainError) as error:
        services.decision_validate_manually(
            actor=world.person, enrollment=enrollment, bloc=world.bloc, reason="x", proof=proof()
        )
    assert error.value.code == "not_allowed"
    assert not BlocValidation.objects.exists()

    validation = services.decision_validate_manually(
        actor=world.hub,
        enrollment=enrollment,
        bloc=world.bloc,
        reason="Certification Pix niveau avancé",
        proof=proof(),
        recognised="Pix — 4 domaines",
        competences=world.competences[:2],
    )
    assert validation.basis == DecisionBasis.MANUAL and validation.decided_by == world.hub
    assert validation.evidence["recognised"] == "Pix — 4 domaines"
    assert validation.proof.read().startswith(b"%PDF")
    assert AuditLog.objects.filter(action="decision.bloc_validate").count() == 1


def test_no_decision_on_a_retired_version(world):
    enrollment = enrol(world)
    assess_all(world)
    type(world.version).objects.filter(pk=world.version.pk).update(status=VersionStatus.RETIRED)
    assert decide(enrollment) == []
    with pytest.raises(DomainError) as error:
        services.decision_validate_manually(
            actor=world.hub, enrollment=enrollment, bloc=world.bloc, reason="x", proof=proof()
        )
    assert error.value.code == "version_retired"


def test_withdrawal_is_kept_ends_the_peer_right_and_is_not_undone_on_the_same_evidence(world):
    enrollment = enrol(world)
    assess_all(world)
    (validation,) = decide(enrollment)
    with pytest.raises(DomainError) as error:
        services.decision_withdraw(actor=world.hub, decision=validation, reason=" ")
    assert error.value.code == "reason_required"
    services.decision_withdraw(actor=world.hub, decision=validation, reason="Erreur de saisie")
    validation.refresh_from_db()
    assert validation.is_withdrawn and not validation.is_current
    assert trainer_role_for(world.person, world.bloc) is None
    with pytest.raises(DomainError) as error:
        services.decision_withdraw(actor=world.hub, decision=validation, reason="Encore")
    assert error.value.code == "already_withdrawn"
    assert decide(enrollment) == []

    # Evidence newer than the withdrawal is judged again.
    type(validation).objects.filter(pk=validation.pk).update(
        withdrawn_at=timezone.now() - datetime.timedelta(days=3)
    )
    assess(world, world.competences[0], rank=4)
    (again,) = decide(enrollment)
    assert again.is_current and again.renews is None


def test_expiry_then_renewal_on_new_evidence(world):
    enrollment = enrol(world)
    assess_all(world)
    attend_all(world)
    bloc, certification = decide(enrollment)
    age(400)
    bloc.refresh_from_db()
    certification.refresh_from_db()
    assert certification.valid_until < timezone.localdate()
    assert certifications_sweep()["decisions"] == 0
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.EXPIRED

    assess(world, world.competences[1], rank=4)
    renewed_bloc, renewed = decide(enrollment)
    assert renewed_bloc.renews == bloc and renewed.renews == certification
    bloc.refresh_from_db()
    assert not bloc.is_current
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CERTIFIED


def test_a_valid_certification_is_not_renewed_early(world):
    enrollment = enrol(world)
    assess_all(world)
    attend_all(world)
    decide(enrollment)
    age(30)
    assess(world, world.competences[1], rank=4)
    assert decide(enrollment) == []


def test_reminders_60_and_15_days_before_once_each(world, django_capture_on_commit_callbacks):
    enrollment = enrol(world)
    assess_all(world)
    attend_all(world)
    decide(enrollment)
    # Valid 12 months: decided long enough ago that it ends in 50 days.
    certification = PathwayCertification.objects.get()
    age((certification.valid_until - timezone.localdate()).days - 50)
    with django_capture_on_commit_callbacks(execute=True):
        certifications_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        certifications_sweep()
    assert len(mail.outbox) == 1
    assert "arrive à échéance" in mail.outbox[0].subject
    assert mail.outbox[0].to == [world.person.email]


def test_an_assessment_enqueues_the_decision_after_commit(
    world, django_capture_on_commit_callbacks
):
    enrol(world)
    with django_capture_on_commit_callbacks(execute=True):
        assess_all(world)
    assert BlocValidation.objects.filter(enrollment__user=world.person).count() == 1


def test_closing_a_session_enqueues_the_decisions(world, django_capture_on_commit_callbacks):
    from trainings.services.sessions import session_close

    enrollment = enrol(world)
    assess_all(world)
    attend_all(world)
    with django_capture_on_commit_callbacks(execute=True):
        session_close(actor=world.trainer, session=world.session)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CERTIFIED


def test_sweep_command_runs_now_or_enqueues(world, capsys):
    from django.core.management import call_command

    enrollment = enrol(world)
    assess_all(world)
    call_command("certifications_sweep", "--now")
    assert "1 décision(s), 0 rappel(s)." in capsys.readouterr().out
    assert BlocValidation.objects.filter(enrollment=enrollment).count() == 1
    call_command("certifications_sweep")
    assert "Tâche mise en file" in capsys.readouterr().out


def test_decisions_snapshot_the_territory_of_record_and_keep_it(world):
    from accounts.models import Commune
    from accounts.services import membership_delete, user_set_territory

    main = factories.MembershipFactory(user=world.person, function="mobile")
    factories.MembershipFactory(user=world.person)
    enrollment = enrol(world)
    assess_all(world)
    (validation,) = decide(enrollment)
    commune = main.structure.commune
    assert (validation.holder_structure, validation.holder_structure_kind) == (
        main.structure,
        main.structure.kind,
    )
    assert validation.holder_function == "mobile"
    assert (validation.holder_commune_code, validation.holder_departement_code) == (
        commune.insee_code,
        commune.departement_id,
    )
    # Changing job later does not move the decision.
    membership_delete(actor=world.person, membership=main)
    validation.refresh_from_db()
    assert validation.holder_structure == main.structure

    # Without any structure, the person's own commune is where they count.
    other = factories.UserFactory()
    user_set_territory(
        actor=other, user=other, commune=Commune.objects.get(pk="80021"), statistics_opt_out=False
    )
    factories.RegistrationFactory(session=world.session, user=other)
    world.person = other
    enrollment = enrol(world)
    assess_all(world)
    (validation,) = decide(enrollment)
    assert validation.holder_structure is None and validation.holder_function == ""
    assert (validation.holder_commune_code, validation.holder_region_code) == ("80021", "32")
