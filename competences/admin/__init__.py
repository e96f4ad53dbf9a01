"""Admin of the competency reference; every save goes through competences.services."""

from .items import BlocAdmin, CompetenceAdmin, CriterionAdmin
from .pathways import PathwayAdmin
from .referentials import ReferentialAdmin
from .versions import ReferentialVersionAdmin

__all__ = [
    "BlocAdmin",
    "CompetenceAdmin",
    "CriterionAdmin",
    "PathwayAdmin",
    "ReferentialAdmin",
    "ReferentialVersionAdmin",
]
