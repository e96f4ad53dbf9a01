"""Two hub coordinators changing which versions are in force at the same instant."""

import threading
import time

import pytest
from django.db import connection, connections

from competences import services
from competences.models import VersionStatus
from competences.services import versions as version_services
from tests import factories

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Row locks (SELECT … FOR UPDATE) are what is tested; SQLite has one writer anyway.",
    ),
    pytest.mark.django_db(transaction=True),
]


def _three_versions():
    """v1 published, v2 and v3 complete drafts."""
    hub = factories.HubCoordinatorFactory()
    v1 = factories.make_reference(blocs=1, competences=1, criteria=1)
    v2 = services.version_clone(actor=hub, version=v1)
    v3 = services.version_clone(actor=hub, version=v1)
    return hub, v1, v2, v3


def _race(monkeypatch, first, second, *, pause_after):
    """Run `first` in a thread that stops for a moment, inside its transaction, right after
    writing the audit entry `pause_after`; run `second` meanwhile. Returns their errors."""
    real_log_action = version_services.log_action
    paused = threading.Event()
    errors = {}

    def log_action_then_pause(**kwargs):
        entry = real_log_action(**kwargs)
        if threading.current_thread().name == "first" and kwargs["action"] == pause_after:
            paused.set()
            time.sleep(0.5)
        return entry

    monkeypatch.setattr(version_services, "log_action", log_action_then_pause)

    def run(name, func):
        try:
            func()
        except Exception as error:  # reported by the assertions of the test
            errors[name] = error
        finally:
            connections.close_all()

    one = threading.Thread(target=run, args=("first", first), name="first")
    one.start()
    assert paused.wait(timeout=10)
    two = threading.Thread(target=run, args=("second", second), name="second")
    two.start()
    one.join(timeout=30)
    two.join(timeout=30)
    return errors


def _statuses(*versions):
    for version in versions:
        version.refresh_from_db()
    return [version.status for version in versions]


def test_publishing_while_the_previous_version_is_being_retired(monkeypatch):
    """The publication tried to retire v1 again once the retirement was committed, and failed
    with "only a published version can be retired"."""
    hub, v1, v2, _v3 = _three_versions()
    errors = _race(
        monkeypatch,
        lambda: services.version_retire(actor=hub, version=v1),
        lambda: services.version_publish(actor=hub, version=v2, retire_previous=True),
        pause_after="version.retire",
    )
    assert errors == {}
    assert _statuses(v1, v2) == [VersionStatus.RETIRED, VersionStatus.PUBLISHED]


def test_two_publications_retiring_the_previous_ones_leave_one_version_in_force(monkeypatch):
    """Each publication retired the versions published before it started: v2 and v3 both
    stayed published although both asked to retire the previous ones."""
    hub, v1, v2, v3 = _three_versions()
    errors = _race(
        monkeypatch,
        lambda: services.version_publish(actor=hub, version=v2, retire_previous=True),
        lambda: services.version_publish(actor=hub, version=v3, retire_previous=True),
        pause_after="version.publish",
    )
    assert errors == {}
    assert _statuses(v1, v2, v3) == [
        VersionStatus.RETIRED,
        VersionStatus.RETIRED,
        VersionStatus.PUBLISHED,
    ]
