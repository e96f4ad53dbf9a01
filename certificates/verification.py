"""What the public verification says about an attestation, one of: valid, suspended, revoked,
expired, unknown — in French and English, since the reader may be either."""

import time
from dataclasses import dataclass

from django.core.cache import caches
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from core.ratelimit import consume, counter_name

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


def state_key(attestation, *, today, language):
    """The cache key of the page's verdict on this attestation as it stands. What the page shows
    depends only on these: a status change (revocation, suspension, reinstatement) sets
    status_changed_at, erasure sets facts.holder.anonymised, the holder toggles show_details,
    the day decides expiry; everything else in an issued attestation is frozen. So a new state
    is a new key: a revoked attestation is never answered from the cache of its valid days, in
    any process. (The code and serial too: an id alone could come back after a restore.)"""
    changed_at = attestation.status_changed_at
    parts = (
        attestation.verification_code,
        attestation.pk,
        attestation.serial,
        attestation.status,
        changed_at.isoformat() if changed_at else "",
        attestation.valid_until.isoformat() if attestation.valid_until else "",
        int(bool(attestation.show_details)),
        int(bool((attestation.facts.get("holder") or {}).get("anonymised"))),
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
    key = state_key(attestation, today=today, language=translation.get_language())
    html = verdicts.get(key)
    if html is None:
        html = str(render(verdict))
        verdicts.set(key, html)
    return verdict, mark_safe(html)  # noqa: S308 (rendered by the template engine, escaped there)


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
