"""What the public verification says about an attestation, one of: valid, suspended, revoked,
expired, unknown — in French and English, since the reader may be either."""

from dataclasses import dataclass

from django.utils import timezone

from .models import AttestationStatus

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
