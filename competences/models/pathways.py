"""Certifying pathways on a published version: the blocs they require and the levels above the
scale's "acquired" threshold that some competences must reach."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..text import CleanTextMixin
from .reference import (
    Bloc,
    Competence,
    ProficiencyLevel,
    ReferentialVersion,
    national_code_validator,
)


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
    national_code = models.CharField(
        _("code France Compétences"),
        max_length=20,
        blank=True,
        validators=[national_code_validator],
        help_text=_("Code RNCP ou RS de la certification, s'il en a un (ex. RNCP37445)."),
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


class PathwayRuleSet(models.Model):
    """The rules of a pathway at one moment, numbered and never changed: the blocs and the level
    each competence must reach (by lineage), the minimum hours and the validity.

    A change of the pathway's rules makes a new rule set; an enrolment keeps its own until the hub
    moves it, and every decision records the one it applied. `rules` is the whole snapshot
    (competences.services.rule_sets builds it); the two figures are repeated for queries.
    """

    pathway = models.ForeignKey(
        Pathway, verbose_name=_("parcours"), on_delete=models.PROTECT, related_name="rule_sets"
    )
    number = models.PositiveIntegerField(_("numéro"))
    rules = models.JSONField(_("règles"))
    digest = models.CharField(_("empreinte"), max_length=64)
    min_attended_hours = models.DecimalField(
        _("heures de présence minimales"), max_digits=6, decimal_places=2
    )
    validity_months = models.PositiveSmallIntegerField(_("durée de validité (mois)"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("règles du parcours")
        verbose_name_plural = _("règles des parcours")
        ordering = ["pathway", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "number"], name="rule_set_number_unique"),
        ]

    def __str__(self):
        return f"{self.pathway.code} — règles n°{self.number}"
