"""What the public verification says about an attestation, one of: valid, suspended, revoked,
expired, unknown — in French and English, since the reader may be either."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from core.ratelimit import allow_then_read, consume, counter_name

from .models import Attestation, AttestationStatus

STATUS_TEXT = {
    "valid": ("Attestation valide", "Valid certificate"),
    "suspended": ("Attestation suspendue", "Suspended certificate"),
    "revoked": ("Attestation révoquée", "Revoked certificate"),
    "expired": ("Attestation expirée", "Expired certificate"),
    "unknown": ("Code inconnu", "Unknown code"),
    "typo": ("Ce code contient une faute de frappe", "This code contains a typo"),
}


@dataclass(frozen=True)
class Verdict:
    status: str
    attestation: object = None

    @property
    def text_fr(self):
        return STATUS_TEXT[self.status][0]

    @property
    def text_en(self):
        return STATUS_TEXT[self.status][1]

    @property
    def is_valid(self):
        return self.status == "valid"


def verdict_for(attestation, today=None):
    if attestation is None:
        return Verdict("unknown")
    today = today or timezone.localdate()
    if attestation.status == AttestationStatus.REVOKED:
        return Verdict("revoked", attestation)
    if attestation.status == AttestationStatus.SUSPENDED:
        return Verdict("suspended", attestation)
    if attestation.valid_until is not None and attestation.valid_until < today:
        return Verdict("expired", attestation)
    return Verdict("valid", attestation)


def as_json(verdict, url):
    """The machine-readable status (no personal detail beyond what the page shows)."""
    if verdict.attestation is None:
        return {"status": verdict.status}
    attestation = verdict.attestation
    data = {
        "status": verdict.status,
        "serial": attestation.serial,
        "kind": attestation.kind,
        "holder": attestation.facts.get("holder", {}).get("name", ""),
        "holder_anonymised": bool(attestation.facts.get("holder", {}).get("anonymised")),
        "issuer": attestation.facts.get("issuer", {}).get("legal_name", ""),
        "issued_at": attestation.issued_at.isoformat(),
        "valid_until": attestation.valid_until.isoformat() if attestation.valid_until else None,
        "sha256": attestation.sha256,
        "key_id": attestation.key_id,
        "url": url,
    }
    if attestation.status != AttestationStatus.VALID:
        data["status_changed_at"] = (
            attestation.status_changed_at.isoformat() if attestation.status_changed_at else None
        )
        data["reason"] = attestation.status_reason
    return data


# The public page, fast: a verdict rendered once per attestation state -------------------------

VERDICT_CACHE = "verification"
# Not read by the page: the Open Badge (a few kilobytes, served at /verifier/<code>.jwt).
UNREAD_FIELDS = ("credential",)

# One audit entry per attestation per half-hour at most (core.ratelimit counts them; with its two
# windows, entries of a much-checked attestation come 30 to 60 minutes apart): the holder still
# sees in « Mes données » that and when their attestation was checked, which one entry per
# half-hour tells as well as one per reload, and the log no longer grows with every request
# (decision 41 logs reads of someone's records the same way, once per half-hour).
LOG_EVERY_SECONDS = 30 * 60


def attestation_for_page(code):
    """The attestation with this code for the public page (one query), or None."""
    return Attestation.objects.defer(*UNREAD_FIELDS).filter(verification_code=code).first()


@dataclass(frozen=True)
class AttestationState:
    """What the public page depends on, read without the attestation's contents: a status
    change (revocation, suspension, reinstatement) sets status_changed_at, erasure sets
    facts.holder.anonymised, the holder toggles show_details, the day decides expiry; everything
    else in an issued attestation is frozen."""

    pk: int
    verification_code: str
    serial: str
    status: str
    status_changed_at: object
    valid_until: object
    show_details: bool
    anonymised: bool
    holder_id: int

    @classmethod
    def of(cls, attestation):
        return cls(
            pk=attestation.pk,
            verification_code=attestation.verification_code,
            serial=attestation.serial,
            status=attestation.status,
            status_changed_at=attestation.status_changed_at,
            valid_until=attestation.valid_until,
            show_details=bool(attestation.show_details),
            anonymised=bool((attestation.facts.get("holder") or {}).get("anonymised")),
            holder_id=attestation.holder_id,
        )

    def audit_target(self):
        """The attestation as the audit entry names it (its id and its holder's, both here): no
        query for the entry written once per half-hour."""
        return Attestation(pk=self.pk, holder_id=self.holder_id)


# The state is read by the public page at every request: its query is compiled once per process
# by the ORM (so it follows the model and every database), then run with each code as its
# parameter. Compiling it took three times as long as running it.
_STATE_FIELDS = (
    "pk",
    "verification_code",
    "serial",
    "status",
    "status_changed_at",
    "valid_until",
    "show_details",
    "holder_id",
)
_PROBE_CODE = "\x00code"  # stands for the code while compiling; no real code looks like it
_compiled_state_query = {}


def _state_query(alias):
    """(SQL, its parameters, the position of the code among them) for database `alias`."""
    compiled = _compiled_state_query.get(alias)
    if compiled is None:
        queryset = (
            Attestation.objects.using(alias)
            .filter(verification_code=_PROBE_CODE)
            .order_by()  # the code is unique
            .values(
                *_STATE_FIELDS,
                anonymised=ExpressionWrapper(
                    Q(facts__holder__anonymised=True), output_field=BooleanField()
                ),
            )[:1]
        )
        sql, params = queryset.query.get_compiler(using=alias).as_sql()
        compiled = _compiled_state_query[alias] = (sql, tuple(params), params.index(_PROBE_CODE))
    return compiled


def _state_read(code):
    sql, params, position = _state_query(Attestation.objects.db)
    params = list(params)
    params[position] = code
    return sql, params


def _state_of(row):
    if row is None:
        return None
    *fields, show_details, holder_id, anonymised = row
    return AttestationState(
        *fields, show_details=bool(show_details), holder_id=holder_id, anonymised=bool(anonymised)
    )


def allowed_attestation_state(request, code):
    """(allowed by the verification's rate limit, the attestation's state or None): the
    limiter's count and the state in one round trip to PostgreSQL (core.ratelimit)."""
    allowed, row = allow_then_read(request, "verify", *_state_read(code))
    return allowed, _state_of(row)


def _key_part(value):
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def state_key(state, *, today, language):
    """The cache key of what the page shows about an attestation as it stands (an
    AttestationState). A new state is a new key: a revoked attestation is never answered from
    the cache of its valid days, in any process. (The code and serial too: an id alone could
    come back after a restore.)"""
    parts = (
        state.verification_code,
        state.pk,
        state.serial,
        state.status,
        _key_part(state.status_changed_at),
        _key_part(state.valid_until),
        int(state.show_details),
        int(state.anonymised),
        today.isoformat(),
        language,
    )
    return "verdict:" + ":".join(map(str, parts))


def cached_verdict_html(attestation, render, *, today=None):
    """(verdict, its HTML) for the page: `render(verdict)` runs once per state of the
    attestation in each process, the cache answers the other times."""
    today = today or timezone.localdate()
    verdict = verdict_for(attestation, today=today)
    verdicts = caches[VERDICT_CACHE]
    key = state_key(
        AttestationState.of(attestation), today=today, language=translation.get_language()
    )
    html = verdicts.get(key)
    if html is None:
        html = str(render(verdict))
        verdicts.set(key, html)
    return verdict, mark_safe(html)  # noqa: S308 (rendered by the template engine, escaped there)


# The whole page, for a visitor without a session -------------------------------------------
#
# Most verifications come from a scanned QR code: a visitor with no session, to whom the page
# is the same as to anyone else (no account, no messages, the same menu, and no CSRF token: the
# language switch needs none). It is rendered once per attestation state and language in each
# process, then served as it is (decision 55).


def is_shared_view(request):
    """True when this visitor sees the page exactly as any visitor without a session would:
    no session cookie (so no account and no stored messages), no messages cookie, no query
    string (the page's links and forms repeat the path)."""
    cookies = request.COOKIES
    return (
        not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
    )


def shared_page(key, render):
    """The response for a visitor without a session: `render()` runs once per key in this
    process."""
    pages = caches[VERDICT_CACHE]
    key = "page:" + key
    html = pages.get(key)
    if html is None:
        html = str(render())
        pages.set(key, html)
    return HttpResponse(html)


# (attestation pk, code) → the last window in which this process knows the answer is « no »:
# the database counter says so until then, so asking it again would only cost a round trip.
_known_logged = {}
KNOWN_LOGGED_MAX = 20000


def should_log(attestation, *, now=None):
    """True for the first verification of this attestation in the current half-hour (and the one
    before, core.ratelimit's windows): the one that goes into the audit log. Decided by one
    shared counter for every process."""
    now = time.time() if now is None else now
    window = int(now // LOG_EVERY_SECONDS)
    key = (attestation.pk, attestation.verification_code)
    known = _known_logged.get(key)
    if known is not None and window <= known:
        return False
    logged = consume(counter_name("verify-log", attestation.pk), 1, LOG_EVERY_SECONDS, now=now)
    if len(_known_logged) >= KNOWN_LOGGED_MAX:
        _known_logged.clear()
    # Logged in this window: the counter refuses until the end of the next one (two windows
    # counted); refused: at least until the end of this one.
    _known_logged[key] = window + 1 if logged else window
    return logged
