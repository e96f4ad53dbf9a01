"""Enrolments in certifying pathways and the decisions taken on them: bloc validations and pathway
certifications.

A decision is frozen once recorded: it keeps the rule set it applied, the evidence it rests on
(assessments and levels, hours per session) and the holder's name and territory of record on
that day. It can later stop being current once, by a renewal (a newer decision replaces it) or a
withdrawal (reason kept); nothing else of it changes.
"""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_siret
from competences.models import Bloc, Pathway, PathwayRuleSet
from trainings.models import TrainerAccreditation


class EnrollmentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("En cours")
    CERTIFIED = "certified", _("Certifié·e")
    EXPIRED = "expired", _("Certification expirée")
    WITHDRAWN = "withdrawn", _("Retiré·e du parcours")


class Enrollment(models.Model):
    """A person follows a pathway under one rule set until the hub moves them to another."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    pathway = models.ForeignKey(
        Pathway, verbose_name=_("parcours"), on_delete=models.PROTECT, related_name="enrollments"
    )
    rule_set = models.ForeignKey(
        PathwayRuleSet,
        verbose_name=_("règles appliquées"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.IN_PROGRESS,
    )
    enrolled_at = models.DateTimeField(_("inscrit·e le"), default=timezone.now)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inscrit·e par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_changed_at = models.DateTimeField(_("statut depuis le"), default=timezone.now)
    withdrawal_reason = models.TextField(_("motif du retrait"), blank=True)

    class Meta:
        verbose_name = _("inscription à un parcours")
        verbose_name_plural = _("inscriptions aux parcours")
        ordering = ["-enrolled_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "pathway"],
                condition=~Q(status="withdrawn"),
                name="enrollment_one_active_per_pathway",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EnrollmentStatus.values), name="enrollment_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["pathway", "status"])]

    def __str__(self):
        return f"{self.user} — {self.pathway} ({self.get_status_display()})"

    @property
    def is_active(self):
        return self.status != EnrollmentStatus.WITHDRAWN


def proof_path(instance, filename):
    """Proofs are personal documents: a random folder, so no name can be guessed, and only the
    hub downloads them, through a view that checks who asks (never a public media URL)."""
    return f"decisions/{uuid.uuid4().hex}/{filename}"


class DecisionBasis(models.TextChoices):
    RULES = "rules", _("Règles du parcours")
    MANUAL = "manual", _("Validation manuelle du hub")


class Decision(models.Model):
    """What bloc validations and pathway certifications share."""

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("inscription"),
        on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    rule_set = models.ForeignKey(
        PathwayRuleSet,
        verbose_name=_("règles appliquées"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    basis = models.CharField(_("fondement"), max_length=8, choices=DecisionBasis.choices)
    decided_on = models.DateField(_("date de la décision"))
    valid_until = models.DateField(_("valable jusqu'au"))
    decided_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("motif"), blank=True)
    proof = models.FileField(_("justificatif"), upload_to=proof_path, blank=True)
    # The facts the decision rests on, as they were: assessments (id, competence, level, date,
    # assessor's role), hours per session, and for a manual decision what was recognised.
    evidence = models.JSONField(_("éléments de preuve"), default=dict)
    holder_name = models.CharField(_("titulaire"), max_length=301)
    holder_function = models.CharField(_("fonction du titulaire"), max_length=20, blank=True)
    holder_commune_code = models.CharField(_("commune (INSEE)"), max_length=5, blank=True)
    holder_commune_name = models.CharField(_("commune"), max_length=100, blank=True)
    holder_departement_code = models.CharField(_("département"), max_length=3, blank=True)
    holder_region_code = models.CharField(_("région"), max_length=3, blank=True)
    # The structure the holder was counted in (their main attachment) and its kind, at that date:
    # a head of place's figures and the breakdown by kind of structure read these.
    holder_structure = models.ForeignKey(
        "accounts.Structure",
        verbose_name=_("structure du titulaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    holder_structure_kind = models.CharField(
        _("type de structure du titulaire"), max_length=20, blank=True
    )
    is_current = models.BooleanField(_("en vigueur"), default=True)
    renews = models.OneToOneField(
        "self",
        verbose_name=_("renouvelle"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewed_by",
    )
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retirée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("motif du retrait"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    def is_valid_on(self, day):
        return not self.is_withdrawn and self.decided_on <= day <= self.valid_until


def _decision_constraints(prefix):
    return [
        models.CheckConstraint(
            condition=Q(basis__in=DecisionBasis.values), name=f"{prefix}_basis_valid"
        ),
        models.CheckConstraint(
            condition=Q(valid_until__gte=F("decided_on")), name=f"{prefix}_dates_ordered"
        ),
        # A manual decision says why and by whom; a withdrawn one is no longer current.
        models.CheckConstraint(
            condition=Q(basis="rules") | (Q(decided_by__isnull=False) & ~Q(reason="")),
            name=f"{prefix}_manual_has_reason",
        ),
        models.CheckConstraint(
            condition=Q(withdrawn_at__isnull=True)
            | (Q(is_current=False) & ~Q(withdrawal_reason="")),
            name=f"{prefix}_withdrawn_not_current",
        ),
    ]


class BlocValidation(Decision):
    """A bloc validated for a person: every competence of the bloc reached its required level."""

    bloc = models.ForeignKey(
        Bloc, verbose_name=_("bloc"), on_delete=models.PROTECT, related_name="validations"
    )
    bloc_lineage = models.UUIDField(_("lignée du bloc"))
    # The peer-trainer right this validation gives (trainings reads it as data).
    peer_accreditation = models.OneToOneField(
        TrainerAccreditation,
        verbose_name=_("habilitation de formateur pair"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bloc_validation",
    )

    class Meta:
        verbose_name = _("validation de bloc")
        verbose_name_plural = _("validations de blocs")
        ordering = ["-decided_on", "-pk"]
        constraints = [
            *_decision_constraints("bloc_validation"),
            models.UniqueConstraint(
                fields=["enrollment", "bloc_lineage"],
                condition=Q(is_current=True),
                name="bloc_validation_one_current",
            ),
        ]
        indexes = [models.Index(fields=["decided_on"]), models.Index(fields=["valid_until"])]

    def __str__(self):
        return f"{self.holder_name} — {self.bloc.code} ({self.decided_on})"


class PathwayCertification(Decision):
    """A pathway certified: every bloc validated and the counting hours reached."""

    bloc_validations = models.ManyToManyField(
        BlocValidation, verbose_name=_("blocs validés"), related_name="certifications"
    )

    class Meta:
        verbose_name = _("certification de parcours")
        verbose_name_plural = _("certifications de parcours")
        ordering = ["-decided_on", "-pk"]
        constraints = [
            *_decision_constraints("certification"),
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(is_current=True),
                name="certification_one_current",
            ),
        ]
        indexes = [models.Index(fields=["decided_on"]), models.Index(fields=["valid_until"])]

    def __str__(self):
        return f"{self.holder_name} — {self.rule_set.pathway} ({self.decided_on})"


class ExpiryReminder(models.Model):
    """An expiry reminder sent for a certification (60 and 15 days before): sent once each."""

    certification = models.ForeignKey(
        PathwayCertification, on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rappel d'échéance")
        verbose_name_plural = _("rappels d'échéance")
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "days_before"], name="expiry_reminder_once"
            ),
        ]

    def __str__(self):
        return f"{self.certification} — J-{self.days_before}"


# Attestations -------------------------------------------------------------------------------


class Issuer(models.Model):
    """Who issues Socle's documents: the hub's legal identity, configured by the hub and
    snapshotted on every document (a later change alters nothing already issued). One row."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    legal_name = models.CharField(_("raison sociale"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    nda_number = models.CharField(
        _("numéro de déclaration d'activité (NDA)"),
        max_length=11,
        blank=True,
        validators=[RegexValidator(r"^\d{11}$", _("Le NDA compte 11 chiffres."))],
    )
    qualiopi = models.BooleanField(_("certifié Qualiopi"), default=False)
    qualiopi_mention = models.CharField(
        _("mention Qualiopi"),
        max_length=255,
        blank=True,
        help_text=_(
            "Par exemple : « La certification qualité a été délivrée au titre de la "
            "catégorie d'action suivante : actions de formation »."
        ),
    )
    address = models.TextField(_("adresse"), max_length=500)
    logo = models.ImageField(_("logo"), upload_to="issuer/", blank=True)
    signatory_name = models.CharField(_("nom du ou de la signataire"), max_length=150)
    signatory_role = models.CharField(_("qualité du ou de la signataire"), max_length=150)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("émetteur des attestations")
        verbose_name_plural = _("émetteur des attestations")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=1), name="issuer_single_row"),
        ]

    def __str__(self):
        return self.legal_name


class AttestationKind(models.TextChoices):
    END_OF_TRAINING = "end_of_training", _("Attestation de fin de formation")
    COMPLETION = "completion", _("Certificat de réalisation")
    BLOC = "bloc", _("Certificat de bloc de compétences")
    PATHWAY = "pathway", _("Certification de parcours")


SESSION_KINDS = (AttestationKind.END_OF_TRAINING, AttestationKind.COMPLETION)


class AttestationStatus(models.TextChoices):
    VALID = "valid", _("Valide")
    SUSPENDED = "suspended", _("Suspendue")
    REVOKED = "revoked", _("Révoquée")


def attestation_path(instance, filename):
    # Personal documents: a random folder; served only through views that check who asks.
    return f"attestations/{uuid.uuid4().hex}/{filename}"


class Counter(models.Model):
    """A named sequence (serial numbers per year, status-list indexes), row-locked while a number
    is taken so that two issuances never share one."""

    name = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.name}: {self.last}"


class BadgeKey(models.Model):
    """A public key that signed Open Badges credentials. Kept published after it is replaced, so
    credentials signed with it still verify."""

    kid = models.CharField(max_length=64, unique=True)
    jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.kid


class Attestation(models.Model):
    """A frozen, signed document. `facts` holds everything it states, as it was at issue time;
    the PDF is stored once and served as stored (re-downloading gives the same bytes)."""

    kind = models.CharField(_("type"), max_length=16, choices=AttestationKind.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("titulaire"),
        on_delete=models.PROTECT,
        related_name="attestations",
    )
    session = models.ForeignKey(
        "trainings.Session",
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attestations",
    )
    bloc_validation = models.ForeignKey(
        BlocValidation,
        verbose_name=_("validation de bloc"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attestations",
    )
    certification = models.ForeignKey(
        PathwayCertification,
        verbose_name=_("certification de parcours"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attestations",
    )
    serial = models.CharField(_("numéro"), max_length=20, unique=True)
    verification_code = models.CharField(_("code de vérification"), max_length=12, unique=True)
    template = models.CharField(_("modèle"), max_length=60)
    facts = models.JSONField(_("contenu"))
    pdf = models.FileField(_("PDF"), upload_to=attestation_path)
    # Indexed: verifying an uploaded PDF looks its fingerprint up among every attestation.
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, db_index=True)
    key_id = models.CharField(_("clé de scellement"), max_length=32)
    # The Open Badges 3.0 credential (a VC-JWT), also embedded in the PDF, and its entry in the
    # published status lists.
    credential = models.TextField(_("open badge (VC-JWT)"), blank=True)
    status_index = models.PositiveIntegerField(_("rang dans la liste de statuts"), unique=True)
    issued_at = models.DateTimeField(_("émise le"))
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=AttestationStatus.choices,
        default=AttestationStatus.VALID,
    )
    status_changed_at = models.DateTimeField(_("statut depuis le"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("statut changé par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status_reason = models.TextField(_("motif"), blank=True)
    show_details = models.BooleanField(
        _("détail public des compétences"),
        default=False,
        help_text=_("La page de vérification montre le niveau atteint pour chaque compétence."),
    )

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AttestationKind.values), name="attestation_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AttestationStatus.values), name="attestation_status_valid"
            ),
            # Exactly the subject its kind names.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=["end_of_training", "completion"],
                        session__isnull=False,
                        bloc_validation__isnull=True,
                        certification__isnull=True,
                    )
                    | Q(
                        kind="bloc",
                        session__isnull=True,
                        bloc_validation__isnull=False,
                        certification__isnull=True,
                    )
                    | Q(
                        kind="pathway",
                        session__isnull=True,
                        bloc_validation__isnull=True,
                        certification__isnull=False,
                    )
                ),
                name="attestation_subject_matches_kind",
            ),
            # One attestation per holder × subject × kind, whoever asks and however often.
            models.UniqueConstraint(
                fields=["kind", "holder", "session"],
                condition=Q(session__isnull=False),
                name="attestation_one_per_session",
            ),
            models.UniqueConstraint(
                fields=["kind", "bloc_validation"],
                condition=Q(bloc_validation__isnull=False),
                name="attestation_one_per_bloc_validation",
            ),
            models.UniqueConstraint(
                fields=["kind", "certification"],
                condition=Q(certification__isnull=False),
                name="attestation_one_per_certification",
            ),
        ]

    def __str__(self):
        return f"{self.serial} — {self.get_kind_display()}"
