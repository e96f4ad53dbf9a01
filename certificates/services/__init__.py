"""Every write about enrolments and certification decisions goes through these functions."""

from .decisions import (
    decide_for_people,
    decision_validate_manually,
    decision_withdraw,
    enrollment_decide,
    request_decisions,
)
from .enrollments import (
    enrollment_create,
    enrollment_create_many,
    enrollment_move,
    enrollment_withdraw,
)

__all__ = [
    "decide_for_people",
    "decision_validate_manually",
    "decision_withdraw",
    "enrollment_create",
    "enrollment_create_many",
    "enrollment_decide",
    "enrollment_move",
    "enrollment_withdraw",
    "request_decisions",
]
