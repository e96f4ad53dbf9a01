"""Writes about a person's own data: exports (right of access), erasure (pseudonymisation) and
the retention periods applied every night."""

from .erasure import (  # noqa: F401
    ErasureBlocked,
    erasure_blockers,
    erasure_request,
    person_erase,
)
from .exports import (  # noqa: F401
    EXPORT_DAYS,
    MAX_PER_DAY,
    is_downloadable,
    personal_data_export_build,
    personal_data_export_request,
    personal_data_exports_purge,
)
