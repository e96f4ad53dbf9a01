"""Assessments: append-only, by a trainer of the session, a participant's self-assessment, and an
accredited trainer's review (confirmation or override) of a peer trainer's assessment."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from competences.models import VersionStatus
from core.audit import log_action
from core.exceptions import DomainError, DomainErrors
from core.uploads import document_type, safe_file_name

from ..models import (
    MAX_EVIDENCE_FILES,
    Assessment,
    AssessmentEvidenceFile,
    AssessmentMethod,
    AssessmentReview,
    AssessorRole,
    Registration,
    RegistrationStatus,
    ReviewDecision,
)
from ..permissions import trainer_role_for
from ..selectors.sessions import is_session_trainer
from .session_rules import ensure_session_open, full_clean_or_error, lock_open_session
from .status import competence_status_refresh_for


def _ensure_level_in_scale(level, version_id):
    if level is None or level.version_id != version_id:
        raise DomainError(
            _("Ce niveau ne fait pas partie de l'échelle du référentiel."),
            "level_out_of_scale",
            field="level",
        )


def _ensure_criteria_of(criteria, competence):
    for criterion in criteria:
        if criterion.competence_id != competence.pk:
            raise DomainError(
                _("Le critère « %(code)s » n'appartient pas à cette compétence.")
                % {"code": criterion.code},
                "criterion_not_of_competence",
                field="criteria",
            )


def _save(assessment, criteria):
    full_clean_or_error(assessment)
    assessment.save()
    if criteria:
        assessment.criteria_met.set(criteria)
    return assessment


def _check_evidence_files(files):
    """Evidence files are checked before anything is written: every refusal at once, naming
    the file."""
    if len(files) > MAX_EVIDENCE_FILES:
        raise DomainError(
            _("Joignez au plus %(n)s fichiers à une évaluation.") % {"n": MAX_EVIDENCE_FILES},
            "too_many_evidence_files",
            field="evidence_files",
        )
    types, errors = [], []
    for upload in files:
        try:
            types.append(document_type(upload))
        except ValidationError as error:
            errors.append(
                DomainError(error.messages[0], "evidence_file_invalid", field="evidence_files")
            )
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)
    return types


def _attach_evidence_files(assessment, files, types):
    for upload, content_type in zip(files, types, strict=True):
        name = safe_file_name(upload.name)
        evidence_file = AssessmentEvidenceFile(
            assessment=assessment, name=name, content_type=content_type, size=upload.size
        )
        evidence_file.file.save(name, upload, save=False)
        evidence_file.save()


def assessment_record(
    *,
    actor,
    session,
    participant,
    competence,
    level,
    criteria=(),
    method,
    assessed_on,
    comment="",
    evidence="",
    evidence_files=(),
):
    """A trainer of the session assesses a registered participant on a targeted competence.

    Everything is checked under the session's lock (a registration cancelled, a trainer removed
    or the session closed meanwhile is seen), then the person's status is brought up to date in
    the same transaction."""
    criteria = list(criteria)
    evidence_files = list(evidence_files)
    file_types = _check_evidence_files(evidence_files)
    ensure_session_open(session)
    with transaction.atomic():
        lock_open_session(session)
        role = _check_record(
            actor=actor,
            session=session,
            participant=participant,
            competence=competence,
            level=level,
            criteria=criteria,
            method=method,
            assessed_on=assessed_on,
        )
        assessment = _save(
            Assessment(
                participant=participant,
                competence=competence,
                level=level,
                method=method,
                assessor=actor,
                assessor_role=role,
                session=session,
                assessed_on=assessed_on,
                comment=comment,
                evidence=evidence,
            ),
            criteria,
        )
        _attach_evidence_files(assessment, evidence_files, file_types)
        competence_status_refresh_for(assessment)
        log_action(
            actor=actor,
            action="assessment.record",
            target=assessment,
            session=session.pk,
            participant=participant.pk,
            competence=competence.code,
            level=level.rank,
            role=role,
            evidence_files=len(evidence_files),
        )
    return assessment


def _check_record(*, actor, session, participant, competence, level, criteria, method, assessed_on):
    """Refuse an assessment that may not be recorded; return the assessor's role."""
    if not is_session_trainer(actor, session):
        raise DomainError(
            _("Seuls les formateurs de la session peuvent l'évaluer."), "not_session_trainer"
        )
    if not session.competences.filter(pk=competence.pk).exists():
        raise DomainError(
            _("La compétence %(code)s n'est pas visée par cette session.")
            % {"code": competence.code},
            "competence_not_targeted",
            field="competence",
        )
    if participant.pk == actor.pk:
        # Recorded as a trainer's assessment it would count: one's own level is a
        # self-assessment, which never does.
        raise DomainError(
            _("Vous ne pouvez pas vous évaluer vous-même : utilisez l'auto-positionnement."),
            "assessor_is_participant",
            field="participant",
        )
    if not Registration.objects.filter(
        session=session, user=participant, status=RegistrationStatus.REGISTERED
    ).exists():
        raise DomainError(
            _("Cette personne n'est pas inscrite à la session."),
            "participant_not_registered",
            field="participant",
        )
    _ensure_level_in_scale(level, session.version_id)
    _ensure_criteria_of(criteria, competence)
    if method not in AssessmentMethod.values or method == AssessmentMethod.SELF:
        raise DomainError(
            _("Choisissez une méthode d'évaluation."), "invalid_method", field="method"
        )
    today = timezone.localdate()
    if assessed_on is None or assessed_on > today:
        raise DomainError(
            _("La date de l'évaluation ne peut pas être dans le futur."),
            "assessed_in_future",
            field="assessed_on",
        )
    if session.starts_at and assessed_on < timezone.localdate(session.starts_at):
        raise DomainError(
            _("La date de l'évaluation ne peut pas précéder le début de la session."),
            "assessed_before_session",
            field="assessed_on",
        )
    # Checked on the day assessed (within the session, up to today), like the session's own
    # dates: an accreditation ending with the session still covers assessments recorded after.
    role = trainer_role_for(actor, competence.bloc, assessed_on)
    if role is None:
        raise DomainError(
            _(
                "Vous n'étiez ni habilité·e ni certifié·e sur le bloc %(bloc)s le %(day)s : vous "
                "ne pouvez pas évaluer ses compétences à cette date."
            )
            % {
                "bloc": competence.bloc.code,
                "day": formats.date_format(assessed_on, "SHORT_DATE_FORMAT"),
            },
            "not_allowed_for_bloc",
            field="assessed_on",
        )
    return role


def self_assessment_record(*, actor, competence, level, criteria=(), comment="", session=None):
    """A mediator positions themselves on a competence of a published version. Never counts."""
    criteria = list(criteria)
    if competence.version.status != VersionStatus.PUBLISHED:
        raise DomainError(
            _("Cette compétence n'appartient pas à une version publiée du référentiel."),
            "version_not_published",
            field="competence",
        )
    _ensure_level_in_scale(level, competence.version_id)
    _ensure_criteria_of(criteria, competence)
    if session is not None:
        ensure_session_open(session)
        if (
            not Registration.objects.filter(session=session, user=actor)
            .exclude(status=RegistrationStatus.CANCELLED)
            .exists()
        ):
            raise DomainError(
                _("Vous n'êtes pas inscrit·e à cette session."), "not_registered", field="session"
            )
        if not session.competences.filter(pk=competence.pk).exists():
            raise DomainError(
                _("La compétence %(code)s n'est pas visée par cette session.")
                % {"code": competence.code},
                "competence_not_targeted",
                field="competence",
            )
    with transaction.atomic():
        if session is not None:
            lock_open_session(session)
        assessment = _save(
            Assessment(
                participant=actor,
                competence=competence,
                level=level,
                method=AssessmentMethod.SELF,
                assessor=actor,
                assessor_role=AssessorRole.SELF,
                session=session,
                assessed_on=timezone.localdate(),
                comment=comment,
            ),
            criteria,
        )
        log_action(
            actor=actor,
            action="assessment.self_record",
            target=assessment,
            competence=competence.code,
            level=level.rank,
            session=session.pk if session else None,
        )
    return assessment


def assessment_review(
    *,
    actor,
    assessment,
    decision,
    comment="",
    replacement_level=None,
    replacement_criteria=(),
    replacement_method=None,
):
    """An accredited trainer confirms a peer trainer's assessment or overrides it with their own.

    Both are kept: the review links the original and, on override, the replacement. Reviews stay
    possible once the session is closed, since confirmation usually comes after it.
    """
    replacement_criteria = list(replacement_criteria)
    if decision not in ReviewDecision.values:
        raise DomainError(_("Décision inconnue."), "invalid_decision", field="decision")
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update(of=("self",))
            .select_related("competence__bloc__version", "session")
            .get(pk=assessment.pk)
        )
        if assessment.assessor_role != AssessorRole.PEER:
            raise DomainError(
                _("Seules les évaluations faites par un formateur pair sont à confirmer."),
                "not_peer_assessment",
            )
        if AssessmentReview.objects.filter(assessment=assessment).exists():
            raise DomainError(_("Cette évaluation a déjà été relue."), "already_reviewed")
        if assessment.assessor_id == actor.pk:
            raise DomainError(
                _("Vous ne pouvez pas confirmer votre propre évaluation."), "reviewer_is_assessor"
            )
        if assessment.participant_id == actor.pk:
            raise DomainError(
                _("Vous ne pouvez pas relire une évaluation qui vous concerne."),
                "reviewer_is_participant",
            )
        competence = assessment.competence
        if (
            trainer_role_for(actor, competence.bloc, timezone.localdate())
            != AssessorRole.ACCREDITED
        ):
            raise DomainError(
                _(
                    "Seul un formateur habilité sur le bloc %(bloc)s peut confirmer "
                    "cette évaluation."
                )
                % {"bloc": competence.bloc.code},
                "reviewer_not_accredited",
            )
        replacement = None
        if decision == ReviewDecision.OVERRIDDEN:
            if replacement_level is None:
                raise DomainError(
                    _("Indiquez le niveau qui remplace celui du formateur pair."),
                    "replacement_level_required",
                    field="replacement_level",
                )
            _ensure_level_in_scale(replacement_level, competence.version_id)
            _ensure_criteria_of(replacement_criteria, competence)
            method = replacement_method or assessment.method
            if method not in AssessmentMethod.values or method == AssessmentMethod.SELF:
                raise DomainError(
                    _("Choisissez une méthode d'évaluation."), "invalid_method", field="method"
                )
            replacement = _save(
                Assessment(
                    participant=assessment.participant,
                    competence=competence,
                    level=replacement_level,
                    method=method,
                    assessor=actor,
                    assessor_role=AssessorRole.ACCREDITED,
                    session=assessment.session,
                    assessed_on=timezone.localdate(),
                    comment=comment,
                ),
                replacement_criteria,
            )
        review = AssessmentReview(
            assessment=assessment,
            decision=decision,
            reviewer=actor,
            replacement=replacement,
            comment=comment,
        )
        review.full_clean()
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError as error:
            raise DomainError(
                _("Cette évaluation a déjà été relue."), "already_reviewed"
            ) from error
        competence_status_refresh_for(assessment)
        log_action(
            actor=actor,
            action=f"assessment.review_{decision}",
            target=assessment,
            replacement=replacement.pk if replacement else None,
        )
    return review
