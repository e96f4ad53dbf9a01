"""The certificates tests' scenario (a session, a participant, a pathway) serves here too."""

from tests.certificates.conftest import issuer, world  # noqa: F401
