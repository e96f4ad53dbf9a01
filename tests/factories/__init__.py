"""factory-boy factories, one module per app, all re-exported here: `from tests import factories`."""

from .accounts import *  # noqa: F403
from .competences import *  # noqa: F403
from .trainings import *  # noqa: F403
