"""Peer training: trainer accreditations, sessions and their half-day slots, registrations with a
waiting list, attendance marks per participant and slot, and append-only assessments.

History is kept by appending: an attendance correction or a new assessment adds a row and the
previous one stays (attendance marks carry `is_current`; assessments are never updated).
"""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Structure
from competences.models import Bloc, Competence, Criterion, ProficiencyLevel, ReferentialVersion

# Free texts (comments, evidence, descriptions) are read by people: 5,000 characters is a long
# page; without a bound a 2 MB comment was stored and shown.
LONG_TEXT_MAX = 5000
LONG_TEXT = MaxLengthValidator(LONG_TEXT_MAX)


class AccreditationSource(models.TextChoices):
    HUB = "hub", _("Habilitation du hub")
    CERTIFICATION = "certification", _("Bloc validé (formateur pair)")


class TrainerAccreditation(models.Model):
    """A user may train and assess one bloc from `valid_from` to `valid_until`.

    Granted by the hub (an accredited trainer), or written by the certificates app when the user's
    validation of the bloc is recorded (a peer trainer, until the validation expires or is
    withdrawn): a row either way, so "could she train B2 on 3 March?" stays answerable.
    The bloc is a row of one referential version; the accreditation also covers the bloc with the
    same code in later versions of that referential (see trainings.permissions).
    """

    # PROTECT: an account with records is pseudonymised (privacy), never deleted with them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("formateur ou formatrice"),
        on_delete=models.PROTECT,
        related_name="accreditations",
    )
    bloc = models.ForeignKey(
        Bloc, verbose_name=_("bloc"), on_delete=models.PROTECT, related_name="accreditations"
    )
    valid_from = models.DateField(_("valable à partir du"))
    valid_until = models.DateField(_("valable jusqu'au"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accordée par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("accordée le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    note = models.TextField(_("remarque"), blank=True, validators=[LONG_TEXT])
    source = models.CharField(
        _("origine"), max_length=16, choices=AccreditationSource.choices, default="hub"
    )

    class Meta:
        verbose_name = _("habilitation de formateur")
        verbose_name_plural = _("habilitations de formateurs")
        ordering = ["user__last_name", "bloc__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="accreditation_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(source__in=AccreditationSource.values),
                name="accreditation_source_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.bloc.code}"


class TrainerInvitation(models.Model):
    """The hub invites someone without an account to become a trainer: an e-mail carries a link;
    once they have an account with the invited address, they accept and the accreditations are
    granted as the hub set them. The link is signed with the site's secret (trainings.services.
    invitations): `key` changes when the invitation is sent again, which voids the older link."""

    email = models.EmailField(_("adresse e-mail"), db_index=True)
    blocs = models.ManyToManyField(Bloc, verbose_name=_("blocs"), related_name="+")
    valid_from = models.DateField(_("valable à partir du"))
    valid_until = models.DateField(_("valable jusqu'au"))
    note = models.TextField(_("remarque"), blank=True, validators=[LONG_TEXT])
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invité·e par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    key = models.CharField(_("clé du lien"), max_length=32)
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation de formateur")
        verbose_name_plural = _("invitations de formateurs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="invitation_dates_ordered"
            ),
        ]

    def __str__(self):
        # No address here: the audit log copies this text, and must not keep one.
        return f"{_('invitation')} {self.pk}"

    @property
    def is_pending(self):
        return self.accepted_at is None and self.cancelled_at is None


class SessionFormat(models.TextChoices):
    ONSITE = "onsite", _("Présentiel")
    REMOTE = "remote", _("Distanciel")
    HYBRID = "hybrid", _("Hybride")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")
    HELD = "held", _("Réalisée")
    CLOSED = "closed", _("Clôturée")
    CANCELLED = "cancelled", _("Annulée")


# Closed or cancelled: registrations, attendance and assessments no longer change.
FROZEN_STATUSES = (SessionStatus.CLOSED, SessionStatus.CANCELLED)


class Session(models.Model):
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True, validators=[LONG_TEXT])
    objectives = models.TextField(
        _("objectifs pédagogiques"),
        blank=True,
        validators=[LONG_TEXT],
        help_text=_("Repris sur les attestations de fin de formation."),
    )
    version = models.ForeignKey(
        ReferentialVersion,
        verbose_name=_("version du référentiel"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    competences = models.ManyToManyField(
        Competence, verbose_name=_("compétences visées"), related_name="sessions"
    )
    format = models.CharField(
        _("format"), max_length=10, choices=SessionFormat.choices, default=SessionFormat.ONSITE
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name=_("lieu (structure)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    video_url = models.URLField(_("lien de visioconférence"), blank=True)
    capacity = models.PositiveSmallIntegerField(_("nombre de places"))
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("formateurs"), related_name="trained_sessions"
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancellation_reason = models.TextField(
        _("motif d'annulation"), blank=True, validators=[LONG_TEXT]
    )
    # Denormalised from the slots by the services, so lists can filter and sort without a join.
    starts_at = models.DateTimeField(_("début"), null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)

    class Meta:
        verbose_name = _("session de formation")
        verbose_name_plural = _("sessions de formation")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(format__in=SessionFormat.values), name="session_format_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self):
        return self.title

    @property
    def is_frozen(self):
        return self.status in FROZEN_STATUSES


class Slot(models.Model):
    """A time slot of a session, usually a half-day."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="slots"
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))

    class Meta:
        verbose_name = _("créneau")
        verbose_name_plural = _("créneaux")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.session} — {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration_hours(self):
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Inscrit·e")
    WAITING = "waiting", _("En liste d'attente")
    CANCELLED = "cancelled", _("Annulée")


class AttendanceMode(models.TextChoices):
    """How a participant of a hybrid session will attend (blank for the other formats)."""

    ONSITE = "onsite", _("Sur place")
    REMOTE = "remote", _("À distance")


class Registration(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="registrations"
    )
    # PROTECT, like assessments: the proofs of a training outlive any account deletion (an
    # erased person is pseudonymised instead, see privacy.services.erasure).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant·e"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    status = models.CharField(_("statut"), max_length=12, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    # The waiting list is served in order of this timestamp.
    status_changed_at = models.DateTimeField(_("statut depuis le"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ajouté·e par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    # Asked on registration to a hybrid session, so the trainer knows whom to expect in the
    # room; blank for on-site and remote sessions, and when a trainer added the person.
    attendance_mode = models.CharField(
        _("participation"), max_length=10, choices=AttendanceMode.choices, blank=True
    )

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["status_changed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=~Q(status="cancelled"),
                name="registration_one_active_per_user",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RegistrationStatus.values), name="registration_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(attendance_mode__in=["", *AttendanceMode.values]),
                name="registration_attendance_mode_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status", "status_changed_at"]),
            models.Index(fields=["status_changed_at", "id"], name="registration_changed"),
        ]

    def __str__(self):
        return f"{self.user} — {self.session} ({self.get_status_display()})"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Présent·e")
    LATE = "late", _("En retard")
    EXCUSED = "excused", _("Absent·e excusé·e")
    ABSENT = "absent", _("Absent·e")


ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class AttendanceMethod(models.TextChoices):
    TRAINER = "trainer", _("Saisie par le formateur")
    CODE = "code", _("Code de la session")
    QR = "qr", _("QR code")
    IMPORT = "import", _("Import")


class Attendance(models.Model):
    """One attendance mark. A correction appends a new current mark; the old one stays."""

    slot = models.ForeignKey(
        Slot, verbose_name=_("créneau"), on_delete=models.CASCADE, related_name="attendances"
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("inscription"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    status = models.CharField(_("présence"), max_length=10, choices=AttendanceStatus.choices)
    method = models.CharField(_("mode de saisie"), max_length=10, choices=AttendanceMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("saisie le"), auto_now_add=True)
    is_current = models.BooleanField(_("en vigueur"), default=True)

    class Meta:
        verbose_name = _("émargement")
        verbose_name_plural = _("émargements")
        ordering = ["slot", "registration", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "registration"],
                condition=Q(is_current=True),
                name="attendance_one_current_mark",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="attendance_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["slot", "registration", "-recorded_at"], name="attendance_order")
        ]

    def __str__(self):
        return f"{self.registration.user} — {self.slot} : {self.get_status_display()}"


def _new_sign_code():
    # Short enough to type on a phone; unambiguous characters only.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))


def _new_sign_token():
    return secrets.token_urlsafe(24)


class SlotSignCode(models.Model):
    """The code (and QR token) a trainer shows during a slot so participants sign themselves."""

    slot = models.OneToOneField(
        Slot, verbose_name=_("créneau"), on_delete=models.CASCADE, related_name="sign_code"
    )
    code = models.CharField(_("code"), max_length=8, default=_new_sign_code)
    token = models.CharField(_("jeton QR"), max_length=64, unique=True, default=_new_sign_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("code d'émargement")
        verbose_name_plural = _("codes d'émargement")

    def __str__(self):
        # Not the code: this text is copied into the audit log, which keeps no secret.
        return f"{self.slot} — {_('code de présence')}"


class AssessmentMethod(models.TextChoices):
    OBSERVATION = "observation", _("Observation")
    SITUATION = "situation", _("Mise en situation")
    QUIZ = "quiz", _("Quiz")
    INTERVIEW = "interview", _("Entretien")
    PORTFOLIO = "portfolio", _("Portfolio")
    SELF = "self", _("Auto-positionnement")


class AssessorRole(models.TextChoices):
    ACCREDITED = "accredited", _("Formateur habilité")
    PEER = "peer", _("Formateur pair")
    SELF = "self", _("Auto-positionnement")


class Assessment(models.Model):
    """One assessment of a participant on a competence. Never updated: a later one supersedes it.

    Self-assessments (assessor_role=self) are kept beside the others and never count. When a
    pathway requires it, a peer's assessment counts only once an AssessmentReview confirms it.
    """

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne évaluée"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    competence = models.ForeignKey(
        Competence,
        verbose_name=_("compétence"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    level = models.ForeignKey(
        ProficiencyLevel, verbose_name=_("niveau"), on_delete=models.PROTECT, related_name="+"
    )
    criteria_met = models.ManyToManyField(
        Criterion, verbose_name=_("critères observés"), blank=True, related_name="+"
    )
    method = models.CharField(_("méthode"), max_length=12, choices=AssessmentMethod.choices)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("évaluateur"),
        on_delete=models.PROTECT,
        related_name="assessments_given",
    )
    assessor_role = models.CharField(
        _("qualité de l'évaluateur"), max_length=12, choices=AssessorRole.choices
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    assessed_on = models.DateField(_("date de l'évaluation"))
    comment = models.TextField(_("commentaire"), blank=True, validators=[LONG_TEXT])
    evidence = models.TextField(_("preuves"), blank=True, validators=[LONG_TEXT])
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=AssessmentMethod.values), name="assessment_method_valid"
            ),
            # A self-assessment is the participant's own and says so; any other assessment is
            # someone else's, since it may count toward validation.
            models.CheckConstraint(
                condition=(
                    (Q(assessor_role="self") & Q(method="self") & Q(assessor=F("participant")))
                    | (~Q(assessor_role="self") & ~Q(method="self") & ~Q(assessor=F("participant")))
                ),
                name="assessment_self_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["participant", "competence", "assessed_on", "created_at"]),
            # Newest first (the admin, the hub's lists), and the queue of peer assessments to
            # confirm, oldest first: a partial index keeps it small at national scale.
            models.Index(fields=["created_at", "id"], name="assessment_created"),
            models.Index(
                fields=["created_at", "id"],
                condition=Q(assessor_role="peer"),
                name="assessment_peer_queue",
            ),
        ]

    def __str__(self):
        return f"{self.participant} — {self.competence.code} : {self.level.rank}"


class ReviewDecision(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmée")
    OVERRIDDEN = "overridden", _("Remplacée")


class AssessmentReview(models.Model):
    """An accredited trainer's confirmation of a peer's assessment, or its override by a new
    assessment (kept in `replacement`). Both the original and the review stay."""

    assessment = models.OneToOneField(
        Assessment, verbose_name=_("évaluation"), on_delete=models.PROTECT, related_name="review"
    )
    decision = models.CharField(_("décision"), max_length=12, choices=ReviewDecision.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relu par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    replacement = models.OneToOneField(
        Assessment,
        verbose_name=_("évaluation de remplacement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces_review",
    )
    comment = models.TextField(_("commentaire"), blank=True, validators=[LONG_TEXT])
    reviewed_at = models.DateTimeField(_("relue le"), auto_now_add=True)

    class Meta:
        verbose_name = _("relecture d'évaluation")
        verbose_name_plural = _("relectures d'évaluations")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(decision="confirmed", replacement__isnull=True)
                    | Q(decision="overridden", replacement__isnull=False)
                ),
                name="review_replacement_iff_overridden",
            ),
        ]

    def __str__(self):
        return f"{self.assessment} — {self.get_decision_display()}"


MAX_EVIDENCE_FILES = 3


def evidence_path(instance, filename):
    """Evidence files show people at work and their documents: a random folder, so no name can
    be guessed, served only through a view that checks who asks (never a public media URL)."""
    return f"evidence/{uuid.uuid4().hex}/{filename}"


class AssessmentEvidenceFile(models.Model):
    """A photo or document kept as evidence of an assessment (PDF, PNG or JPEG, 5 MB at most,
    MAX_EVIDENCE_FILES per assessment). Like the evidence text, the file is deleted after the
    retention period or when the person is erased; the row then remains, without a name, to
    say a file was there."""

    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("évaluation"),
        on_delete=models.PROTECT,
        related_name="evidence_files",
    )
    file = models.FileField(_("fichier"), upload_to=evidence_path, blank=True)
    name = models.CharField(_("nom du fichier"), max_length=100, blank=True)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    removed_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("fichier de preuve")
        verbose_name_plural = _("fichiers de preuve")
        ordering = ["pk"]

    def __str__(self):
        return self.name or str(_("fichier supprimé"))


class CompetenceStatus(models.Model):
    """Where a person stands on a competence lineage: the assessment that counts and its level.

    Derived data, written by trainings.services.status in the same transaction as every
    assessment, confirmation and override, and rebuilt from the append-only history by
    `manage.py rebuild_competence_status`. No row: nothing counts yet.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="competence_statuses",
    )
    lineage = models.UUIDField(_("lignée de la compétence"))
    competence = models.ForeignKey(
        Competence, verbose_name=_("compétence"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey(
        ProficiencyLevel, verbose_name=_("niveau"), on_delete=models.PROTECT, related_name="+"
    )
    level_rank = models.PositiveSmallIntegerField(_("rang du niveau"))
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("évaluation retenue"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assessed_on = models.DateField(_("évaluée le"))
    changed_at = models.DateTimeField(_("modifié le"))

    class Meta:
        verbose_name = _("niveau actuel")
        verbose_name_plural = _("niveaux actuels")
        constraints = [
            models.UniqueConstraint(fields=["user", "lineage"], name="status_one_per_lineage"),
        ]
        indexes = [models.Index(fields=["lineage", "level_rank"])]

    def __str__(self):
        return f"{self.user} — {self.competence.code} : {self.level_rank}"
