import pytest
from django.core.management import call_command

from accounts.models import Membership, Structure, User
from core.permissions import is_hub_coordinator


@pytest.mark.django_db
def test_demo_data_builds_a_network_and_is_idempotent(capsys):
    call_command("demo_data")
    output = capsys.readouterr().out
    assert "coordination@demo.socle.test" in output
    counts = (User.objects.count(), Structure.objects.count(), Membership.objects.count())
    assert User.objects.filter(email__startswith="mediateur").count() == 30
    departements = set(Structure.objects.values_list("commune__departement_id", flat=True))
    assert departements == {"02", "59", "60", "62", "80"}
    kinds = set(Structure.objects.values_list("kind", flat=True))
    assert len(kinds) == 7
    assert is_hub_coordinator(User.objects.get(email="coordination@demo.socle.test"))

    call_command("demo_data")
    assert (User.objects.count(), Structure.objects.count(), Membership.objects.count()) == counts
