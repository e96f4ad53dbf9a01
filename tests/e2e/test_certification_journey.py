"""A mediator follows a pathway, sees what is missing, registers to the session that brings it
from « Ce qui me manque », and is certified once the trainer has recorded attendance and
assessments (the decision is taken by the background task after commit)."""

import datetime

from django.utils import timezone

from competences import services as competence_services
from tests import factories
from tests.factories import level_of
from trainings.models import Session, Slot
from trainings.services import assessments as assessment_services
from trainings.services import attendance as attendance_services


def test_mediator_goes_from_a_session_to_a_certified_pathway(page, login):
    tomorrow = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=1), datetime.time(9)
        )
    )
    session = factories.make_session(competences=3, slots=2, start=tomorrow)
    trainer = session.trainers.get()
    version = session.version
    pathway = competence_services.pathway_create(
        actor=factories.HubCoordinatorFactory(),
        version=version,
        code="socle",
        title="Parcours socle de démonstration",
        audience="novice",
        blocs=[version.blocs.get(code="B1")],
        min_attended_hours=7,
    )
    mediator = factories.UserFactory()
    login(mediator, factories.DEFAULT_PASSWORD)

    page.goto("/progression/")
    page.get_by_role("button", name=f"Suivre le parcours {pathway.title}").click()
    page.get_by_role("heading", name="Ce qui me manque").wait_for()
    missing = page.get_by_role("region", name="Ce qui me manque")
    assert "B1.C1 : pas encore évaluée, niveau requis « acquis »" in missing.inner_text()
    assert "0 h suivies sur 7 h requises" in missing.inner_text()
    missing.get_by_role("button", name=f"M'inscrire à {session.title}").click()
    page.get_by_text("Vous êtes inscrit·e.").wait_for()

    # Two days later: the session took place.
    shift = datetime.timedelta(days=2)
    for slot in Slot.objects.filter(session=session):
        Slot.objects.filter(pk=slot.pk).update(
            starts_at=slot.starts_at - shift, ends_at=slot.ends_at - shift
        )
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at - shift, ends_at=session.ends_at - shift
    )
    session.refresh_from_db()
    registration = session.registrations.get(user=mediator)
    for slot in session.slots.all():
        attendance_services.attendance_record(
            actor=trainer, slot=slot, registration=registration, status="present"
        )
    page.goto("/progression/")
    assert "0 h suivies" not in page.locator("main").inner_text()
    for competence in session.competences.all():
        assessment_services.assessment_record(
            actor=trainer,
            session=session,
            participant=mediator,
            competence=competence,
            level=level_of(version, 3),
            method="situation",
            assessed_on=timezone.localdate(),
        )

    page.goto("/progression/")
    main = page.locator("main")
    main.get_by_text("Certifié·e", exact=True).wait_for()
    assert "Ce qui me manque" not in main.inner_text()
    assert "validé le" in main.inner_text()
    assert "Évalué par " + trainer.get_full_name() in main.inner_text()
