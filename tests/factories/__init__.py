"""factory-boy factories, one module per app, re-exported: `from tests import factories`."""

from .accounts import *  # noqa: F403
from .competences import *  # noqa: F403
from .evaluation import *  # noqa: F403
from .trainings import *  # noqa: F403
