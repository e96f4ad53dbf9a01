"""The biggest admin changelists search people by prefix through the accounts table and do not
count unfiltered millions of rows exactly."""

import pytest
from django.urls import reverse

from core.admin_scale import EstimatedCountPaginator
from tests import factories
from trainings.models import Assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return factories.UserFactory(is_staff=True, is_superuser=True)


def test_assessment_search_by_person_prefix_or_exact_code(client, superuser):
    session = factories.make_session(participants=0)
    first = factories.UserFactory(email="zelie.martin@exemple.test")
    second = factories.UserFactory(email="yann.durand@exemple.test")
    for person in (first, second):
        factories.RegistrationFactory(session=session, user=person)
    competence = session.competences.order_by("code").first()
    mine = factories.AssessmentFactory(session=session, participant=first, competence=competence)
    factories.AssessmentFactory(
        session=session, participant=second, competence=session.competences.order_by("code")[1]
    )
    client.force_login(superuser)
    url = reverse("admin:trainings_assessment_changelist")
    found = client.get(url, {"q": first.email[:6].upper()}).context["cl"].result_list
    assert (
        mine in list(found)
        and all(a.participant_id != second.pk for a in found)
        or (first.email[:6].lower() == second.email[:6].lower())
    )
    by_code = client.get(url, {"q": competence.code.lower()}).context["cl"].result_list
    assert {a.competence_id for a in by_code} == {competence.pk}
    assert client.get(url, {"q": "personne-inconnue"}).context["cl"].result_count == 0


def test_registration_and_audit_changelists_open_and_search(client, superuser):
    session = factories.make_session(participants=1)
    person = session.registrations.get().user
    client.force_login(superuser)
    for name in ("trainings_registration", "trainings_attendance", "core_auditlog"):
        response = client.get(reverse(f"admin:{name}_changelist"), {"q": person.last_name})
        assert response.status_code == 200, name


def test_the_paginator_counts_exactly_below_the_threshold_or_off_postgresql(db):
    assert EstimatedCountPaginator(Assessment.objects.all(), 10).count == 0
