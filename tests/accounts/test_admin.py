"""The accounts admin goes through the services where a rule is attached to a change."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from core.models import AuditLog
from core.permissions import is_hub_coordinator
from tests import factories
from tests.competences.test_admin import form_data


@pytest.mark.django_db
def test_naming_a_hub_coordinator_in_the_admin_gives_and_takes_admin_access(client_for):
    """Through the groups field the role came without is_staff (no access to the reference's
    admin) and, taken back, left is_staff behind, with no audit entry either way."""
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    person = factories.UserFactory()
    group = Group.objects.get(name=settings.SOCLE_HUB_COORDINATOR_GROUP)
    client = client_for(superuser)
    url = reverse("admin:accounts_user_change", args=[person.pk])

    data = form_data(client.get(url))
    data["groups"] = [str(group.pk)]
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert is_hub_coordinator(person) and person.is_staff

    data = form_data(client.get(url))
    data.pop("groups", None)
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert not person.groups.exists() and not person.is_staff
    assert AuditLog.objects.filter(action="user.set_hub_coordinator").count() == 2
