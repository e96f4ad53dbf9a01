from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")

    def purge_before(self, moment):
        """The one way entries leave the log: past their retention period (privacy.services.
        retention). Returns how many were deleted."""
        deleted, _by_model = models.QuerySet.delete(self.filter(created_at__lt=moment))
        return deleted


class AuditLog(models.Model):
    """Append-only trace of who did what to which record (written through core.audit.log_action)."""

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    # The person the record is about (a participant, a holder, a member...): what lets each
    # person see who read or changed their records. Names are never copied into the log: they
    # are read from the account at display time, so an erased person's entries need no rewrite.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne concernée"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_type = models.CharField(_("type d'objet"), max_length=100, blank=True)
    target_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    target_repr = models.CharField(_("objet"), max_length=255, blank=True)
    data = models.JSONField(_("détails"), default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["subject", "-created_at"], name="auditlog_subject_recent"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")

    @property
    def action_label(self):
        from .audit import action_label

        return action_label(self.action)

    @property
    def target_kind(self):
        """The kind of record, in words (« inscription », « attestation »), read from the model."""
        if not self.target_type:
            return ""
        try:
            model = apps.get_model(self.target_type)
        except (LookupError, ValueError):
            return self.target_type
        return model._meta.verbose_name


class MfaGracePeriod(models.Model):
    """When a person whose role requires two-factor authentication was first seen without it:
    the grace period to turn it on runs from here (core.mfa). One row per person, never reset by
    the code; deleting it gives a new grace period from the next visit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    started_at = models.DateTimeField(_("début du délai"), default=timezone.now)

    class Meta:
        verbose_name = _("délai d'activation de la double authentification")
        verbose_name_plural = _("délais d'activation de la double authentification")

    def __str__(self):
        return f"{self.user_id} {self.started_at:%Y-%m-%d}"


class RateCounter(models.Model):
    """One rate-limit counter (core.ratelimit): the hits allowed in the current window and in the
    one before, for one client (a keyed hash of its address or account id, never the address
    itself), action and rate. Moved by a single atomic upsert; rows past `expires_at` are purged
    as requests come. On PostgreSQL the table is UNLOGGED (no WAL, no flush at commit): a crash
    empties it, which only forgets a few minutes of counts."""

    name = models.CharField(_("clé"), max_length=64, primary_key=True)
    bucket = models.BigIntegerField(_("fenêtre"))
    hits = models.PositiveIntegerField(_("passages admis dans la fenêtre"))
    previous = models.PositiveIntegerField(_("passages admis dans la fenêtre précédente"))
    allowed = models.BooleanField(_("dernier passage admis"))
    expires_at = models.BigIntegerField(_("expire à (secondes Unix)"), db_index=True)

    class Meta:
        verbose_name = _("compteur de limite de débit")
        verbose_name_plural = _("compteurs de limite de débit")

    def __str__(self):
        return f"{self.name[:12]} {self.bucket} {self.hits}+{self.previous}"
