"""The competency reference: referentials, frozen versions, blocs → competences → criteria,
the proficiency scale, and the certifying pathways built on a published version.

Invariants that need other rows (a published version is frozen, a code is unique in its version
whatever the kind of item) are enforced by competences.services; what the database can check
(one "acquired" level per scale, codes unique per kind and version...) is enforced here.
"""

from .pathways import (
    Pathway,
    PathwayAudience,
    PathwayBloc,
    PathwayRequirement,
    PathwayRuleSet,
)
from .reference import (
    Bloc,
    Competence,
    Criterion,
    ProficiencyLevel,
    Referential,
    ReferentialVersion,
    VersionStatus,
)

__all__ = [
    "Bloc",
    "Competence",
    "Criterion",
    "Pathway",
    "PathwayAudience",
    "PathwayBloc",
    "PathwayRequirement",
    "PathwayRuleSet",
    "ProficiencyLevel",
    "Referential",
    "ReferentialVersion",
    "VersionStatus",
]
