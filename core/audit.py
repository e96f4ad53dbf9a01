import datetime
import json

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditLog

# Attributes naming the person a record is about, in the order they are looked for.
SUBJECT_ATTRIBUTES = ("participant_id", "holder_id", "user_id")


def subject_id_of(target):
    """The id of the person `target` is about, or None when it is about no one in particular
    (a session, a referential, a structure)."""
    if target is None:
        return None
    if isinstance(target, get_user_model()):
        return target.pk
    for attribute in SUBJECT_ATTRIBUTES:
        value = getattr(target, attribute, None)
        if value is not None:
            return value
    # One step further for records hanging off a registration, an assessment or an enrolment.
    for relation in ("registration", "assessment", "enrollment"):
        if getattr(target, f"{relation}_id", None) is not None:
            return subject_id_of(getattr(target, relation))
    return None


# Keys whose values never enter the log, whatever the caller passes (a sign code, a password,
# a link's token); a key's *id* (the seal's key_id) is public and stays.
SECRET_KEYS = {"password", "passphrase", "secret", "token", "code", "sign_code", "otp"}
SECRET_SUFFIXES = ("_password", "_passphrase", "_secret", "_token")
MASK = "***"


def _is_secret(key):
    key = str(key).lower()
    return key in SECRET_KEYS or key.endswith(SECRET_SUFFIXES)


def mask_secrets(value):
    if isinstance(value, dict):
        return {key: MASK if _is_secret(key) else mask_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


def log_action(*, actor, action, target=None, subject=None, **data):
    """Append one entry to the audit log. Call it inside the service's transaction.

    Records about a person keep ids only (`subject` and the target's id): their display names
    are read at display time. Other targets keep a short description as they were named then."""
    entry = AuditLog(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        data=mask_secrets(json.loads(json.dumps(data, cls=DjangoJSONEncoder))),
    )
    entry.subject_id = subject.pk if subject is not None else subject_id_of(target)
    if target is not None:
        entry.target_type = target._meta.label_lower
        entry.target_id = str(target.pk)
        if entry.subject_id is None:
            entry.target_repr = str(target)[:255]
    entry.save()
    return entry


# What each action means, for the people who read the log (the hub, and each person about
# their own records). An action missing here is shown by its code.
ACTION_LABELS = {
    "user.login": _("Connexion"),
    "user.update_profile": _("Profil modifié"),
    "user.set_territory": _("Rattachement statistique modifié"),
    "user.set_hub_coordinator": _("Rôle de coordination du hub modifié"),
    "membership.create": _("Demande de rattachement à une structure"),
    "membership.approve": _("Rattachement validé"),
    "membership.refuse": _("Rattachement refusé"),
    "membership.delete": _("Rattachement supprimé"),
    "accreditation.grant": _("Habilitation de formateur accordée"),
    "accreditation.revoke": _("Habilitation de formateur retirée"),
    "registration.create": _("Inscription à une session"),
    "registration.add_by_trainer": _("Inscription par un formateur"),
    "registration.promote": _("Passage de la liste d'attente à inscrit·e"),
    "registration.cancel": _("Inscription annulée"),
    "registration.remind": _("Rappel de session envoyé"),
    "attendance.record": _("Émargement enregistré"),
    "assessment.record": _("Évaluation enregistrée"),
    "assessment.self_record": _("Autoévaluation enregistrée"),
    "assessment.review_confirmed": _("Évaluation par un pair confirmée"),
    "assessment.review_overridden": _("Évaluation par un pair remplacée"),
    "enrollment.create": _("Inscription à un parcours"),
    "enrollment.withdraw": _("Sortie d'un parcours"),
    "enrollment.move_rule_set": _("Parcours passé à de nouvelles règles"),
    "enrollment.status": _("Statut du parcours mis à jour"),
    "decision.bloc_validate": _("Bloc validé"),
    "decision.certify": _("Parcours certifié"),
    "decision.withdraw": _("Décision retirée"),
    "attestation.issue": _("Attestation émise"),
    "attestation.download": _("Attestation téléchargée"),
    "attestation.download_zip": _("Attestations téléchargées (archive)"),
    "attestation.verify": _("Attestation vérifiée"),
    "attestation.revoke": _("Attestation révoquée"),
    "attestation.suspend": _("Attestation suspendue"),
    "attestation.reinstate": _("Attestation rétablie"),
    "attestation.show_details": _("Détail public de l'attestation modifié"),
    "attestation.anonymise": _("Attestation anonymisée (effacement des données)"),
    "invitation.send": _("Invitation de formateur envoyée"),
    "invitation.cancel": _("Invitation de formateur annulée"),
    "invitation.accept": _("Invitation de formateur acceptée"),
    "person.view_history": _("Historique d'évaluations consulté"),
    "person.view_evidence_file": _("Fichier de preuve consulté"),
    "person.view_progress": _("Progression consultée"),
    "person.view_trainer_history": _("Historique de formateur consulté"),
    "personal_data.export_request": _("Export de mes données demandé"),
    "personal_data.export_ready": _("Export de mes données prêt"),
    "personal_data.export_download": _("Export de mes données téléchargé"),
    "personal_data.erasure_request": _("Effacement des données demandé"),
    "personal_data.erase": _("Données personnelles effacées"),
    "retention.anonymise_evidence": _("Commentaires anciens anonymisés (durée de conservation)"),
}


def action_label(code):
    return ACTION_LABELS.get(code, code)


ACCESS_DEDUP = datetime.timedelta(minutes=30)


def log_access(*, actor, action, subject, target=None):
    """Record that someone read another person's records (at most once per half-hour for the
    same reader, page and person: a reload or a filter is the same consultation)."""
    if actor is None or not actor.is_authenticated or actor.pk == subject.pk:
        return None
    recent = AuditLog.objects.filter(
        actor=actor,
        action=action,
        subject=subject,
        created_at__gte=timezone.now() - ACCESS_DEDUP,
    )
    if recent.exists():
        return None
    return log_action(actor=actor, action=action, target=target or subject, subject=subject)


def log_login(sender, request, user, **kwargs):
    """user_logged_in receiver: each sign-in is in the log, and in the person's own view."""
    log_action(actor=user, action="user.login", target=user)
