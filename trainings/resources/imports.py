"""Imports into a session: participants and attendance from CSV/XLSX. Rows are plain objects;
participants go one by one through registration_add_by_trainer, attendance rows are checked in
memory and written together by attendance_record_bulk."""

import datetime
import re
import unicodedata
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader

from core.exceptions import DomainError

from ..models import (
    AttendanceMethod,
    AttendanceStatus,
    Registration,
    RegistrationStatus,
)

# Column names people actually type, normalised (lower case, no accents, no spaces/dashes).
COLUMN_ALIASES = {
    "email": "email",
    "mail": "email",
    "courriel": "email",
    "adressemail": "email",
    "adresseemail": "email",
    "adressecourriel": "email",
    "firstname": "first_name",
    "prenom": "first_name",
    "lastname": "last_name",
    "nom": "last_name",
    "nomdefamille": "last_name",
    "slot": "slot",
    "creneau": "slot",
    "debutducreneau": "slot",
    "debut": "slot",
    "demijournee": "slot",
    "status": "status",
    "statut": "status",
    "presence": "status",
}

STATUS_ALIASES = {
    "present": AttendanceStatus.PRESENT,
    "presente": AttendanceStatus.PRESENT,
    "presente(e)": AttendanceStatus.PRESENT,
    "p": AttendanceStatus.PRESENT,
    "late": AttendanceStatus.LATE,
    "enretard": AttendanceStatus.LATE,
    "retard": AttendanceStatus.LATE,
    "r": AttendanceStatus.LATE,
    "excused": AttendanceStatus.EXCUSED,
    "excuse": AttendanceStatus.EXCUSED,
    "excusee": AttendanceStatus.EXCUSED,
    "absentexcuse": AttendanceStatus.EXCUSED,
    "absenteexcusee": AttendanceStatus.EXCUSED,
    "e": AttendanceStatus.EXCUSED,
    "absent": AttendanceStatus.ABSENT,
    "absente": AttendanceStatus.ABSENT,
    "a": AttendanceStatus.ABSENT,
}

# Addresses per query when looking up accounts in bulk.
IMPORT_BATCH = 500

SLOT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M")


def squash(value):
    """Lower case, accents and separators removed: 'Présent·e' → 'presente'."""
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-.·'’]+", "", text.lower())


def normalise_headers(headers):
    return [COLUMN_ALIASES.get(squash(h), squash(h)) for h in headers]


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class RowRefused(ValidationError):
    """One import row cannot be taken; its message is shown with the line number."""


class _SessionImportResource(resources.Resource):
    """Rows are plain objects: the services, not the resource, write to the database.

    Subclasses define `resolve(instance)` (turn the row's text into objects, raising RowRefused)
    and `write(instance)` (call the service; return True when something was created)."""

    required_columns = ("email",)

    class Meta:
        force_init_instance = True
        instance_loader_class = BaseInstanceLoader
        skip_diff = True
        use_transactions = True

    def __init__(self, *, actor, session):
        super().__init__()
        self.actor = actor
        self.session = session
        self.summary = {"created": 0, "unchanged": 0}

    def init_instance(self, row=None):
        return SimpleNamespace(empty=False)

    def import_instance(self, instance, row, **kwargs):
        if all(cell_text(value) == "" for value in row.values()):
            instance.empty = True
            return
        for field in self.get_import_fields():
            setattr(instance, field.attribute, cell_text(row.get(field.column_name)))
        self.resolve(instance)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return instance.empty

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            created = self.write(instance)
        except DomainError as error:
            raise RowRefused(error.message) from error
        self.summary["created" if created else "unchanged"] += 1

    def save_m2m(self, instance, row, **kwargs):
        pass

    def user_for(self, email):
        if not email:
            raise RowRefused(_("l'adresse e-mail est vide."))
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise RowRefused(
                _("aucun compte n'existe avec l'adresse « %(email)s ».") % {"email": email}
            )
        return user


class ParticipantImportResource(_SessionImportResource):
    """Columns: email (required), first_name and last_name (optional, checked against the
    account). Registers each person through registration_add_by_trainer."""

    email = Field(attribute="email", column_name="email")
    first_name = Field(attribute="first_name", column_name="first_name")
    last_name = Field(attribute="last_name", column_name="last_name")

    def get_import_fields(self):
        return [self.fields["email"], self.fields["first_name"], self.fields["last_name"]]

    def resolve(self, instance):
        instance.user = self.user_for(instance.email)
        if instance.last_name and squash(instance.last_name) != squash(instance.user.last_name):
            raise RowRefused(
                _("le nom « %(given)s » ne correspond pas au compte %(email)s (%(name)s).")
                % {
                    "given": instance.last_name,
                    "email": instance.user.email,
                    "name": instance.user.get_full_name(),
                }
            )

    def write(self, instance):
        from ..services.registrations import registration_add_by_trainer

        if Registration.objects.filter(
            session=self.session, user=instance.user, status=RegistrationStatus.REGISTERED
        ).exists():
            return False
        registration_add_by_trainer(actor=self.actor, session=self.session, user=instance.user)
        return True


class AttendanceImportResource(_SessionImportResource):
    """Columns: email, slot (start 'YYYY-MM-DD HH:MM' or its number in the session, from 1) and
    status (présent, en retard, excusé, absent, or the codes present, late, excused, absent).
    A row with an empty status is skipped.

    trainings.services.imports calls resolve_marks() then attendance_record_bulk: a file of
    10,000 rows in a few queries. The row-by-row import_data() (each row through
    attendance_record) gives the same marks and errors, some fifteen queries a row; the tests
    check one against the other."""

    required_columns = ("email", "slot", "status")

    email = Field(attribute="email", column_name="email")
    slot = Field(attribute="slot", column_name="slot")
    status = Field(attribute="status", column_name="status")

    def __init__(self, *, actor, session):
        super().__init__(actor=actor, session=session)
        self.slots = list(session.slots.order_by("starts_at"))
        # Filled by resolve_marks: e-mail (lower case) → registered Registration / any account.
        self.registered = None
        self.accounts = {}

    def get_import_fields(self):
        return [self.fields["email"], self.fields["slot"], self.fields["status"]]

    def import_instance(self, instance, row, **kwargs):
        # Keep the raw slot cell: XLSX gives real datetimes.
        instance.slot_value = row.get("slot")
        super().import_instance(instance, row, **kwargs)

    def resolve(self, instance):
        # A row without status records nothing (the attendance export lists unmarked cells).
        if instance.status == "":
            instance.empty = True
            return
        self.resolve_mark(instance)

    def resolve_mark(self, instance):
        instance.registration = self.registration_for(instance.email)
        instance.slot_obj = self.slot_for(instance.slot_value)
        instance.status_code = self.status_for(instance.status)

    def registration_for(self, email):
        if self.registered is None:
            user = self.user_for(email)
            registration = Registration.objects.filter(
                session=self.session, user=user, status=RegistrationStatus.REGISTERED
            ).first()
        else:
            # The same answers as user_for and the query above, from what resolve_marks loaded
            # (e-mail addresses are stored in lower case, unique whatever the case).
            if not email:
                raise RowRefused(_("l'adresse e-mail est vide."))
            registration = self.registered.get(email.lower())
            user = registration.user if registration else self.accounts.get(email.lower())
            if user is None:
                raise RowRefused(
                    _("aucun compte n'existe avec l'adresse « %(email)s ».") % {"email": email}
                )
        if registration is None:
            raise RowRefused(
                _("%(email)s n'est pas inscrit·e à cette session.") % {"email": user.email}
            )
        return registration

    def status_for(self, text):
        code = STATUS_ALIASES.get(squash(text))
        if code is None:
            raise RowRefused(
                _("statut « %(status)s » inconnu (attendu : présent, en retard, excusé ou absent).")
                % {"status": text}
            )
        return code

    def _load_people(self, emails):
        """Two queries whatever the number of rows: the session's registered participants, and
        the accounts behind the other addresses (whose rows are refused, each with its reason)."""
        self.registered = {
            registration.user.email.lower(): registration
            for registration in Registration.objects.filter(
                session=self.session, status=RegistrationStatus.REGISTERED
            )
            .select_related("user")
            .only("pk", "session", "status", "user__email")
        }
        unknown = sorted({email.lower() for email in emails if email} - set(self.registered))
        self.accounts = {}
        for start in range(0, len(unknown), IMPORT_BATCH):
            for user in (
                get_user_model()
                .objects.filter(email__in=unknown[start : start + IMPORT_BATCH])
                .only("pk", "email")
            ):
                self.accounts[user.email.lower()] = user

    def resolve_marks(self, dataset, *, now=None):
        """Every row of `dataset` checked in memory as import_data() checks it row by row (same
        order of checks, same messages, slots not started yet included). Returns (marks,
        errors): marks are (line, slot, registration, status) for attendance_record_bulk, errors
        (line, message); line 1 is the header."""
        from ..services.attendance import ensure_slot_started

        now = now or timezone.now()
        rows = []
        for number, data_row in enumerate(dataset, 1):
            row = dict(zip(dataset.headers, data_row, strict=False))
            if all(cell_text(value) == "" for value in row.values()):
                continue
            status = cell_text(row.get("status"))
            if status == "":
                continue
            rows.append((number + 1, cell_text(row.get("email")), row.get("slot"), status))
        self._load_people(email for _line, email, _slot, _status in rows)
        marks, errors = [], []
        for line, email, slot_value, status in rows:
            try:
                registration = self.registration_for(email)
                slot = self.slot_for(slot_value)
                code = self.status_for(status)
                try:
                    ensure_slot_started(slot, now)
                except DomainError as error:
                    raise RowRefused(error.message) from error
            except RowRefused as error:
                errors.append((line, " ".join(str(m) for m in error.messages)))
                continue
            marks.append((line, slot, registration, code))
        return marks, errors

    def slot_for(self, value):
        text = cell_text(value)
        if isinstance(value, datetime.datetime):
            moment = value
        elif re.fullmatch(r"\d{1,3}", text):
            number = int(text)
            if not 1 <= number <= len(self.slots):
                raise RowRefused(
                    _("la session n'a pas de créneau n°%(number)s (elle en a %(count)s).")
                    % {"number": number, "count": len(self.slots)}
                )
            return self.slots[number - 1]
        else:
            moment = None
            for pattern in SLOT_FORMATS:
                try:
                    moment = datetime.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
            if moment is None:
                raise RowRefused(
                    _(
                        "créneau « %(value)s » illisible (attendu : AAAA-MM-JJ HH:MM ou le numéro "
                        "du créneau)."
                    )
                    % {"value": text}
                )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        for slot in self.slots:
            if slot.starts_at == moment:
                return slot
        raise RowRefused(
            _("aucun créneau de la session ne commence le %(moment)s.")
            % {"moment": formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")}
        )

    def write(self, instance):
        from ..services.attendance import attendance_record

        _mark, created = attendance_record(
            actor=self.actor,
            slot=instance.slot_obj,
            registration=instance.registration,
            status=instance.status_code,
            method=AttendanceMethod.IMPORT,
        )
        return created
