import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates import services
from certificates.models import BlocValidation, Enrollment, PathwayCertification
from core.models import AuditLog
from tests import factories

from .conftest import assess_all, attend_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment(world):
    return services.enrollment_create(actor=world.person, user=world.person, pathway=world.pathway)


def _pdf():
    return SimpleUploadedFile("pix.pdf", b"%PDF-1.4 Pix", content_type="application/pdf")


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("person", 200), ("stranger", 404), ("trainer", 200), ("hub", 200)],
)
def test_enrollment_detail_by_role(client, world, enrollment, role, expected):
    people = {
        "person": world.person,
        "stranger": factories.UserFactory(),
        "trainer": world.trainer,
        "hub": world.hub,
    }
    if role in people:
        client.force_login(people[role])
    response = client.get(reverse("certificates:enrollment_detail", args=[enrollment.pk]))
    assert response.status_code == expected
    if expected == 200:
        page = response.content.decode()
        assert "Simulation" in page
        assert ("Valider manuellement" in page) is (role == "hub")


@pytest.mark.parametrize("name", ["enrollment_list", "enroll_many"])
@pytest.mark.parametrize(("role", "expected"), [("person", 403), ("trainer", 403), ("hub", 200)])
def test_hub_pages_are_the_hubs(client, world, name, role, expected):
    client.force_login({"person": world.person, "trainer": world.trainer, "hub": world.hub}[role])
    assert client.get(reverse(f"certificates:{name}")).status_code == expected


def test_hub_posts_refused_to_others(client, world, enrollment):
    assess_all(world)
    (validation,) = services.enrollment_decide(enrollment_id=enrollment.pk)
    client.force_login(world.trainer)
    for url, data in [
        (reverse("certificates:validate_manually", args=[enrollment.pk]), {"reason": "x"}),
        (reverse("certificates:withdraw_decision", args=["bloc", validation.pk]), {"reason": "x"}),
        (reverse("certificates:move_rule_set", args=[enrollment.pk]), {}),
    ]:
        assert client.post(url, data).status_code == 403
    validation.refresh_from_db()
    assert validation.is_current


def test_session_progress_for_its_trainers_and_the_hub(client, world, enrollment):
    url = reverse("certificates:session_progress", args=[world.session.pk])
    client.force_login(factories.UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(world.person)
    assert client.get(url).status_code == 404
    client.force_login(world.trainer)
    page = client.get(url).content.decode()
    assert world.person.get_full_name() in page and world.pathway.title in page
    assert "B1.C1 : pas encore évaluée" in page


def test_enrollment_list_filters_and_query_count(client, world):
    client.force_login(world.hub)
    url = reverse("certificates:enrollment_list")
    services.enrollment_create(actor=world.person, user=world.person, pathway=world.pathway)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    people = factories.UserFactory.create_batch(12)
    services.enrollment_create_many(actor=world.hub, users=people, pathway=world.pathway)
    for person in people[:4]:
        factories.MembershipFactory(user=person)
    with CaptureQueriesContext(connection) as big:
        page = client.get(url).content.decode()
    assert len(big) == len(small)
    assert "13 inscriptions" in page
    page = client.get(url, {"departement": "59"}).content.decode()
    assert "4 inscriptions" in page
    page = client.get(url, {"q": people[0].last_name}).content.decode()
    assert people[0].get_full_name() in page
    assert client.get(url, {"departement": "<script>", "pathway": "x"}).status_code == 200


def test_enroll_many_names_unknown_lines_and_writes_nothing(client, world):
    known = factories.UserFactory()
    client.force_login(world.hub)
    response = client.post(
        reverse("certificates:enroll_many"),
        {"pathway": world.pathway.pk, "emails": f"{known.email}\n\ninconnu@exemple.test"},
    )
    assert response.status_code == 200
    assert "ligne 3 : inconnu@exemple.test" in response.content.decode()
    assert not Enrollment.objects.exists()
    response = client.post(
        reverse("certificates:enroll_many"),
        {"pathway": world.pathway.pk, "emails": f"{known.email}\n{known.email.upper()}"},
    )
    assert response.status_code == 302
    assert Enrollment.objects.get().user == known


def test_manual_validation_through_the_page(client, world, enrollment):
    client.force_login(world.hub)
    url = reverse("certificates:validate_manually", args=[enrollment.pk])
    response = client.post(url, {"bloc": str(world.bloc.lineage), "reason": "Pix"})
    assert response.status_code == 400
    assert "Justificatif" in response.content.decode()
    assert not BlocValidation.objects.exists()
    response = client.post(
        url,
        {
            "bloc": str(world.bloc.lineage),
            "reason": "Certification Pix avancée",
            "recognised": "Pix",
            "competences": [str(c.lineage) for c in world.competences],
            "proof": _pdf(),
        },
    )
    assert response.status_code == 302
    validation = BlocValidation.objects.get()
    assert validation.basis == "manual"
    assert validation.evidence["competences"] == [c.code for c in world.competences]
    page = client.get(reverse("certificates:enrollment_detail", args=[enrollment.pk]))
    assert "Certification Pix avancée" in page.content.decode()


def test_withdraw_a_decision_through_the_page(client, world, enrollment):
    assess_all(world)
    attend_all(world)
    services.enrollment_decide(enrollment_id=enrollment.pk)
    certification = PathwayCertification.objects.get()
    client.force_login(world.hub)
    url = reverse("certificates:withdraw_decision", args=["parcours", certification.pk])
    client.post(url, {"reason": ""})
    certification.refresh_from_db()
    assert certification.is_current
    client.post(url, {"reason": "Fraude à l'émargement"})
    certification.refresh_from_db()
    assert certification.is_withdrawn
    assert AuditLog.objects.filter(action="decision.withdraw").count() == 1
    page = client.get(reverse("certificates:enrollment_detail", args=[enrollment.pk]))
    assert "Fraude à l&#x27;émargement" in page.content.decode()
    assert (
        client.post(
            reverse("certificates:withdraw_decision", args=["autre", 1]), {"reason": "x"}
        ).status_code
        == 404
    )


def test_simulation_says_what_would_follow(client, world, enrollment):
    client.force_login(world.hub)
    url = reverse("certificates:enrollment_detail", args=[enrollment.pk])
    page = client.get(url, {"competences": [str(c.lineage) for c in world.competences]})
    text = page.content.decode()
    assert "Blocs au niveau requis : B1." in text
    assert "0 h suivies sur 7 h requises" in text
    assert not BlocValidation.objects.exists()


def test_admin_lists_decisions_read_only(client, world, enrollment):
    assess_all(world)
    services.enrollment_decide(enrollment_id=enrollment.pk)
    world.hub.is_staff = True
    world.hub.is_superuser = True
    world.hub.save()
    client.force_login(world.hub)
    for name in ["enrollment", "blocvalidation", "pathwaycertification"]:
        response = client.get(reverse(f"admin:certificates_{name}_changelist"))
        assert response.status_code == 200
    validation = BlocValidation.objects.get()
    url = reverse("admin:certificates_blocvalidation_change", args=[validation.pk])
    client.post(url, {"reason": "changé"})
    validation.refresh_from_db()
    assert validation.reason == ""


def test_a_proof_is_downloaded_by_the_hub_only(client, world, enrollment):
    validation = services.decision_validate_manually(
        actor=world.hub, enrollment=enrollment, bloc=world.bloc, reason="Pix", proof=_pdf()
    )
    assert validation.proof.name.startswith("decisions/") and "pix" in validation.proof.name
    assert len(validation.proof.name.split("/")[1]) == 32  # a random folder
    url = reverse("certificates:decision_proof", args=["bloc", validation.pk])
    for someone in (world.person, world.trainer):
        client.force_login(someone)
        assert client.get(url).status_code == 403
    client.force_login(world.hub)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    page = client.get(reverse("certificates:enrollment_detail", args=[enrollment.pk]))
    assert url in page.content.decode()


def test_a_trainer_sees_levels_but_not_other_trainers_evidence(client, world, enrollment):
    from tests.factories import level_of
    from trainings.services.assessments import assessment_record

    assessment_record(
        actor=world.trainer,
        session=world.session,
        participant=world.person,
        competence=world.competences[0],
        level=level_of(world.version, 3),
        method="observation",
        assessed_on=world.session.starts_at.date(),
        evidence="Preuve confidentielle",
    )
    other_trainer = factories.make_session(participants=0).trainers.get()
    factories.RegistrationFactory(
        session=factories.make_session(trainer=other_trainer), user=world.person
    )
    url = reverse("certificates:enrollment_detail", args=[enrollment.pk])
    client.force_login(other_trainer)
    page = client.get(url).content.decode()
    assert "Niveau actuel" in page and "Preuve confidentielle" not in page
    client.force_login(world.hub)
    assert "Preuve confidentielle" in client.get(url).content.decode()
