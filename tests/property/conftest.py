"""Property-based tests (hypothesis) of every form and import, driven through the real views.

Profiles: "default" is deterministic and small enough for every run of the suite; set
HYPOTHESIS_PROFILE=long for many more examples (still deterministic). Each example runs inside a
savepoint that is rolled back (see `isolated`), so examples are independent of each other while
sharing the test's fixtures.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

_COMMON = {
    "derandomize": True,
    "deadline": None,
    "database": None,  # derandomized: nothing worth replaying, and no .hypothesis/ folder
    "print_blob": False,
    # Fixtures are built once per test and every example is rolled back (see `isolated`).
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}
settings.register_profile("default", max_examples=25, **_COMMON)
settings.register_profile("long", max_examples=400, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def hostile_client(client):
    """The Django test client, raising the view's exception (a 500 shows its traceback)."""
    client.raise_request_exception = True
    return client
