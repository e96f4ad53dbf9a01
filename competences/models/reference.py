"""Referentials, their versions (draft → published → retired), the proficiency scale and the
content: blocs → competences → criteria."""

import uuid

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..text import CleanTextMixin


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
    # A rule of the reference, not of a pathway: whether an assessment counts must not depend on
    # the pathway that reads it. Frozen with the version; applied to assessments made on it.
    peer_assessment_needs_confirmation = models.BooleanField(
        _("évaluations par un pair à confirmer"),
        default=True,
        help_text=_(
            "Une évaluation faite par un formateur pair ne compte qu'une fois confirmée "
            "par un formateur habilité."
        ),
    )
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


# France Compétences codes: a RNCP certification (RNCP37445), one of its blocs (RNCP37445BC02),
# or a Répertoire spécifique entry (RS5678).
national_code_validator = RegexValidator(
    r"^(RNCP\d{3,6}(BC\d{1,3})?|RS\d{3,6})$",
    _("Un code France Compétences : RNCP37445, RNCP37445BC02 ou RS5678."),
    "invalid_national_code",
)


def new_lineage():
    return uuid.uuid4()


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
    # The same bloc across versions: a new version keeps it, so bloc validations and peer-trainer
    # rights on version 1 still mean something on version 2.
    lineage = models.UUIDField(_("lignée"), default=new_lineage, editable=False, db_index=True)
    national_code = models.CharField(
        _("code France Compétences"),
        max_length=20,
        blank=True,
        validators=[national_code_validator],
        help_text=_("Code du bloc au RNCP ou au RS, s'il en a un (ex. RNCP37445BC02)."),
    )

    class Meta:
        verbose_name = _("bloc de compétences")
        verbose_name_plural = _("blocs de compétences")
        ordering = ["version", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="bloc_code_unique"),
            models.UniqueConstraint(fields=["version", "lineage"], name="bloc_lineage_unique"),
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
    # The same competence across versions: evidence on version 1 counts on version 2 unless the
    # hub marks it substantially changed, which gives it a lineage of its own (services).
    lineage = models.UUIDField(_("lignée"), default=new_lineage, editable=False, db_index=True)
    substantially_changed = models.BooleanField(
        _("modifiée en profondeur"),
        default=False,
        help_text=_(
            "Les évaluations faites sur les versions précédentes ne comptent plus pour cette "
            "compétence."
        ),
    )

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        ordering = ["version", "bloc__order", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="competence_code_unique"),
            models.UniqueConstraint(
                fields=["version", "lineage"], name="competence_lineage_unique"
            ),
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
