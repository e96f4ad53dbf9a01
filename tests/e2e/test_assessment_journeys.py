"""Browser journeys for assessments: the trainer records an assessment from the evaluation grid
(form loaded in the cell by htmx); a mediator self-assesses and sees it beside the trainer's."""

import datetime
import re

from django.utils import timezone

from tests import factories
from trainings.models import Assessment, AssessorRole


def _nav(page, name):
    return page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name=name, exact=True
    )


def test_assessment_trainer_assesses_on_the_grid(page, login):
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    session = factories.make_session(participants=2, start=start)
    trainer = session.trainers.get()
    participant = session.registrations.order_by("pk").first().user
    competence = session.competences.order_by("order").first()
    criterion = competence.criteria.order_by("order").first()
    login(trainer, factories.DEFAULT_PASSWORD)

    page.goto(f"/formations/sessions/{session.pk}/gestion/")
    page.get_by_role("link", name="Grille d'évaluation").click()
    page.get_by_role(
        "link", name=f"Évaluer {participant.get_full_name()} sur {competence.code}"
    ).click()
    form = page.locator("form.eval-form")
    form.wait_for()
    form.get_by_role("combobox", name="Niveau").select_option(label="3 — Acquis")
    form.locator("summary", has_text="Afficher les critères").click()
    form.get_by_role("checkbox", name=re.compile(re.escape(criterion.code))).check()
    form.get_by_role("combobox", name="Méthode").select_option("situation")
    form.get_by_role("textbox", name="Commentaire").fill("Démarche CAF menée seule.")
    form.get_by_role("button", name="Enregistrer l'évaluation").click()
    page.get_by_text("✓ enregistré").wait_for()

    assert page.locator("form.eval-form").count() == 0
    assert "3 · Acquis" in page.locator(".evaluation-grid").inner_text()
    assert "enregistrée" in page.locator("#eval-status").inner_text()
    assessment = Assessment.objects.get()
    assert assessment.assessor == trainer and assessment.participant == participant
    assert list(assessment.criteria_met.all()) == [criterion]

    page.reload()
    assert "3 · Acquis" in page.locator(".evaluation-grid").inner_text()


def test_assessment_mediator_self_assesses_beside_the_trainer(page, login):
    session = factories.make_session(participants=1)
    participant = session.registrations.get().user
    competence = session.competences.order_by("order").first()
    factories.AssessmentFactory(
        session=session,
        participant=participant,
        competence=competence,
        rank=2,
        comment="À consolider sur les démarches ANTS.",
    )
    login(participant, factories.DEFAULT_PASSWORD)

    _nav(page, "Mes évaluations").click()
    page.get_by_role("link", name="Me positionner sur une compétence").click()
    page.get_by_role("combobox", name="Compétence").select_option(str(competence.pk))
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("radio", name="3 — Acquis").check()
    page.get_by_role("textbox", name="Commentaire").fill("Je me sens prête.")
    page.get_by_role("button", name="Enregistrer mon positionnement").click()
    page.wait_for_load_state()

    assert "positionnement sur" in page.locator(".messages").inner_text()
    section = page.locator(".eval-competence", has_text=competence.code)
    trainer_side = section.locator(
        "div", has=page.get_by_role("heading", name="Évaluations des formateurs")
    )
    self_side = section.locator("div", has=page.get_by_role("heading", name="Auto-positionnements"))
    assert "2 · En cours d'acquisition" in trainer_side.last.inner_text()
    assert "À consolider" in trainer_side.last.inner_text()
    assert "3 · Acquis" in self_side.last.inner_text()
    assert "Je me sens prête." in self_side.last.inner_text()
    assert Assessment.objects.filter(assessor_role=AssessorRole.SELF).count() == 1
