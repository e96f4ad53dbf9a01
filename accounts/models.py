from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .validators import (
    postal_code_problem,
    validate_person_name,
    validate_postal_code,
    validate_siret,
)

# How an erased person is named everywhere (pages, lists, exports, new documents).
ANONYMISED_NAME = _("Personne anonymisée")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person using Socle. E-mail is the login; every user is a mediator."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, validators=[validate_person_name])
    last_name = models.CharField(
        pgettext_lazy("family name", "nom"), max_length=150, validators=[validate_person_name]
    )
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    # Where the person is counted (their territory of record): the structure of their main
    # attachment or, without one, their own commune. Kept by accounts.services; decisions
    # snapshot it so that past figures do not move when someone changes job.
    main_membership = models.ForeignKey(
        "Membership",
        verbose_name=_("structure principale"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    commune = models.ForeignKey(
        "Commune",
        verbose_name=_("commune d'exercice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Comptée quand vous n'êtes rattaché·e à aucune structure."),
    )
    statistics_opt_out = models.BooleanField(
        _("exclu·e des exports nominatifs"),
        default=False,
        help_text=_(
            "Vos certifications restent comptées dans les totaux, mais votre nom n'apparaît "
            "dans aucun export remis aux partenaires du hub."
        ),
    )

    # Set when the person's identity was erased (privacy.services.person_erase): the account
    # stays so that their attestations, assessments and marks keep pointing at someone, but
    # nothing in it names them any more.
    anonymised_at = models.DateTimeField(_("anonymisé·e le"), null=True, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        if self.anonymised_at is not None:
            return str(ANONYMISED_NAME)
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        if self.anonymised_at is not None:
            return str(ANONYMISED_NAME)
        return self.first_name or self.email

    @property
    def is_anonymised(self):
        return self.anonymised_at is not None


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=2, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Departement(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("région"), on_delete=models.PROTECT, related_name="departements"
    )

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    insee_code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100, db_index=True)
    # Space-separated: a few communes have several postal codes.
    postal_codes = models.CharField(_("codes postaux"), max_length=100, db_index=True)
    departement = models.ForeignKey(
        Departement,
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="communes",
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.postal_codes_display})"

    @property
    def postal_code_list(self):
        return self.postal_codes.split()

    @property
    def postal_codes_display(self):
        return ", ".join(self.postal_code_list)


class StructureKind(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    COLLECTIVITE = "collectivite", _("Collectivité")
    TIERS_LIEU = "tiers_lieu", _("Tiers-lieu")
    FRANCE_SERVICES = "france_services", _("France Services")
    CCAS = "ccas", _("CCAS / centre social")
    ENTREPRISE = "entreprise", _("Entreprise")
    AUTRE = "autre", _("Autre")


class Structure(models.Model):
    """A place or organisation where mediators work (a lieu de médiation numérique)."""

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type de structure"), max_length=20, choices=StructureKind.choices)
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="structures"
    )
    postal_code = models.CharField(
        _("code postal"), max_length=5, validators=[validate_postal_code]
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text=_("14 chiffres, facultatif."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    # A structure a mediator added is offered as a session's place to its own members only, until
    # the hub has checked it (it would otherwise appear in every trainer's list).
    verified = models.BooleanField(_("vérifiée par le hub"), default=False)

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"], condition=~models.Q(siret=""), name="structure_siret_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=StructureKind.values), name="structure_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} — {self.commune.name}"

    def clean(self):
        # Here rather than only in the structure form, so that the admin and every service
        # caller keep the postal code consistent with the commune too.
        super().clean()
        if self.commune_id and self.postal_code:
            problem = postal_code_problem(self.commune, self.postal_code)
            if problem:
                raise ValidationError({"postal_code": problem})

    @property
    def departement(self):
        return self.commune.departement

    @property
    def region(self):
        return self.commune.departement.region


class MediatorFunction(models.TextChoices):
    AIDANT = "aidant", _("Aidant numérique")
    MOBILE = "mobile", _("Médiateur mobile")
    RESPONSABLE = "responsable", _("Médiateur responsable de lieu")
    AUTRE = "autre", _("Autre")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("En attente de validation")
    APPROVED = "approved", _("Validé")


class Membership(models.Model):
    """A mediator's attachment to a structure, with the function they hold there. A request to
    join is pending until the structure's head (an approved member with the function « responsable
    de lieu ») or the hub approves it: only approved members see the structure's members."""

    user = models.ForeignKey(
        User, verbose_name=_("médiateur"), on_delete=models.CASCADE, related_name="memberships"
    )
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="memberships"
    )
    function = models.CharField(_("fonction"), max_length=20, choices=MediatorFunction.choices)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.PENDING,
    )
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("validé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("validé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("rattachement")
        verbose_name_plural = _("rattachements")
        ordering = ["structure__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "structure"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(function__in=MediatorFunction.values),
                name="membership_function_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MembershipStatus.values),
                name="membership_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.structure.name} ({self.get_function_display()})"
