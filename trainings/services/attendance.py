"""Attendance (émargement): marks recorded by the trainer, or signed by the participant with the
slot's code or QR code. Marks append: a correction makes the previous mark non-current."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action, mask_secrets
from core.exceptions import DomainError
from core.models import AuditLog

from ..models import (
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    Registration,
    RegistrationStatus,
    SlotSignCode,
    _new_sign_code,
)
from ..selectors.attendance import sign_window
from . import events
from .session_rules import (
    check_can_manage,
    ensure_session_open,
    full_clean_or_error,
    lock_open_session,
    when,
)

TRAINER_METHODS = {AttendanceMethod.TRAINER, AttendanceMethod.IMPORT}
# Rows per INSERT or UPDATE in attendance_record_bulk: well under SQLite's and PostgreSQL's
# parameter limits, few statements for the largest import.
BULK_BATCH = 1000


def _ensure_status(status):
    if status not in AttendanceStatus.values:
        raise DomainError(
            _("Ce statut de présence n'existe pas."), "invalid_status", field="status"
        )


def ensure_slot_started(slot, now=None, *, field=None):
    """No mark, whatever its status or its way in (trainer, « tous présent·es », sign code, QR,
    import), before the slot starts: a present mark recorded in advance would count hours nobody
    attended yet, and an absent or excused one would prejudge the day (and block the
    participant's own signature, which a trainer's mark takes precedence over). A mark recorded
    before its slot also reads as a forgery on the completed attendance record."""
    now = now or timezone.now()
    if slot.starts_at > now:
        raise DomainError(
            _(
                "Le créneau du %(start)s n'a pas encore commencé : la présence se saisit à partir "
                "de son début."
            )
            % {"start": when(slot.starts_at)},
            "slot_not_started",
            field=field,
        )


def _lock_registration(registration):
    # Locking the registration serialises every write on its marks, also when none exists yet.
    return Registration.objects.select_for_update().get(pk=registration.pk)


def _write_mark(*, actor, slot, registration, status, method, batch=None):
    """Append a mark unless the current one already says the same. Caller holds the lock."""
    current = (
        Attendance.objects.filter(slot=slot, registration=registration, is_current=True)
        .select_for_update()
        .first()
    )
    if current is not None and current.status == status:
        return current, False
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    mark = Attendance(
        slot=slot,
        registration=registration,
        status=status,
        method=method,
        recorded_by=actor,
        is_current=True,
    )
    full_clean_or_error(mark)
    try:
        with transaction.atomic():
            mark.save()
    except IntegrityError as error:  # a concurrent write won the race despite the lock
        raise DomainError(
            _("Une autre saisie vient d'être enregistrée pour ce créneau ; rechargez la page."),
            "concurrent_write",
        ) from error
    log_action(
        actor=actor,
        action="attendance.record",
        target=mark,
        slot=slot.pk,
        registration=registration.pk,
        status=status,
        method=method,
        previous=current.status if current else None,
        **({"batch": batch} if batch else {}),
    )
    # Attended hours count toward pathways: the certification rules look again after commit.
    events.evidence_changed([registration.user_id])
    return mark, True


def attendance_record(*, actor, slot, registration, status, method=AttendanceMethod.TRAINER):
    """The trainer (or the hub) marks a participant for a slot. Returns (mark, created)."""
    if method not in TRAINER_METHODS:
        raise DomainError(_("Mode de saisie invalide."), "invalid_method")
    if registration.session_id != slot.session_id:
        raise DomainError(
            _("Ce créneau n'appartient pas à la session de cette inscription."), "slot_mismatch"
        )
    session = slot.session
    ensure_session_open(session)
    check_can_manage(actor, session)
    _ensure_status(status)
    ensure_slot_started(slot)
    with transaction.atomic():
        lock_open_session(session)
        registration = _lock_registration(registration)
        if registration.status != RegistrationStatus.REGISTERED:
            raise DomainError(
                _("Seules les personnes inscrites (hors liste d'attente) peuvent être émargées."),
                "not_registered",
            )
        return _write_mark(
            actor=actor, slot=slot, registration=registration, status=status, method=method
        )


def attendance_record_many(*, actor, session, marks, method=AttendanceMethod.TRAINER):
    """Several marks at once (the whole grid without JavaScript, an import): all or nothing.

    `marks` is an iterable of (slot, registration, status). Returns the number of new marks.
    """
    ensure_session_open(session)
    check_can_manage(actor, session)
    created = 0
    with transaction.atomic():
        for slot, registration, status in marks:
            _mark, was_created = attendance_record(
                actor=actor, slot=slot, registration=registration, status=status, method=method
            )
            created += was_created
    return created


class MarksRefused(DomainError):
    """attendance_record_bulk refused some marks; `errors` lists (key, message) pairs, in the
    order the marks were given, with the caller's key for each refused mark."""

    def __init__(self, errors):
        super().__init__(
            _("Aucun émargement n'a été enregistré : certaines saisies sont refusées."),
            "marks_refused",
        )
        self.errors = errors


def attendance_record_bulk(
    *, actor, session, marks, method=AttendanceMethod.IMPORT, now=None, on_write=None
):
    """Many trainer marks on one session (an import of thousands of rows), all or nothing, with
    the rules and writes of attendance_record in a fixed number of queries instead of some
    fifteen per mark.

    `marks` is a sequence of (key, slot, registration, status) applied in order, as if each went
    through attendance_record: a mark equal to the current one is unchanged and writes nothing,
    another one appends a current mark and makes the previous one non-current (also when that
    previous one came earlier in `marks`). Every new mark gets its own audit entry about the
    participant, as attendance_record writes: each person's « Qui a consulté ou modifié mes
    données » lists them. Every refused mark is reported at once: MarksRefused, with the
    caller's keys. `on_write(created, unchanged)` runs inside the transaction after the writes
    (the import's own audit entry). Returns (created, unchanged)."""
    if method not in TRAINER_METHODS:
        raise DomainError(_("Mode de saisie invalide."), "invalid_method")
    ensure_session_open(session)
    check_can_manage(actor, session)
    now = now or timezone.now()
    marks = list(marks)
    errors = []
    checked = []
    # The checks of attendance_record, in its order, before any lock.
    for key, slot, registration, status in marks:
        try:
            if registration.session_id != slot.session_id or slot.session_id != session.pk:
                raise DomainError(
                    _("Ce créneau n'appartient pas à la session de cette inscription."),
                    "slot_mismatch",
                )
            _ensure_status(status)
            ensure_slot_started(slot, now)
        except DomainError as error:
            errors.append((key, error.message))
            continue
        checked.append((key, slot, registration, status))
    with transaction.atomic():
        lock_open_session(session)
        registration_ids = sorted({registration.pk for _k, _s, registration, _st in checked})
        # Locked in pk order, as attendance_mark_all_present does: the same lock as each
        # attendance_record takes, so no signature slips in between the read and the writes.
        locked = {
            registration.pk: registration
            for registration in Registration.objects.select_for_update()
            .filter(pk__in=registration_ids)
            .only("pk", "status", "user_id")
            .order_by("pk")
        }
        for key, _slot, registration, _status in checked:
            if locked[registration.pk].status != RegistrationStatus.REGISTERED:
                errors.append(
                    (
                        key,
                        _(
                            "Seules les personnes inscrites (hors liste d'attente) peuvent être "
                            "émargées."
                        ),
                    )
                )
        if errors:
            order = {key: index for index, (key, *_rest) in enumerate(marks)}
            raise MarksRefused(sorted(errors, key=lambda error: order[error[0]]))
        slot_ids = sorted({slot.pk for _k, slot, _r, _st in checked})
        latest = {
            (mark.slot_id, mark.registration_id): mark
            for mark in Attendance.objects.select_for_update()
            .filter(slot_id__in=slot_ids, registration_id__in=registration_ids, is_current=True)
            .only("pk", "slot_id", "registration_id", "status")
        }
        superseded = []
        new_marks = []
        unchanged = 0
        for _key, slot, registration, status in checked:
            pair = (slot.pk, registration.pk)
            current = latest.get(pair)
            if current is not None and current.status == status:
                unchanged += 1
                continue
            if current is not None:
                if current.pk is None:  # appended earlier in this batch, not saved yet
                    current.is_current = False
                else:
                    superseded.append(current.pk)
            mark = Attendance(
                slot_id=slot.pk,
                registration_id=registration.pk,
                status=status,
                method=method,
                recorded_by=actor,
                is_current=True,
            )
            new_marks.append((mark, current.status if current else None))
            latest[pair] = mark
        # The superseded marks first: one current mark per slot and registration, always.
        for start in range(0, len(superseded), BULK_BATCH):
            Attendance.objects.filter(pk__in=superseded[start : start + BULK_BATCH]).update(
                is_current=False
            )
        Attendance.objects.bulk_create([mark for mark, _p in new_marks], batch_size=BULK_BATCH)
        audit_actor = actor if getattr(actor, "is_authenticated", False) else None
        AuditLog.objects.bulk_create(
            [
                AuditLog(
                    actor=audit_actor,
                    action="attendance.record",
                    subject_id=locked[mark.registration_id].user_id,
                    target_type=Attendance._meta.label_lower,
                    target_id=str(mark.pk),
                    # The data log_action keeps for attendance_record's entry.
                    data=mask_secrets(
                        {
                            "slot": mark.slot_id,
                            "registration": mark.registration_id,
                            "status": str(mark.status),
                            "method": str(method),
                            "previous": str(previous) if previous else None,
                        }
                    ),
                )
                for mark, previous in new_marks
            ],
            batch_size=BULK_BATCH,
        )
        if on_write is not None:
            on_write(len(new_marks), unchanged)
        # Attended hours count toward pathways: the certification rules look again after commit.
        events.evidence_changed([locked[mark.registration_id].user_id for mark, _p in new_marks])
    return len(new_marks), unchanged


def attendance_mark_all_present(*, actor, slot, now=None):
    """« Tous présent·es » for one slot: every registered participant without a current mark
    for it gets a present mark. An existing mark (absent, excused, late, or a signature) is never
    overwritten. Each new mark is appended and audited like a single one. Returns how many."""
    session = slot.session
    ensure_session_open(session)
    check_can_manage(actor, session)
    ensure_slot_started(slot, now)
    with transaction.atomic():
        lock_open_session(session)
        # Locking the registrations (by pk, as attendance_record does one by one) keeps a
        # signature or a trainer's choice from slipping in between the read and the writes.
        registrations = list(
            Registration.objects.select_for_update()
            .filter(session=session, status=RegistrationStatus.REGISTERED)
            .exclude(
                pk__in=Attendance.objects.filter(slot=slot, is_current=True).values(
                    "registration_id"
                )
            )
            .order_by("pk")
        )
        for registration in registrations:
            _write_mark(
                actor=actor,
                slot=slot,
                registration=registration,
                status=AttendanceStatus.PRESENT,
                method=AttendanceMethod.TRAINER,
                batch="all_present",
            )
    return len(registrations)


def slot_sign_code_get_or_create(*, actor, slot):
    """The code a trainer shows during a slot; created the first time the trainer opens it."""
    session = slot.session
    check_can_manage(actor, session)
    existing = SlotSignCode.objects.filter(slot=slot).first()
    if existing is not None:
        return existing
    ensure_session_open(session)
    with transaction.atomic():
        # Codes need only be distinct among slots whose signing windows are near in time.
        neighbours = SlotSignCode.objects.filter(
            slot__starts_at__lt=slot.ends_at + timedelta(days=1),
            slot__ends_at__gt=slot.starts_at - timedelta(days=1),
        )
        code = _new_sign_code()
        for _attempt in range(20):
            if not neighbours.filter(code=code).exists():
                break
            code = _new_sign_code()
        sign_code, created = SlotSignCode.objects.get_or_create(
            slot=slot, defaults={"code": code, "created_by": actor}
        )
        if created:
            log_action(actor=actor, action="attendance.sign_code_create", target=sign_code)
    return sign_code


def normalise_code(code):
    return "".join((code or "").split()).upper()


def _sign(*, actor, sign_code, registration, method, now):
    slot = sign_code.slot
    ensure_session_open(slot.session)
    ensure_slot_started(slot, now, field="code")
    opens, closes = sign_window(slot)
    if not opens <= now <= closes:
        raise DomainError(
            _("Ce code n'est valable que pendant son créneau."), "outside_slot", field="code"
        )
    with transaction.atomic():
        lock_open_session(slot.session)
        registration = _lock_registration(registration)
        if registration.status != RegistrationStatus.REGISTERED:
            raise _not_registered(registration)
        current = Attendance.objects.filter(
            slot=slot, registration=registration, is_current=True
        ).first()
        if current is not None:
            if current.method in TRAINER_METHODS:
                raise DomainError(
                    _(
                        "Votre présence à ce créneau a déjà été saisie par le formateur "
                        "(%(status)s)."
                    )
                    % {"status": current.get_status_display()},
                    "already_signed",
                    field="code",
                )
            raise DomainError(
                _("Vous avez déjà signé pour ce créneau."), "already_signed", field="code"
            )
        mark, _created = _write_mark(
            actor=actor,
            slot=slot,
            registration=registration,
            status=AttendanceStatus.PRESENT,
            method=method,
        )
    return mark


def _not_registered(registration=None):
    if registration is not None and registration.status == RegistrationStatus.WAITING:
        return DomainError(
            _("Vous êtes sur la liste d'attente de cette session : vous ne pouvez pas émarger."),
            "not_registered",
            field="code",
        )
    return DomainError(
        _("Vous n'êtes pas inscrit·e à la session de ce code."), "not_registered", field="code"
    )


def _unknown_code():
    return DomainError(
        _(
            "Ce code ne correspond à aucun créneau de vos sessions : vérifiez-le auprès du "
            "formateur ou de la formatrice."
        ),
        "unknown_code",
        field="code",
    )


def _active_registration(actor, session_id):
    return (
        Registration.objects.filter(session_id=session_id, user=actor)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )


def attendance_sign_with_code(*, actor, code, now=None):
    """The participant types the code the trainer shows. Returns the new mark."""
    now = now or timezone.now()
    candidates = list(
        SlotSignCode.objects.filter(code=normalise_code(code)).select_related("slot__session")
    )
    if not candidates:
        raise _unknown_code()
    registrations = {
        r.session_id: r
        for r in Registration.objects.filter(
            user=actor, session_id__in={c.slot.session_id for c in candidates}
        ).exclude(status=RegistrationStatus.CANCELLED)
    }
    mine = [c for c in candidates if c.slot.session_id in registrations]
    if not mine:
        # The same answer as for a code that does not exist: whoever tries codes learns nothing
        # about other sessions' live codes.
        raise _unknown_code()
    # The same code may exist on distant slots: prefer the one open now.
    mine.sort(key=lambda c: not (sign_window(c.slot)[0] <= now <= sign_window(c.slot)[1]))
    sign_code = mine[0]
    return _sign(
        actor=actor,
        sign_code=sign_code,
        registration=registrations[sign_code.slot.session_id],
        method=AttendanceMethod.CODE,
        now=now,
    )


def attendance_sign_with_token(*, actor, token, now=None):
    """The participant scanned the QR code and confirmed. Returns the new mark."""
    now = now or timezone.now()
    sign_code = SlotSignCode.objects.filter(token=token).select_related("slot__session").first()
    if sign_code is None:
        raise _unknown_code()
    registration = _active_registration(actor, sign_code.slot.session_id)
    if registration is None:
        raise _not_registered()
    return _sign(
        actor=actor,
        sign_code=sign_code,
        registration=registration,
        method=AttendanceMethod.QR,
        now=now,
    )
