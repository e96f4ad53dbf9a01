"""Admin of the competency reference; every save goes through competences.services."""

from .content import (
    BlocAdmin,
    CompetenceAdmin,
    CriterionAdmin,
    ReferentialVersionAdmin,
)
from .pathways import PathwayAdmin
from .referentials import ReferentialAdmin

__all__ = [
    "BlocAdmin",
    "CompetenceAdmin",
    "CriterionAdmin",
    "PathwayAdmin",
    "ReferentialAdmin",
    "ReferentialVersionAdmin",
]
