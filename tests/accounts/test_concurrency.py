"""The same membership asked twice at the same instant (a double click)."""

import threading

import pytest
from django.db import connection, connections

from accounts import services
from accounts.models import Membership
from tests import factories


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Two transactions at once are what is tested; SQLite has one writer anyway.",
)
@pytest.mark.django_db(transaction=True)
def test_joining_a_structure_twice_at_once_makes_one_membership(monkeypatch):
    user = factories.UserFactory()
    structure = factories.StructureFactory()
    both_checked = threading.Barrier(2)
    real_full_clean = Membership.full_clean

    def full_clean_then_wait(self, *args, **kwargs):
        real_full_clean(self, *args, **kwargs)
        both_checked.wait(timeout=10)  # both requests have passed every check

    monkeypatch.setattr(Membership, "full_clean", full_clean_then_wait)
    outcomes = []

    def join():
        try:
            services.membership_create(
                actor=user, user=user, structure=structure, function="aidant"
            )
            outcomes.append("ok")
        except Exception as error:
            outcomes.append(getattr(error, "code", repr(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=join) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["membership_exists", "ok"]
    assert Membership.objects.filter(user=user, structure=structure).count() == 1
