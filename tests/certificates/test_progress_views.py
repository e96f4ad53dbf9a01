import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates import services
from certificates.models import Enrollment, EnrollmentStatus
from tests import factories

from .conftest import assess, assess_all, attend_all

pytestmark = pytest.mark.django_db


def test_progress_page_shows_levels_what_is_missing_and_sessions_to_come(world, client):
    services.enrollment_create(actor=world.person, user=world.person, pathway=world.pathway)
    assess(world, world.competences[0], rank=3)
    assess(world, world.competences[1], rank=2)
    upcoming = factories.make_session()  # another reference: not for this pathway
    client.force_login(world.person)
    page = client.get(reverse("certificates:my_progress")).content.decode()
    assert "Ce qui me manque" in page
    assert "niveau actuel « en cours d&#x27;acquisition », niveau requis « acquis »" in page
    assert "pas encore évaluée" in page
    criterion = world.competences[2].criteria.order_by("order").first()
    assert f"Critères d'évaluation de {world.competences[2].code}" in page
    assert criterion.text in page
    assert "0 h suivies sur 7 h requises" in page
    assert world.trainer.get_full_name() in page
    assert upcoming.title not in page


def test_enrol_and_withdraw_from_the_page(world, client):
    client.force_login(world.person)
    page = client.get(reverse("certificates:my_progress")).content.decode()
    assert "Suivre ce parcours" in page
    response = client.post(reverse("certificates:enroll", args=[world.pathway.pk]))
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user=world.person)
    # twice: a clear message, nothing written
    response = client.post(reverse("certificates:enroll", args=[world.pathway.pk]), follow=True)
    assert "suit déjà le parcours" in response.content.decode()
    assert Enrollment.objects.count() == 1
    client.post(reverse("certificates:withdraw", args=[enrollment.pk]))
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN


def test_nobody_withdraws_someone_else(world, client):
    enrollment = services.enrollment_create(
        actor=world.person, user=world.person, pathway=world.pathway
    )
    client.force_login(factories.UserFactory())
    response = client.post(reverse("certificates:withdraw", args=[enrollment.pk]))
    assert response.status_code == 404
    assert client.get(reverse("certificates:enroll", args=[world.pathway.pk])).status_code == 405


@pytest.mark.parametrize("eligible", [False, True])
def test_progress_page_costs_the_same_queries_whatever_the_history(world, client, eligible):
    services.enrollment_create(actor=world.person, user=world.person, pathway=world.pathway)
    client.force_login(world.person)
    url = reverse("certificates:my_progress")
    final_rank = 3 if eligible else 2
    assess_all(world, rank=final_rank)
    if eligible:
        attend_all(world)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for competence in world.competences:
        for rank in (1, 2, 4, final_rank):
            assess(world, competence, rank=rank)
    other = factories.make_session(participants=0)
    factories.RegistrationFactory(session=other, user=world.person)
    with CaptureQueriesContext(connection) as big:
        assert client.get(url).status_code == 200
    assert len(big) == len(small)
    assert len(big) <= 20


def test_the_home_panel_sums_up_each_pathway(client, world):
    services.enrollment_create(actor=world.person, user=world.person, pathway=world.pathway)
    assess_all(world)
    client.force_login(world.person)
    page = client.get("/").content.decode()
    assert world.pathway.title in page
    assert "1 bloc validé sur 1" in page and "0 h sur 7 h" in page
