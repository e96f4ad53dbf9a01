"""Enrolment in a pathway: by the person, or by the hub for a list of people; withdrawal; moving
an enrolment to a newer rule set of its pathway (hub, audited)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from competences.models import PathwayRuleSet, VersionStatus
from competences.services.rule_sets import pathway_rule_set
from core.audit import log_action
from core.exceptions import DomainError
from core.permissions import is_hub_coordinator

from ..models import Enrollment, EnrollmentStatus
from .decisions import request_decisions


def _check_open(pathway):
    if pathway.version.status != VersionStatus.PUBLISHED or not pathway.is_active:
        raise DomainError(
            _("Ce parcours n'est pas ouvert aux inscriptions."), "pathway_closed", field="pathway"
        )


def _create(*, actor, user, pathway, rule_set):
    enrollment = Enrollment(
        user=user, pathway=pathway, rule_set=rule_set, enrolled_by=actor, enrolled_at=timezone.now()
    )
    enrollment.status_changed_at = enrollment.enrolled_at
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError as error:
        raise DomainError(
            _("%(name)s suit déjà le parcours « %(pathway)s ».")
            % {"name": user.get_full_name() or user.email, "pathway": pathway.title},
            "already_enrolled",
            field="user",
        ) from error
    log_action(
        actor=actor,
        action="enrollment.create",
        target=enrollment,
        user=user.pk,
        pathway=pathway.code,
        rule_set=rule_set.number,
    )
    return enrollment


def enrollment_create(*, actor, user, pathway):
    """Enrol a person in a pathway: themselves, or anyone when the actor is the hub."""
    if actor.pk != user.pk and not is_hub_coordinator(actor):
        raise DomainError(
            _("Seule la coordination du hub peut inscrire une autre personne."), "not_allowed"
        )
    _check_open(pathway)
    with transaction.atomic():
        rule_set = pathway_rule_set(pathway)
        enrollment = _create(actor=actor, user=user, pathway=pathway, rule_set=rule_set)
        request_decisions([user.pk])
    return enrollment


def enrollment_create_many(*, actor, users, pathway):
    """The hub enrols a list of people at once: all or nothing, every refusal named."""
    if not is_hub_coordinator(actor):
        raise DomainError(
            _("Seule la coordination du hub peut inscrire une autre personne."), "not_allowed"
        )
    _check_open(pathway)
    users = list(dict.fromkeys(users))
    already = set(
        Enrollment.objects.filter(user__in=users, pathway=pathway)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .values_list("user_id", flat=True)
    )
    if already:
        names = ", ".join(u.get_full_name() or u.email for u in users if u.pk in already)
        raise DomainError(
            _("Ces personnes suivent déjà ce parcours : %(names)s. Personne n'a été inscrit.")
            % {"names": names},
            "already_enrolled",
            field="users",
        )
    with transaction.atomic():
        rule_set = pathway_rule_set(pathway)
        enrollments = [
            _create(actor=actor, user=user, pathway=pathway, rule_set=rule_set) for user in users
        ]
        request_decisions([user.pk for user in users])
    return enrollments


def _lock(enrollment):
    return Enrollment.objects.select_for_update().select_related("pathway").get(pk=enrollment.pk)


def enrollment_withdraw(*, actor, enrollment, reason=""):
    """The person leaves the pathway (or the hub withdraws them); recorded decisions stay."""
    if actor.pk != enrollment.user_id and not is_hub_coordinator(actor):
        raise DomainError(_("Vous ne pouvez pas modifier cette inscription."), "not_allowed")
    with transaction.atomic():
        enrollment = _lock(enrollment)
        if enrollment.status == EnrollmentStatus.WITHDRAWN:
            raise DomainError(_("Cette inscription est déjà close."), "already_withdrawn")
        enrollment.status = EnrollmentStatus.WITHDRAWN
        enrollment.status_changed_at = timezone.now()
        enrollment.withdrawal_reason = reason.strip()
        enrollment.full_clean()
        enrollment.save(update_fields=["status", "status_changed_at", "withdrawal_reason"])
        log_action(actor=actor, action="enrollment.withdraw", target=enrollment, reason=reason)
    return enrollment


def enrollment_move(*, actor, enrollment, rule_set):
    """The hub moves an enrolment to another rule set of the same pathway; decisions already
    recorded keep the rule set they applied."""
    if not is_hub_coordinator(actor):
        raise DomainError(
            _("Seule la coordination du hub peut changer les règles d'une inscription."),
            "not_allowed",
        )
    with transaction.atomic():
        enrollment = _lock(enrollment)
        rule_set = PathwayRuleSet.objects.get(pk=rule_set.pk)
        if rule_set.pathway_id != enrollment.pathway_id:
            raise DomainError(
                _("Ces règles sont celles d'un autre parcours."),
                "rule_set_other_pathway",
                field="rule_set",
            )
        if enrollment.status == EnrollmentStatus.WITHDRAWN:
            raise DomainError(_("Cette inscription est close."), "already_withdrawn")
        if rule_set.pk == enrollment.rule_set_id:
            raise DomainError(
                _("L'inscription suit déjà ces règles."), "same_rule_set", field="rule_set"
            )
        previous = enrollment.rule_set.number
        enrollment.rule_set = rule_set
        enrollment.save(update_fields=["rule_set"])
        log_action(
            actor=actor,
            action="enrollment.move_rule_set",
            target=enrollment,
            previous=previous,
            rule_set=rule_set.number,
        )
        request_decisions([enrollment.user_id])
    return enrollment


def enrollments_close_for(*, user, actor=None, reason=""):
    """Erasure of a person: their enrolments in progress are withdrawn (certified ones and the
    recorded decisions stay as they are). Returns how many were closed."""
    count = 0
    with transaction.atomic():
        for enrollment in Enrollment.objects.select_for_update().filter(
            user=user, status=EnrollmentStatus.IN_PROGRESS
        ):
            enrollment.status = EnrollmentStatus.WITHDRAWN
            enrollment.status_changed_at = timezone.now()
            enrollment.withdrawal_reason = reason
            enrollment.save(update_fields=["status", "status_changed_at", "withdrawal_reason"])
            log_action(actor=actor, action="enrollment.withdraw", target=enrollment, reason=reason)
            count += 1
    return count
