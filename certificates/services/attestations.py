"""Issuing attestations, and changing their status (suspension, revocation).

Issuance is idempotent: the subject row (session, bloc validation, certification) is locked, an
existing attestation of that kind for that holder is returned as it is, and partial unique
constraints refuse a duplicate that would slip past. It runs in background tasks (after a session
closes, after a decision), never in the request; the nightly sweep issues what a lost task missed.
A failure midway leaves nothing: the row is written in the same transaction as the checks, and
the stored file is deleted when the transaction does not commit (by the nightly sweep when the
worker was killed before it could).
"""

import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.audit import log_action
from core.exceptions import DomainError
from core.permissions import is_hub_coordinator
from trainings.models import (
    ATTENDED_STATUSES,
    Attendance,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
)

from .. import badges, codes, facts, pdf
from ..keys import seal
from ..models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    BlocValidation,
    Counter,
    PathwayCertification,
)
from ..signing import sha256_hex, sign_pdf

TEMPLATES = {
    AttestationKind.END_OF_TRAINING: "end_of_training_v1",
    AttestationKind.COMPLETION: "completion_v1",
    AttestationKind.BLOC: "bloc_v1",
    AttestationKind.PATHWAY: "pathway_v1",
}
SERIAL_PREFIX = "SOC"


def next_number(name):
    """The next number of a named counter, under a row lock in its own short transaction, so two
    issuances never share one (a failed issuance leaves a gap, never a duplicate)."""
    with transaction.atomic():
        Counter.objects.get_or_create(name=name)
        counter = Counter.objects.select_for_update().get(name=name)
        counter.last += 1
        counter.save(update_fields=["last"])
    return counter.last


def next_serial(year):
    """SOC-2026-000123: numbered per year."""
    return f"{SERIAL_PREFIX}-{year}-{next_number(f'serial-{year}'):06d}"


def _new_verification_code():
    while True:  # 55 random bits: a second draw is already improbable
        code = codes.new_code()
        if not Attestation.objects.filter(verification_code=code).exists():
            return code


def _end_of_day(day):
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def _subject_lock(subject):
    """Lock the row the attestation is about, so concurrent issuances of it wait."""
    if "session" in subject:
        Session.objects.select_for_update().only("pk").get(pk=subject["session"].pk)
    elif "bloc_validation" in subject:
        BlocValidation.objects.select_for_update().only("pk").get(pk=subject["bloc_validation"].pk)
    else:
        PathwayCertification.objects.select_for_update().only("pk").get(
            pk=subject["certification"].pk
        )


def _existing(kind, holder, subject):
    return Attestation.objects.filter(kind=kind, holder=holder, **subject).first()


def _issue(*, kind, holder, subject, facts_data, valid_until=None, actor=None):
    """Render, seal, store and record one attestation, or return the one already issued
    (`was_created` tells which).

    The slow part (rendering, sealing) runs before the transaction; the row is then written under
    the subject's lock after checking again that no other worker issued it meanwhile. The stored
    file is removed whenever no row ends up pointing at it.
    """
    existing = _existing(kind, holder, subject)
    if existing is not None:
        existing.was_created = False
        return existing
    issuer = facts.issuer_facts()
    if issuer is None:
        raise DomainError(
            _("Renseignez d'abord l'émetteur des attestations (raison sociale, signataire…)."),
            "issuer_missing",
        )
    now = timezone.now()
    serial = next_serial(timezone.localdate(now).year)
    status_index = next_number("status-list")
    code = _new_verification_code()
    the_seal = seal()
    template = TEMPLATES[kind]
    data = {**facts_data, "issuer": issuer}
    label = str(AttestationKind(kind).label)
    badge = badges.credential(
        kind_label=label,
        facts=data,
        holder=holder,
        code=code,
        issued_at=now,
        valid_until=valid_until,
        status_index=status_index,
    )
    credential_jwt = badges.sign(
        badge,
        valid_from=now,
        valid_until=_end_of_day(valid_until),
        subject=badge["credentialSubject"]["id"],
    )
    html = pdf.render_html(
        template=template,
        kind_label=label,
        facts=data,
        issuer=issuer,
        serial=serial,
        code=code,
        issued_at=now,
        key_id=the_seal.key_id,
    )
    signed = sign_pdf(
        pdf.render_pdf(html, credential=credential_jwt),
        reason=label,
        location=issuer["legal_name"],
    )
    attestation = Attestation(
        kind=kind,
        holder=holder,
        serial=serial,
        verification_code=code,
        template=template,
        facts=data,
        sha256=sha256_hex(signed),
        key_id=the_seal.key_id,
        credential=credential_jwt,
        status_index=status_index,
        issued_at=now,
        valid_until=valid_until,
        **subject,
    )
    attestation.pdf.save(f"{serial}.pdf", ContentFile(signed), save=False)
    stored, storage = attestation.pdf.name, attestation.pdf.storage
    try:
        with transaction.atomic():
            _subject_lock(subject)
            existing = _existing(kind, holder, subject)
            if existing is None:
                attestation.save()
                log_action(
                    actor=actor,
                    action="attestation.issue",
                    target=attestation,
                    kind=kind,
                    holder=holder.pk,
                    serial=serial,
                    sha256=attestation.sha256,
                    key_id=attestation.key_id,
                )
    except BaseException:
        storage.delete(stored)
        raise
    if existing is not None:
        storage.delete(stored)
        existing.was_created = False
        return existing
    attestation.was_created = True
    return attestation


# What to issue -------------------------------------------------------------------------------


def attended_registrations(session):
    """Registrations of the session with at least one slot attended (present or late)."""
    attended = Attendance.objects.filter(is_current=True, status__in=ATTENDED_STATUSES)
    return (
        # An erased person gets no new document naming no one.
        session.registrations.filter(
            status=RegistrationStatus.REGISTERED, user__anonymised_at__isnull=True
        )
        .filter(pk__in=attended.values("registration_id"))
        .select_related("user")
        .order_by("pk")
    )


def attestations_issue_for_session(*, session_id, actor=None):
    """The end-of-training attestation and the certificat de réalisation of every participant
    who attended a closed session. Returns the attestations (new or already issued)."""
    session = Session.objects.select_related("version__referential", "structure__commune").get(
        pk=session_id
    )
    if session.status != SessionStatus.CLOSED:
        raise DomainError(
            _("Les attestations de fin de formation sont émises une fois la session clôturée."),
            "session_not_closed",
        )
    issued = []
    for registration in attended_registrations(session):
        data = facts.session_facts(session, registration.user)
        for kind in (AttestationKind.END_OF_TRAINING, AttestationKind.COMPLETION):
            issued.append(
                _issue(
                    kind=kind,
                    holder=registration.user,
                    subject={"session": session},
                    facts_data=data,
                    actor=actor,
                )
            )
    return issued


def attestation_issue_for_bloc_validation(*, validation_id, actor=None):
    validation = BlocValidation.objects.select_related(
        "enrollment__user", "enrollment__pathway", "rule_set", "bloc"
    ).get(pk=validation_id)
    if validation.withdrawn_at is not None or validation.enrollment.user.anonymised_at is not None:
        return None
    return _issue(
        kind=AttestationKind.BLOC,
        holder=validation.enrollment.user,
        subject={"bloc_validation": validation},
        facts_data=facts.bloc_validation_facts(validation),
        valid_until=validation.valid_until,
        actor=actor,
    )


def attestation_issue_for_certification(*, certification_id, actor=None):
    certification = PathwayCertification.objects.select_related(
        "enrollment__user", "enrollment__pathway__version__referential", "rule_set"
    ).get(pk=certification_id)
    if (
        certification.withdrawn_at is not None
        or certification.enrollment.user.anonymised_at is not None
    ):
        return None
    return _issue(
        kind=AttestationKind.PATHWAY,
        holder=certification.enrollment.user,
        subject={"certification": certification},
        facts_data=facts.certification_facts(certification),
        valid_until=certification.valid_until,
        actor=actor,
    )


def request_session_attestations(session_id):
    from ..tasks import issue_session_attestations

    transaction.on_commit(lambda: issue_session_attestations.enqueue(session_id=session_id))


def request_decision_attestation(decision):
    from ..tasks import issue_decision_attestation

    kind = "bloc" if isinstance(decision, BlocValidation) else "pathway"
    pk = decision.pk
    transaction.on_commit(lambda: issue_decision_attestation.enqueue(kind=kind, decision_id=pk))


# Status --------------------------------------------------------------------------------------


# (allowed from, to, audit action, refusal message, refusal code)
TRANSITIONS = {
    "revoke": (
        (AttestationStatus.VALID, AttestationStatus.SUSPENDED),
        AttestationStatus.REVOKED,
        "attestation.revoke",
        _lazy("Cette attestation est déjà révoquée."),
        "already_revoked",
    ),
    "suspend": (
        (AttestationStatus.VALID,),
        AttestationStatus.SUSPENDED,
        "attestation.suspend",
        _lazy("Seule une attestation valide peut être suspendue."),
        "not_valid",
    ),
    "reinstate": (
        (AttestationStatus.SUSPENDED,),
        AttestationStatus.VALID,
        "attestation.reinstate",
        _lazy("Seule une attestation suspendue peut être rétablie."),
        "not_suspended",
    ),
}


@transaction.atomic
def _transition(name, *, actor, attestation, reason, check_actor=True):
    """Change an attestation's status (checked under its row lock); the document is kept and
    every verification shows the new status; the holder is e-mailed."""
    if check_actor and not is_hub_coordinator(actor):
        raise DomainError(
            _("Seule la coordination du hub peut changer le statut d'une attestation."),
            "not_allowed",
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Indiquez le motif."), "reason_required", field="reason")
    allowed_from, status, action, refusal, code = TRANSITIONS[name]
    attestation = Attestation.objects.select_for_update().get(pk=attestation.pk)
    if attestation.status not in allowed_from:
        raise DomainError(str(refusal), code)
    attestation.status = status
    attestation.status_changed_at = timezone.now()
    attestation.status_changed_by = actor if getattr(actor, "is_authenticated", False) else None
    attestation.status_reason = reason
    attestation.save(
        update_fields=["status", "status_changed_at", "status_changed_by", "status_reason"]
    )
    log_action(actor=actor, action=action, target=attestation, reason=reason)
    from ..emails import notify_status_change

    notify_status_change(attestation)
    return attestation


def attestation_revoke(*, actor, attestation, reason, check_actor=True):
    """Revoke for good."""
    return _transition(
        "revoke", actor=actor, attestation=attestation, reason=reason, check_actor=check_actor
    )


def attestation_suspend(*, actor, attestation, reason):
    """Suspend until reinstated (a check under way, a dispute)."""
    return _transition("suspend", actor=actor, attestation=attestation, reason=reason)


def attestation_reinstate(*, actor, attestation, reason):
    return _transition("reinstate", actor=actor, attestation=attestation, reason=reason)


def revoke_for_decision(*, actor, decision, reason):
    """A withdrawn decision revokes its attestations (inside the withdrawal's transaction)."""
    field = "bloc_validation" if isinstance(decision, BlocValidation) else "certification"
    for attestation in Attestation.objects.filter(**{field: decision}).exclude(
        status=AttestationStatus.REVOKED
    ):
        attestation_revoke(
            actor=actor,
            attestation=attestation,
            reason=_("Décision retirée : %(reason)s") % {"reason": reason},
            check_actor=False,
        )


def attestation_set_show_details(*, actor, attestation, show):
    """The holder chooses whether the public verification page shows the detail."""
    if actor.pk != attestation.holder_id:
        raise DomainError(_("Seul·e le ou la titulaire peut choisir."), "not_holder")
    attestation.show_details = bool(show)
    attestation.save(update_fields=["show_details"])
    log_action(actor=actor, action="attestation.show_details", target=attestation, show=show)
    return attestation


def missing_attestations():
    """What the sweep must issue: (closed session ids with an attending participant missing
    either document, bloc validation ids, certification ids without theirs), in three queries."""
    attended = Attendance.objects.filter(
        registration=OuterRef("pk"), is_current=True, status__in=ATTENDED_STATUSES
    )

    def issued(kind):
        return Attestation.objects.filter(
            kind=kind, session=OuterRef("session"), holder=OuterRef("user")
        )

    sessions = (
        Registration.objects.filter(
            status=RegistrationStatus.REGISTERED,
            session__status=SessionStatus.CLOSED,
            user__anonymised_at__isnull=True,
        )
        .filter(Exists(attended))
        # Either document: a worker may have died between the two.
        .exclude(
            Exists(issued(AttestationKind.END_OF_TRAINING))
            & Exists(issued(AttestationKind.COMPLETION))
        )
        .values_list("session_id", flat=True)
        .distinct()
    )
    blocs = BlocValidation.objects.filter(
        withdrawn_at__isnull=True, enrollment__user__anonymised_at__isnull=True
    ).exclude(Exists(Attestation.objects.filter(bloc_validation=OuterRef("pk"))))
    certifications = PathwayCertification.objects.filter(
        withdrawn_at__isnull=True, enrollment__user__anonymised_at__isnull=True
    ).exclude(Exists(Attestation.objects.filter(certification=OuterRef("pk"))))
    return (
        sorted(set(sessions)),
        list(blocs.values_list("pk", flat=True)),
        list(certifications.values_list("pk", flat=True)),
    )


def attestations_anonymise_for(*, user, actor=None):
    """Erasure of a person: their attestations stay (a copy they handed to an employer still
    verifies, by its code or its fingerprint), but Socle keeps nothing that names them: the
    stored PDF and the Open Badge are deleted and the holder's name leaves the facts, so the
    verification page says « titulaire anonymisé·e ». Returns how many were anonymised."""
    count = 0
    for attestation in Attestation.objects.select_for_update().filter(holder=user):
        stored = attestation.pdf.name
        facts_data = dict(attestation.facts)
        facts_data["holder"] = {
            "name": "",
            "employer": "",
            "employer_siret": "",
            "anonymised": True,
        }
        attestation.facts = facts_data
        attestation.pdf = ""
        attestation.credential = ""
        attestation.save(update_fields=["facts", "pdf", "credential"])
        if stored:
            storage = Attestation._meta.get_field("pdf").storage
            transaction.on_commit(lambda name=stored, storage=storage: storage.delete(name))
        log_action(actor=actor, action="attestation.anonymise", target=attestation)
        count += 1
    return count
