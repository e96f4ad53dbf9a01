"""The rules a session must satisfy, shared by the session and registration services.

Trainers allowed to train each targeted bloc on the session dates, slots that neither overlap nor
end before they start, a place or a video link according to the format, a capacity that keeps
every registered person, and the slot bookkeeping (Session.starts_at/ends_at follow the slots).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from competences.models import VersionStatus
from core.exceptions import DomainError, DomainErrors
from core.permissions import is_hub_coordinator

from ..models import RegistrationStatus, Session, SessionFormat, SessionStatus, Slot
from ..permissions import can_train_bloc
from ..selectors.sessions import can_manage_session

EDITABLE_STATUSES = (SessionStatus.DRAFT, SessionStatus.PUBLISHED)
# How far ahead a slot may be planned. Bounded so that dates stay computable: a slot in year
# 9999 overflowed when a session was duplicated weeks later.
SLOT_HORIZON_YEARS = 5
SLOT_HORIZON = datetime.timedelta(days=365 * SLOT_HORIZON_YEARS + 1)
# A slot is a stretch of training that attended hours are counted from: shorter than half an
# hour is a typing slip (9:00–9:05), longer than a day's work is one (a wrong end date), and
# either would put nonsense into the hours a certification rests on.
MIN_SLOT_MINUTES = 30
MAX_SLOT_HOURS = 12
# Peer sessions are small groups; the session form offers the same bound.
MAX_CAPACITY = 500


@dataclass
class SlotInput:
    starts_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    id: int | None = None


def normalize_slots(slots):
    """Accept SlotInput, (start, end) pairs or dicts with starts_at, ends_at and optional id."""
    result = []
    for slot in slots:
        if isinstance(slot, SlotInput):
            result.append(slot)
        elif isinstance(slot, dict):
            result.append(SlotInput(slot.get("starts_at"), slot.get("ends_at"), slot.get("id")))
        else:
            starts_at, ends_at = slot
            result.append(SlotInput(starts_at, ends_at))
    return result


def when(value):
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def domain_error_from(error):
    """The first error of a ValidationError as a DomainError that keeps the error's field and its
    own code ("max_length", "unique", a constraint's violation_error_code...): a view shows the
    message on that field, and callers match on the code instead of on the message. Errors
    raised without a code get "invalid", Django's own default."""
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
    else:
        field, errors = NON_FIELD_ERRORS, error.error_list
    first = errors[0]
    return DomainError(
        next(iter(first)),  # iterating a ValidationError yields its message with params applied
        first.code or "invalid",
        field=None if field == NON_FIELD_ERRORS else field,
        params=first.params,
    )


def full_clean_or_error(instance, **kwargs):
    """full_clean(), with the first validation error raised as a DomainError (see
    domain_error_from)."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        raise domain_error_from(error) from error


def check_can_manage(actor, session):
    if not can_manage_session(actor, session):
        raise DomainError(
            _("Seuls les formateurs de la session et la coordination du hub peuvent le faire."),
            "not_session_trainer",
        )


def ensure_session_open(session):
    """Refuse any attendance or assessment write once the session is closed or cancelled."""
    if session.is_frozen:
        raise DomainError(
            _("La session est clôturée : l'émargement et les évaluations ne peuvent plus changer."),
            "session_frozen",
        )


def lock_open_session(session):
    """Inside a transaction: re-read the session's status under a row lock that closing waits for
    (closing takes FOR UPDATE), so no mark or assessment slips in once the session is closed."""
    locked = Session.objects.select_for_update(no_key=True).only("pk", "status").get(pk=session.pk)
    ensure_session_open(locked)


def lock(session):
    """Re-read the session row under a lock (PostgreSQL; SQLite serialises writers already)."""
    return Session.objects.select_for_update().get(pk=session.pk)


# Validation ----------------------------------------------------------------------------------


def validate_slots(slots, *, existing, allow_past, now):
    """Every slot's problems at once (a form shows them all), then overlaps between valid
    slots."""
    errors = []
    for index, slot in enumerate(slots, start=1):
        try:
            _validate_slot(index, slot, existing=existing, allow_past=allow_past, now=now)
        except DomainError as error:
            errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)
    numbered = sorted(enumerate(slots, start=1), key=lambda item: item[1].starts_at)
    for (first_n, first), (second_n, second) in zip(numbered, numbered[1:], strict=False):
        if second.starts_at < first.ends_at:
            raise DomainError(
                _("Les créneaux n°%(a)s et n°%(b)s se chevauchent.")
                % {"a": min(first_n, second_n), "b": max(first_n, second_n)},
                "slot_overlap",
                field="slots",
            )


def _validate_slot(index, slot, *, existing, allow_past, now):
    if slot.starts_at is None or slot.ends_at is None:
        raise DomainError(
            _("Créneau n°%(n)s : indiquez le début et la fin.") % {"n": index},
            "slot_incomplete",
            field="slots",
        )
    if slot.ends_at <= slot.starts_at:
        raise DomainError(
            _("Créneau n°%(n)s : la fin (%(end)s) doit être après le début (%(start)s).")
            % {"n": index, "end": when(slot.ends_at), "start": when(slot.starts_at)},
            "slot_ends_before_start",
            field="slots",
        )
    if slot.id is not None and slot.id not in existing:
        raise DomainError(
            _("Créneau n°%(n)s : ce créneau n'appartient pas à la session.") % {"n": index},
            "slot_unknown",
            field="slots",
        )
    unchanged = slot.id is not None and (
        existing[slot.id].starts_at == slot.starts_at and existing[slot.id].ends_at == slot.ends_at
    )
    # Only new or moved slots: one saved before these bounds keeps its hours and must not
    # block every later edit of its session.
    if not unchanged:
        _validate_slot_length(index, slot)
    if not unchanged and slot.ends_at > now + SLOT_HORIZON:
        raise DomainError(
            _("Créneau n°%(n)s : il est prévu à plus de %(years)s ans (%(start)s).")
            % {"n": index, "years": SLOT_HORIZON_YEARS, "start": when(slot.starts_at)},
            "slot_too_far",
            field="slots",
        )
    if not allow_past and not unchanged and slot.starts_at < now:
        raise DomainError(
            _("Créneau n°%(n)s : il commence dans le passé (%(start)s).")
            % {"n": index, "start": when(slot.starts_at)},
            "slot_in_past",
            field="slots",
        )


def _validate_slot_length(index, slot):
    """Between MIN_SLOT_MINUTES and MAX_SLOT_HOURS long."""
    length = slot.ends_at - slot.starts_at
    bounds = {"n": index, "start": when(slot.starts_at), "end": when(slot.ends_at)}
    if length < datetime.timedelta(minutes=MIN_SLOT_MINUTES):
        raise DomainError(
            _(
                "Créneau n°%(n)s (du %(start)s au %(end)s) : un créneau dure au moins "
                "%(minutes)s minutes."
            )
            % {**bounds, "minutes": MIN_SLOT_MINUTES},
            "slot_too_short",
            field="slots",
        )
    if length > datetime.timedelta(hours=MAX_SLOT_HOURS):
        raise DomainError(
            _(
                "Créneau n°%(n)s (du %(start)s au %(end)s) : un créneau dure au plus %(hours)s "
                "heures ; découpez-le en plusieurs créneaux."
            )
            % {**bounds, "hours": MAX_SLOT_HOURS},
            "slot_too_long",
            field="slots",
        )


def validate_version_and_competences(version, competences):
    if version.status != VersionStatus.PUBLISHED:
        raise DomainError(
            _("La version %(version)s du référentiel n'est pas publiée.") % {"version": version},
            "version_not_published",
            field="version",
        )
    for competence in competences:
        if competence.version_id != version.pk:
            raise DomainError(
                _("La compétence %(code)s n'appartient pas à la version %(version)s.")
                % {"code": competence.code, "version": version},
                "competence_wrong_version",
                field="competences",
            )


def session_days(slots):
    days = sorted({timezone.localdate(slot.starts_at) for slot in slots})
    days += [timezone.localdate(slot.ends_at) for slot in slots]
    return sorted(set(days)) or [timezone.localdate()]


def validate_trainers(trainers, competences, slots):
    if not trainers:
        raise DomainError(
            _("Indiquez au moins un formateur ou une formatrice."), "no_trainer", field="trainers"
        )
    blocs = {competence.bloc_id: competence.bloc for competence in competences}
    days = session_days(slots)
    for trainer in trainers:
        for bloc in sorted(blocs.values(), key=lambda b: (b.order, b.code)):
            for day in days:
                if not can_train_bloc(trainer, bloc, day):
                    raise DomainError(
                        _(
                            "%(trainer)s n'est pas habilité·e à former sur le bloc %(bloc)s "
                            "le %(day)s."
                        )
                        % {
                            "trainer": trainer,
                            "bloc": f"{bloc.code} — {bloc.title}",
                            "day": formats.date_format(day, "SHORT_DATE_FORMAT"),
                        },
                        "trainer_not_accredited",
                        field="trainers",
                    )


def validate_trainers_not_participants(session, trainers):
    """A trainer of a session is not also one of its participants (registered or waiting):
    they could otherwise assess themselves as a trainer."""
    registration = (
        session.registrations.filter(
            user__in=[trainer.pk for trainer in trainers],
            status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.WAITING),
        )
        .select_related("user")
        .first()
    )
    if registration is not None:
        raise DomainError(
            _(
                "%(user)s est inscrit·e à la session : retirez son inscription avant d'en faire "
                "un formateur ou une formatrice."
            )
            % {"user": registration.user},
            "trainer_is_participant",
            field="trainers",
        )


def validate_title(session):
    """One line: the title is an e-mail subject and a calendar summary, where a line break
    breaks the message (e-mail headers refuse it)."""
    if any(ord(char) < 32 or ord(char) == 127 for char in session.title):
        raise DomainError(
            _("L'intitulé tient sur une ligne, sans retour à la ligne ni caractère de contrôle."),
            "title_invalid",
            field="title",
        )


def validate_place(session):
    needs_place = session.format in (SessionFormat.ONSITE, SessionFormat.HYBRID)
    needs_link = session.format in (SessionFormat.REMOTE, SessionFormat.HYBRID)
    if needs_place and session.structure_id is None and not session.address.strip():
        raise DomainError(
            _(
                "Une session en présentiel ou hybride a besoin d'un lieu : une structure ou une "
                "adresse."
            ),
            "place_required",
            field="structure",
        )
    if needs_link and not session.video_url:
        raise DomainError(
            _("Une session à distance ou hybride a besoin d'un lien de visioconférence."),
            "video_url_required",
            field="video_url",
        )


def registered_count(session):
    return session.registrations.filter(status=RegistrationStatus.REGISTERED).count()


def validate_capacity(session, *, registered):
    if session.capacity is None or session.capacity < 1:
        raise DomainError(
            _("Une session a au moins une place."), "capacity_invalid", field="capacity"
        )
    if session.capacity > MAX_CAPACITY:
        raise DomainError(
            _("Une session a au plus %(max)s places.") % {"max": MAX_CAPACITY},
            "capacity_invalid",
            field="capacity",
        )
    if session.capacity < registered:
        raise DomainError(
            _(
                "Le nombre de places (%(capacity)s) ne peut pas être inférieur au nombre de "
                "personnes déjà inscrites (%(count)s)."
            )
            % {"capacity": session.capacity, "count": registered},
            "capacity_below_registered",
            field="capacity",
        )


def validate_publishable(competences, slots):
    if not slots:
        raise DomainError(_("Une session publiée a au moins un créneau."), "no_slot", field="slots")
    if not competences:
        raise DomainError(
            _("Une session publiée vise au moins une compétence."),
            "no_competence",
            field="competences",
        )


def check_actor_is_trainer(actor, trainers):
    if not is_hub_coordinator(actor) and actor not in trainers:
        raise DomainError(
            _("Vous devez faire partie des formateurs de la session."),
            "actor_not_trainer",
            field="trainers",
        )


# Writes --------------------------------------------------------------------------------------


def apply_slots(session, slots):
    """Update kept slots in place, create new ones, delete the removed ones. A slot that already
    has attendance marks can be neither deleted nor moved: its marks (and the hours they prove)
    are kept as they were recorded."""
    existing = {slot.pk: slot for slot in session.slots.all()}
    wanted = {slot.id: slot for slot in slots if slot.id is not None}
    marked = set(
        session.slots.filter(attendances__isnull=False).values_list("pk", flat=True).distinct()
    )
    for slot_id, slot in existing.items():
        if slot_id not in marked:
            continue
        if slot_id not in wanted:
            raise DomainError(
                _("Le créneau du %(start)s a déjà des émargements : il ne peut pas être supprimé.")
                % {"start": when(slot.starts_at)},
                "slot_has_attendance",
                field="slots",
            )
        moved = wanted[slot_id]
        if (moved.starts_at, moved.ends_at) != (slot.starts_at, slot.ends_at):
            raise DomainError(
                _("Le créneau du %(start)s a déjà des émargements : il ne peut pas être déplacé.")
                % {"start": when(slot.starts_at)},
                "slot_has_attendance",
                field="slots",
            )
    kept = set(wanted)
    for slot_id, slot in existing.items():
        if slot_id not in kept:
            slot.delete()
    for item in slots:
        slot = existing[item.id] if item.id is not None else Slot(session=session)
        slot.starts_at, slot.ends_at = item.starts_at, item.ends_at
        full_clean_or_error(slot)
        slot.save()
    sync_bounds(session)


def sync_bounds(session):
    bounds = list(session.slots.order_by("starts_at").values_list("starts_at", "ends_at"))
    session.starts_at = bounds[0][0] if bounds else None
    session.ends_at = max((end for _start, end in bounds), default=None)
    session.save(update_fields=["starts_at", "ends_at", "updated_at"])
