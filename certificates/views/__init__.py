"""Views of the certificates app, by room: progress and follow-up, attestations, verification."""

from .attestations import (
    attestation_manage,
    download,
    issuer_edit,
    my_attestations,
    session_attestations,
    session_attestations_issue,
    session_attestations_zip,
    show_details,
)
from .progress import (
    decision_proof,
    enroll,
    enroll_many,
    enrollment_detail,
    enrollment_list,
    home_panel,
    move_rule_set,
    my_progress,
    session_progress,
    validate_manually,
    withdraw,
    withdraw_decision,
)
from .verification import verify, verify_home, verify_json

__all__ = [
    "attestation_manage",
    "decision_proof",
    "download",
    "enroll",
    "enroll_many",
    "enrollment_detail",
    "enrollment_list",
    "home_panel",
    "issuer_edit",
    "move_rule_set",
    "my_attestations",
    "my_progress",
    "session_attestations",
    "session_attestations_issue",
    "session_attestations_zip",
    "session_progress",
    "show_details",
    "validate_manually",
    "verify",
    "verify_home",
    "verify_json",
    "withdraw",
    "withdraw_decision",
]
