"""Each person sees who read or changed their records; the log keeps ids, not names."""

import pytest
from django.contrib.auth.signals import user_logged_in
from django.test import RequestFactory
from django.urls import reverse

from core.audit import log_action, subject_id_of
from core.models import AuditLog
from privacy.views import ACCESS_PAGE_SIZE
from tests import factories

from ..certificates.conftest import assess

pytestmark = pytest.mark.django_db


def test_records_about_a_person_name_them_by_id_only(world):
    assessment = assess(world, world.competences[0])
    entry = AuditLog.objects.get(action="assessment.record")
    assert entry.subject_id == world.person.pk
    assert entry.target_repr == ""
    assert subject_id_of(assessment) == world.person.pk
    assert subject_id_of(world.registration) == world.person.pk
    assert subject_id_of(world.session) is None
    # Records about no one in particular keep a description as they were named.
    session_entry = log_action(actor=world.trainer, action="session.publish", target=world.session)
    assert session_entry.subject_id is None and session_entry.target_repr == world.session.title


def test_the_person_sees_who_read_their_history_once_per_half_hour(client, world):
    assess(world, world.competences[0])
    client.force_login(world.trainer)
    url = reverse("trainings:participant_assessments", args=[world.person.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # a reload is the same consultation
    assert AuditLog.objects.filter(action="person.view_history").count() == 1
    # Reading one's own history is not a consultation by someone else.
    client.force_login(world.person)
    client.get(reverse("trainings:my_assessments"))

    page = client.get(reverse("privacy:accesses"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Historique d&#x27;évaluations consulté" in body or "Historique d'évaluations" in body
    assert world.trainer.get_full_name() in body
    assert "Évaluation enregistrée" in body
    # The person's own actions are not listed there.
    assert "Connexion" not in body
    summary = client.get(reverse("privacy:my_data")).content.decode()
    assert world.trainer.get_full_name() in summary


def test_the_list_is_paginated_and_shows_only_ones_own_records(client, world):
    other = factories.UserFactory()
    for _ in range(ACCESS_PAGE_SIZE + 3):
        log_action(actor=world.hub, action="user.update_profile", target=world.person)
    log_action(actor=world.hub, action="user.update_profile", target=other)
    client.force_login(world.person)
    first = client.get(reverse("privacy:accesses"))
    assert first.context["page"].paginator.count == ACCESS_PAGE_SIZE + 3
    assert len(first.context["page"].object_list) == ACCESS_PAGE_SIZE
    assert "Page 1 sur 2" in first.content.decode()
    client.force_login(other)
    assert client.get(reverse("privacy:accesses")).context["page"].paginator.count == 1


def test_the_page_query_count_does_not_grow_with_entries(
    client, world, django_assert_max_num_queries
):
    for _ in range(40):
        log_action(actor=world.hub, action="user.update_profile", target=world.person)
    client.force_login(world.person)
    client.get(reverse("privacy:accesses"))
    with django_assert_max_num_queries(8):
        client.get(reverse("privacy:accesses"))


def test_sign_ins_are_logged(world):
    request = RequestFactory().get("/")
    user_logged_in.send(sender=type(world.person), request=request, user=world.person)
    entry = AuditLog.objects.get(action="user.login")
    assert entry.actor == world.person and entry.subject == world.person


def test_the_hub_journal_finds_entries_by_the_person_concerned(client, world):
    assess(world, world.competences[0])
    client.force_login(world.hub)
    response = client.get(reverse("audit_log"), {"target": world.person.last_name})
    entries = list(response.context["page"].object_list)
    assert entries and all(e.subject_id == world.person.pk for e in entries)
    body = response.content.decode()
    assert "Personne concernée" in body and "Évaluation enregistrée" in body
