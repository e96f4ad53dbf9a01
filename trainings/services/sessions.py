"""Sessions: create, edit, duplicate, publish, cancel, mark as held and close.

The rules a session must satisfy (trainers allowed on the session dates, slots, place, capacity,
title) live in session_rules, shared with the registration services; these functions apply them
in order and write. Session.starts_at/ends_at follow the slots (session_rules.sync_bounds).

Slots in the past are refused, except with `allow_past=True`, which is reserved to data imports
and the demo (recording a session that already took place); views never pass it.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError, check_all
from core.permissions import is_hub_coordinator

from ..models import RegistrationStatus, Session, SessionFormat, SessionStatus
from .session_rules import (
    EDITABLE_STATUSES,
    SlotInput,
    apply_slots,
    check_actor_is_trainer,
    check_can_manage,
    full_clean_or_error,
    lock,
    normalize_slots,
    registered_count,
    validate_capacity,
    validate_place,
    validate_publishable,
    validate_slots,
    validate_title,
    validate_trainers,
    validate_trainers_not_participants,
    validate_version_and_competences,
)

SESSION_FIELDS = (
    "title",
    "description",
    "objectives",
    "format",
    "structure",
    "address",
    "video_url",
    "capacity",
)


_on_close_callbacks = []


def register_on_close(func):
    """func(session) runs after a session is closed, once the transaction is committed (the
    certificates app issues the participants' attestations there)."""
    if func not in _on_close_callbacks:
        _on_close_callbacks.append(func)


@transaction.atomic
def session_create(
    *,
    actor,
    version,
    title,
    capacity,
    competences=(),
    trainers=None,
    slots=(),
    format=SessionFormat.ONSITE,
    structure=None,
    address="",
    video_url="",
    description="",
    objectives="",
    allow_past=False,
):
    """A new draft session. `trainers` defaults to the actor; a trainer must be among them
    (the hub may schedule a session for others)."""
    competences = list(competences)
    trainers = list(trainers) if trainers else [actor]
    slots = normalize_slots(slots)
    session = Session(
        version=version,
        title=title,
        description=description,
        objectives=objectives,
        format=format,
        structure=structure,
        address=address,
        video_url=video_url,
        capacity=capacity,
        status=SessionStatus.DRAFT,
        created_by=actor,
    )
    check_actor_is_trainer(actor, trainers)
    _check_rules(
        session,
        competences=competences,
        trainers=trainers,
        slots=slots,
        existing={},
        allow_past=allow_past,
        registered=0,
    )
    session.save()
    session.competences.set(competences)
    session.trainers.set(trainers)
    apply_slots(session, slots)
    log_action(
        actor=actor,
        action="session.create",
        target=session,
        competences=[c.code for c in competences],
        trainers=[t.pk for t in trainers],
        slots=[(s.starts_at, s.ends_at) for s in slots],
    )
    return session


def _check_rules(session, *, competences, trainers, slots, existing, allow_past, registered):
    """Every rule a saved session keeps, all checked so that a form shows every refusal at
    once. Trainers are checked against the slots' days, so only once the slots are valid."""
    slots_valid = []

    def slots_check():
        validate_slots(slots, existing=existing, allow_past=allow_past, now=timezone.now())
        slots_valid.append(True)

    def trainers_check():
        if slots_valid:
            validate_trainers(trainers, competences, slots)

    checks = [
        lambda: validate_version_and_competences(session.version, competences),
        slots_check,
        trainers_check,
        lambda: validate_title(session),
        lambda: validate_place(session),
        lambda: validate_capacity(session, registered=registered),
    ]
    if session.pk is not None:
        checks.append(lambda: validate_trainers_not_participants(session, trainers))
        if session.status == SessionStatus.PUBLISHED:
            checks.append(lambda: slots_valid and validate_publishable(competences, slots))
    check_all(*checks)
    full_clean_or_error(session)


@transaction.atomic
def session_update(
    *, actor, session, competences=None, trainers=None, slots=None, allow_past=False, **fields
):
    """Edit a draft or published session. Only the given fields change; `slots` replaces the
    list (items with an `id` keep that slot). Freed places go to the waiting list."""
    from .registrations import promote_waiting

    session = lock(session)
    check_can_manage(actor, session)
    if session.status not in EDITABLE_STATUSES:
        raise DomainError(
            _("Seules les sessions en brouillon ou publiées peuvent être modifiées."),
            "session_not_editable",
        )
    unknown = set(fields) - set(SESSION_FIELDS) - {"version"}
    if unknown:
        raise TypeError(f"Unknown session fields: {sorted(unknown)}")
    if "version" in fields and fields["version"].pk != session.version_id:
        if session.status != SessionStatus.DRAFT:
            raise DomainError(
                _("La version du référentiel ne peut changer que sur un brouillon."),
                "version_locked",
                field="version",
            )
        session.version = fields["version"]
    place_before = _practical_details(session)
    for name in SESSION_FIELDS:
        if name in fields:
            setattr(session, name, fields[name])
    competences = list(session.competences.all()) if competences is None else list(competences)
    trainers = list(session.trainers.all()) if trainers is None else list(trainers)
    existing = {slot.pk: slot for slot in session.slots.all()}
    if slots is None:
        slot_inputs = [SlotInput(s.starts_at, s.ends_at, s.pk) for s in existing.values()]
    else:
        slot_inputs = [_keep_exact_times(item, existing) for item in normalize_slots(slots)]
    if not is_hub_coordinator(actor) and actor not in trainers:
        raise DomainError(
            _("Vous ne pouvez pas vous retirer vous-même des formateurs de la session."),
            "actor_not_trainer",
            field="trainers",
        )
    _check_rules(
        session,
        competences=competences,
        trainers=trainers,
        slots=slot_inputs,
        existing=existing,
        allow_past=allow_past,
        registered=registered_count(session),
    )
    session.save()
    session.competences.set(competences)
    session.trainers.set(trainers)
    apply_slots(session, slot_inputs)
    log_action(
        actor=actor,
        action="session.update",
        target=session,
        fields=sorted(fields),
        competences=[c.code for c in competences],
        trainers=[t.pk for t in trainers],
        slots=[(s.starts_at, s.ends_at) for s in slot_inputs],
    )
    promote_waiting(session=session, actor=actor)
    times_before = {(slot.starts_at, slot.ends_at) for slot in existing.values()}
    times_after = {(slot.starts_at, slot.ends_at) for slot in slot_inputs}
    if session.status == SessionStatus.PUBLISHED and (
        times_before != times_after or place_before != _practical_details(session)
    ):
        # Registered people get the new dates or place, with the updated calendar events.
        from .. import emails

        for registration in session.registrations.filter(status=RegistrationStatus.REGISTERED):
            emails.notify(emails.UPDATED, registration)
    return session


def _practical_details(session):
    return (session.format, session.structure_id, session.address, session.video_url)


def _to_minute(moment):
    return moment.replace(second=0, microsecond=0) if moment else moment


def _keep_exact_times(item, existing):
    """Forms send minutes; a kept slot whose times did not change at that precision keeps its
    exact stored times (so it is not seen as moved, e.g. into the past)."""
    slot = existing.get(item.id) if item.id is not None else None
    if (
        slot is not None
        and _to_minute(slot.starts_at) == _to_minute(item.starts_at)
        and _to_minute(slot.ends_at) == _to_minute(item.ends_at)
    ):
        return SlotInput(slot.starts_at, slot.ends_at, slot.pk)
    return item


def _shift(moment, weeks):
    """Same wall-clock time `weeks` weeks later in Europe/Paris (across DST changes)."""
    local = timezone.localtime(moment).replace(tzinfo=None)
    try:
        return timezone.make_aware(local + datetime.timedelta(weeks=weeks))
    except OverflowError as error:
        raise DomainError(
            _("Les créneaux décalés tomberaient après la fin du calendrier."),
            "slot_too_far",
            field="weeks",
        ) from error


@transaction.atomic
def session_duplicate(*, actor, session, weeks=1):
    """A new draft copying the session (competences, trainers, place, capacity) with its slots
    shifted by `weeks` weeks."""
    check_can_manage(actor, session)
    if weeks < 0 or weeks > 104:
        raise DomainError(
            _("Le décalage doit être compris entre 0 et 104 semaines."),
            "invalid_shift",
            field="weeks",
        )
    suffix = " " + _("(copie)")
    copy = session_create(
        actor=actor,
        version=session.version,
        title=session.title[: 200 - len(suffix)] + suffix,
        description=session.description,
        objectives=session.objectives,
        format=session.format,
        structure=session.structure,
        address=session.address,
        video_url=session.video_url,
        capacity=session.capacity,
        competences=list(session.competences.all()),
        trainers=list(session.trainers.all()),
        slots=[
            (_shift(slot.starts_at, weeks), _shift(slot.ends_at, weeks))
            for slot in session.slots.order_by("starts_at")
        ],
    )
    log_action(actor=actor, action="session.duplicate", target=copy, source=session.pk, weeks=weeks)
    return copy


@transaction.atomic
def session_publish(*, actor, session, allow_past=False):
    session = lock(session)
    check_can_manage(actor, session)
    if session.status != SessionStatus.DRAFT:
        raise DomainError(_("Seul un brouillon peut être publié."), "session_not_draft", field=None)
    competences = list(session.competences.select_related("bloc"))
    slots = list(session.slots.all())
    validate_publishable(competences, slots)
    if not allow_past and session.ends_at <= timezone.now():
        raise DomainError(
            _("Cette session est terminée : elle ne peut plus être publiée."),
            "session_over",
        )
    validate_trainers(list(session.trainers.all()), competences, slots)
    validate_place(session)
    session.status = SessionStatus.PUBLISHED
    session.published_at = timezone.now()
    session.save(update_fields=["status", "published_at", "updated_at"])
    log_action(actor=actor, action="session.publish", target=session)
    if not allow_past:
        # People a trainer added while it was a draft were not told yet: tell them now.
        from .. import emails

        for registration in session.registrations.filter(status=RegistrationStatus.REGISTERED):
            emails.notify(emails.ADDED, registration)
    return session


@transaction.atomic
def session_cancel(*, actor, session, reason=""):
    """Cancel a draft or published session. A published one needs a reason, and everyone
    registered or waiting is told by e-mail."""
    from .. import emails

    session = lock(session)
    check_can_manage(actor, session)
    if session.status not in EDITABLE_STATUSES:
        raise DomainError(
            _("Seules les sessions en brouillon ou publiées peuvent être annulées."),
            "session_not_cancellable",
        )
    reason = reason.strip()
    was_published = session.status == SessionStatus.PUBLISHED
    if was_published and not reason:
        raise DomainError(
            _("Indiquez le motif de l'annulation : il est envoyé aux personnes inscrites."),
            "reason_required",
            field="reason",
        )
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = timezone.now()
    session.cancellation_reason = reason
    session.save(update_fields=["status", "cancelled_at", "cancellation_reason", "updated_at"])
    log_action(actor=actor, action="session.cancel", target=session, reason=reason)
    if was_published:
        for registration in session.registrations.filter(
            status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)
        ):
            emails.notify(emails.SESSION_CANCELLED, registration)
    return session


@transaction.atomic
def session_mark_held(*, actor, session, now=None):
    """published → held once the last slot has ended (`actor` is None for the daily task)."""
    now = now or timezone.now()
    session = lock(session)
    if actor is not None:
        check_can_manage(actor, session)
    if session.status != SessionStatus.PUBLISHED:
        raise DomainError(
            _("Seule une session publiée peut être déclarée réalisée."), "not_published"
        )
    if session.ends_at is None or session.ends_at > now:
        raise DomainError(
            _("La session n'est pas terminée : son dernier créneau n'est pas passé."),
            "session_not_over",
        )
    session.status = SessionStatus.HELD
    session.save(update_fields=["status", "updated_at"])
    log_action(actor=actor, action="session.mark_held", target=session)
    return session


def sessions_mark_held(*, now=None):
    """Mark every published session whose last slot has ended as held. Returns how many."""
    now = now or timezone.now()
    ids = list(
        Session.objects.filter(status=SessionStatus.PUBLISHED, ends_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        session_mark_held(actor=None, session=Session(pk=pk), now=now)
    return len(ids)


@transaction.atomic
def session_close(*, actor, session, now=None):
    """Close a published or held session whose last slot has ended: attendance and assessments
    are frozen, then the close callbacks run after commit (attestations)."""
    now = now or timezone.now()
    session = lock(session)
    check_can_manage(actor, session)
    if session.status not in (SessionStatus.PUBLISHED, SessionStatus.HELD):
        raise DomainError(
            _("Seule une session publiée ou réalisée peut être clôturée."),
            "session_not_closable",
        )
    if session.ends_at is None or session.ends_at > now:
        raise DomainError(
            _("La session ne peut être clôturée qu'après la fin de son dernier créneau."),
            "session_not_over",
        )
    session.status = SessionStatus.CLOSED
    session.closed_at = now
    session.save(update_fields=["status", "closed_at", "updated_at"])
    log_action(actor=actor, action="session.close", target=session)
    for callback in list(_on_close_callbacks):
        transaction.on_commit(lambda callback=callback: callback(session))
    return session
