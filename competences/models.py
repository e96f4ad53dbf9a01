"""The competency reference: referentials, frozen versions, blocs → competences → criteria,
the proficiency scale, and the certifying pathways built on a published version.

Invariants that need other rows (a published version is frozen, a code is unique in its version
whatever the kind of item) are enforced by competences.services; what the database can check
(one "acquired" level per scale, codes unique per kind and version...) is enforced here.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .text import CleanTextMixin


class Referential(CleanTextMixin, models.Model):
    text_fields = ("title", "description")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("référentiel")
        verbose_name_plural = _("référentiels")
        ordering = ["code"]

    def __str__(self):
        return self.title


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")
    RETIRED = "retired", _("Retirée")


class ReferentialVersion(CleanTextMixin, models.Model):
    text_fields = ("notes",)

    referential = models.ForeignKey(
        Referential,
        verbose_name=_("référentiel"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("numéro de version"))
    status = models.CharField(
        _("statut"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    notes = models.TextField(_("notes de version"), blank=True)
    cloned_from = models.ForeignKey(
        "self",
        verbose_name=_("créée à partir de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clones",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retirée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("version de référentiel")
        verbose_name_plural = _("versions de référentiel")
        ordering = ["referential__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["referential", "number"], name="version_number_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=VersionStatus.values), name="version_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="version_published_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.referential.code} v{self.number}"

    @property
    def is_frozen(self):
        return self.status != VersionStatus.DRAFT

    @property
    def is_published(self):
        return self.status == VersionStatus.PUBLISHED


class ProficiencyLevel(CleanTextMixin, models.Model):
    """One step of a version's proficiency scale (default: 1 découverte … 4 maîtrisé)."""

    text_fields = ("label", "description")

    version = models.ForeignKey(
        ReferentialVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="levels",
    )
    rank = models.PositiveSmallIntegerField(_("rang"), validators=[MinValueValidator(1)])
    label = models.CharField(_("libellé"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    counts_as_acquired = models.BooleanField(
        _("seuil « acquis »"),
        default=False,
        help_text=_("Le niveau à partir duquel une compétence est considérée comme acquise."),
    )

    class Meta:
        verbose_name = _("niveau de maîtrise")
        verbose_name_plural = _("niveaux de maîtrise")
        ordering = ["version", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["version", "rank"], name="level_rank_unique"),
            models.UniqueConstraint(
                fields=["version"],
                condition=models.Q(counts_as_acquired=True),
                name="level_one_acquired_threshold",
            ),
            models.CheckConstraint(condition=models.Q(rank__gte=1), name="level_rank_positive"),
        ]

    def __str__(self):
        return f"{self.rank} — {self.label}"


class Bloc(CleanTextMixin, models.Model):
    text_fields = ("title", "description", "evaluation_modalities")

    version = models.ForeignKey(
        ReferentialVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="blocs",
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    evaluation_modalities = models.TextField(_("modalités d'évaluation"), blank=True)
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("bloc de compétences")
        verbose_name_plural = _("blocs de compétences")
        ordering = ["version", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="bloc_code_unique"),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"


class Competence(CleanTextMixin, models.Model):
    text_fields = ("title", "description")

    # `version` repeats bloc.version so that codes can be unique within the version in the DB.
    version = models.ForeignKey(
        ReferentialVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="competences",
    )
    bloc = models.ForeignKey(
        Bloc, verbose_name=_("bloc"), on_delete=models.CASCADE, related_name="competences"
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        ordering = ["version", "bloc__order", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="competence_code_unique"),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"


class Criterion(CleanTextMixin, models.Model):
    """An observable indicator (critère d'évaluation) of a competence."""

    text_fields = ("text",)

    version = models.ForeignKey(
        ReferentialVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )
    competence = models.ForeignKey(
        Competence, verbose_name=_("compétence"), on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.CharField(_("code"), max_length=24)
    text = models.TextField(_("critère observable"))
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("critère d'évaluation")
        verbose_name_plural = _("critères d'évaluation")
        ordering = ["version", "competence__bloc__order", "competence__order", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="criterion_code_unique"),
        ]

    def __str__(self):
        return f"{self.code} — {self.text[:60]}"


class PathwayAudience(models.TextChoices):
    NOVICE = "novice", _("Médiateur ou médiatrice débutant·e")
    AIDANT = "aidant", _("Aidant numérique")
    CONFIRMED = "confirmed", _("Médiateur ou médiatrice confirmé·e")
    RESPONSABLE = "responsable", _("Responsable de lieu")
    TRAINER = "trainer", _("Formateur ou formatrice pair")


class Pathway(CleanTextMixin, models.Model):
    """A certifying pathway (parcours certifiant) on one published referential version."""

    text_fields = ("title", "description")

    version = models.ForeignKey(
        ReferentialVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="pathways",
    )
    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("public"), max_length=20, choices=PathwayAudience.choices)
    blocs = models.ManyToManyField(
        Bloc, verbose_name=_("blocs requis"), through="PathwayBloc", related_name="pathways"
    )
    min_attended_hours = models.DecimalField(
        _("heures de présence minimales"),
        max_digits=6,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    validity_months = models.PositiveSmallIntegerField(
        _("durée de validité (mois)"), default=36, validators=[MinValueValidator(1)]
    )
    peer_assessment_needs_confirmation = models.BooleanField(
        _("évaluations par un pair à confirmer"),
        default=True,
        help_text=_(
            "Une évaluation faite par un formateur pair ne compte qu'une fois confirmée "
            "par un formateur habilité."
        ),
    )
    is_active = models.BooleanField(_("ouvert aux inscriptions"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("parcours certifiant")
        verbose_name_plural = _("parcours certifiants")
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="pathway_code_unique"),
            models.CheckConstraint(
                condition=models.Q(min_attended_hours__gte=0), name="pathway_hours_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(validity_months__gte=1), name="pathway_validity_positive"
            ),
        ]

    def __str__(self):
        return self.title


class PathwayBloc(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="pathway_blocs")
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="pathway_blocs")
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("bloc du parcours")
        verbose_name_plural = _("blocs du parcours")
        ordering = ["order", "bloc__order"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "bloc"], name="pathway_bloc_unique"),
        ]

    def __str__(self):
        return f"{self.pathway.code} / {self.bloc.code}"


class PathwayRequirement(models.Model):
    """The level a competence must reach in a pathway when it differs from the scale's
    "acquired" threshold (no row = the threshold)."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="requirements")
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="+")
    required_level = models.ForeignKey(
        ProficiencyLevel,
        verbose_name=_("niveau requis"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("niveau requis")
        verbose_name_plural = _("niveaux requis")
        constraints = [
            models.UniqueConstraint(
                fields=["pathway", "competence"], name="pathway_requirement_unique"
            ),
        ]

    def __str__(self):
        return f"{self.pathway.code} / {self.competence.code} ≥ {self.required_level.rank}"
