import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.factories import level_of
from trainings.models import Assessment, AssessmentReview, AssessorRole, SessionStatus

pytestmark = pytest.mark.django_db


def grid_url(session):
    return reverse("trainings:evaluation_grid", args=[session.pk])


def cell_url(session, registration, competence):
    return reverse("trainings:assessment_cell", args=[session.pk, registration.pk, competence.pk])


@pytest.fixture
def competence(session_now):
    return session_now.competences.order_by("order").first()


def form_data(registration, competence, level, **extra):
    prefix = f"a{registration.pk}-{competence.pk}-"
    data = {
        "level": level.pk,
        "method": "situation",
        "assessed_on": timezone.localdate().isoformat(),
        "comment": "Accompagnement réussi.",
        "evidence": "",
    }
    data.update(extra)
    return {prefix + key: value for key, value in data.items()}


def test_grid_shows_levels_and_self_assessments(
    client_for, session_now, trainer, registrations, competence
):
    participant = registrations[0].user
    factories.AssessmentFactory(
        session=session_now, participant=participant, competence=competence, rank=2
    )
    factories.SelfAssessmentFactory(participant=participant, competence=competence, rank=4)
    response = client_for(trainer).get(grid_url(session_now))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 · En cours d&#x27;acquisition" in html
    assert "4 · Maîtrisé" in html  # the self-assessment, beside
    for c in session_now.competences.all():
        assert c.code in html
    assert f'hx-get="{cell_url(session_now, registrations[0], competence)}"' in html


def test_htmx_form_then_save_returns_the_cell(
    client_for, session_now, trainer, registrations, competence
):
    client = client_for(trainer)
    url = cell_url(session_now, registrations[0], competence)
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200
    html = form.content.decode()
    assert "<html" not in html and f'hx-post="{url}"' in html
    # A date input needs an ISO value, whatever the locale.
    assert f'-assessed_on" value="{timezone.localdate().isoformat()}"' in html
    for criterion in competence.criteria.all():
        assert criterion.code in html
    level = level_of(session_now.version, 3)
    criterion = competence.criteria.first()
    data = form_data(registrations[0], competence, level, criteria=[criterion.pk])
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 · Acquis" in html and "enregistré" in html
    assert 'id="eval-status"' in html
    assessment = Assessment.objects.get()
    assert assessment.assessor == trainer and assessment.method == "situation"
    assert list(assessment.criteria_met.all()) == [criterion]


def test_htmx_form_errors_stay_in_the_cell(
    client_for, session_now, trainer, registrations, competence
):
    url = cell_url(session_now, registrations[0], competence)
    data = form_data(
        registrations[0],
        competence,
        level_of(session_now.version, 3),
        assessed_on=(timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
    )
    response = client_for(trainer).post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "dans le futur" in response.content.decode()
    assert not Assessment.objects.exists()


def test_level_outside_the_scale_is_refused(
    client_for, session_now, trainer, registrations, competence
):
    other = level_of(factories.make_reference(blocs=1), 3)
    url = cell_url(session_now, registrations[0], competence)
    response = client_for(trainer).post(url, form_data(registrations[0], competence, other))
    assert response.status_code == 400
    assert not Assessment.objects.exists()


def test_full_page_form_without_javascript(
    client_for, session_now, trainer, registrations, competence
):
    client = client_for(trainer)
    url = cell_url(session_now, registrations[0], competence)
    page = client.get(url)
    assert page.status_code == 200 and "<html" in page.content.decode()
    response = client.post(
        url, form_data(registrations[0], competence, level_of(session_now.version, 4))
    )
    assert response.status_code == 302 and response["Location"] == grid_url(session_now)
    assert Assessment.objects.get().level.rank == 4
    history = client.get(url).content.decode()
    assert "4 · Maîtrisé" in history and "Accompagnement réussi." in history


def test_competence_not_targeted_is_404(client_for, session_now, trainer, registrations):
    other = session_now.version.competences.get(code="B2.C1")
    response = client_for(trainer).get(cell_url(session_now, registrations[0], other))
    assert response.status_code == 404


def test_hub_sees_the_grid_read_only(client_for, hub_user, session_now, registrations, competence):
    client = client_for(hub_user)
    html = client.get(grid_url(session_now)).content.decode()
    assert "Évaluer" not in html and "Historique" in html
    url = cell_url(session_now, registrations[0], competence)
    response = client.post(
        url, form_data(registrations[0], competence, level_of(session_now.version, 3))
    )
    assert response.status_code == 400
    assert "Seuls les formateurs de la session" in response.content.decode()
    assert not Assessment.objects.exists()


def test_frozen_session_grid_has_no_form(client_for, session_now, trainer):
    type(session_now).objects.filter(pk=session_now.pk).update(status=SessionStatus.CLOSED)
    html = client_for(trainer).get(grid_url(session_now)).content.decode()
    assert "lecture seule" in html and "hx-get" not in html


# The mediator's side.


def test_my_assessments_side_by_side(client_for, session_now, registrations, competence):
    participant = registrations[0].user
    factories.AssessmentFactory(
        session=session_now,
        participant=participant,
        competence=competence,
        rank=2,
        comment="À consolider",
    )
    factories.SelfAssessmentFactory(participant=participant, competence=competence, rank=3)
    other = registrations[1].user
    factories.SelfAssessmentFactory(
        participant=other, competence=competence, rank=1, comment="Secret de l'autre"
    )
    response = client_for(participant).get(reverse("trainings:my_assessments"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Évaluations des formateurs" in html and "Auto-positionnements" in html
    assert "À consolider" in html and "3 · Acquis" in html
    assert "Secret de l" not in html
    # The session they are registered to offers self-assessment links.
    assert f"?competence={competence.pk}&amp;session={session_now.pk}" in html


def test_self_assessment_form(client_for, session_now, participant, competence):
    client = client_for(participant)
    url = reverse("trainings:self_assessment")
    chooser = client.get(url)
    assert chooser.status_code == 200 and competence.code in chooser.content.decode()
    form = client.get(url, {"competence": competence.pk, "session": session_now.pk})
    html = form.content.decode()
    assert "Où en êtes-vous" in html and "Maîtrisé" in html
    response = client.post(
        url,
        {
            "competence": competence.pk,
            "level": level_of(session_now.version, 2).pk,
            "criteria": [competence.criteria.first().pk],
            "session": session_now.pk,
            "comment": "Avant la session",
        },
    )
    assert response.status_code == 302
    mine = Assessment.objects.get()
    assert mine.assessor_role == AssessorRole.SELF and mine.session == session_now
    assert "Avant la session" in client.get(reverse("trainings:my_assessments")).content.decode()


def test_self_assessment_level_outside_the_scale(client_for, session_now, participant, competence):
    other = level_of(factories.make_reference(blocs=1), 2)
    response = client_for(participant).post(
        reverse("trainings:self_assessment"), {"competence": competence.pk, "level": other.pk}
    )
    assert response.status_code == 400
    assert not Assessment.objects.exists()


# Reviews.


@pytest.fixture
def peer_case(monkeypatch):
    peer = factories.UserFactory()
    factories.make_peer_trainer(peer)
    session = factories.make_session(
        trainer=peer, participants=1, start=timezone.now() - datetime.timedelta(hours=1)
    )
    competence = session.competences.order_by("order").first()
    assessment = factories.AssessmentFactory(
        session=session,
        participant=session.registrations.get().user,
        competence=competence,
        assessor=peer,
        assessor_role=AssessorRole.PEER,
        rank=3,
    )
    reviewer = factories.UserFactory()
    factories.AccreditationFactory(user=reviewer, bloc=competence.bloc)
    return assessment, reviewer


def test_review_list_and_confirm(client_for, peer_case):
    assessment, reviewer = peer_case
    client = client_for(reviewer)
    listing = client.get(reverse("trainings:review_list"))
    assert listing.status_code == 200
    assert assessment.participant.get_full_name() in listing.content.decode()
    url = reverse("trainings:assessment_review", args=[assessment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision": "confirmed", "comment": "Vu."})
    assert response.status_code == 302
    review = AssessmentReview.objects.get()
    assert review.reviewer == reviewer and review.decision == "confirmed"
    client.get(reverse("trainings:review_list"))  # shows the success message once
    assert (
        "Aucune évaluation à confirmer"
        in client.get(reverse("trainings:review_list")).content.decode()
    )
    assert client.get(url).status_code == 404  # nothing left to review


def test_review_override(client_for, peer_case):
    assessment, reviewer = peer_case
    url = reverse("trainings:assessment_review", args=[assessment.pk])
    level = level_of(assessment.competence.version, 2)
    client = client_for(reviewer)
    missing = client.post(url, {"decision": "overridden"})
    assert missing.status_code == 400 and not AssessmentReview.objects.exists()
    response = client.post(
        url,
        {"decision": "overridden", "replacement_level": level.pk, "replacement_method": "quiz"},
    )
    assert response.status_code == 302
    review = AssessmentReview.objects.get()
    assert review.replacement.level == level and review.replacement.method == "quiz"
    # The participant sees both, and the review.
    html = client_for(assessment.participant).get(reverse("trainings:my_assessments"))
    text = html.content.decode()
    assert "remplacée par" in text and "remplace l'évaluation de" in text


def test_peer_cannot_review_their_own(client_for, peer_case):
    assessment, _reviewer = peer_case
    client = client_for(assessment.assessor)
    listing = client.get(reverse("trainings:review_list"))
    assert listing.status_code == 200
    assert assessment.participant.get_full_name() not in listing.content.decode()
    url = reverse("trainings:assessment_review", args=[assessment.pk])
    assert client.get(url).status_code == 404


def test_the_person_assessed_does_not_review_their_own_assessment(client_for, peer_case):
    """An accredited trainer assessed by a peer saw that assessment in their queue and could
    confirm their own level."""
    assessment, _reviewer = peer_case
    participant = assessment.participant
    factories.AccreditationFactory(user=participant, bloc=assessment.competence.bloc)
    client = client_for(participant)
    listing = client.get(reverse("trainings:review_list"))
    assert listing.status_code == 200
    assert "Aucune évaluation à confirmer" in listing.content.decode()
    url = reverse("trainings:assessment_review", args=[assessment.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "confirmed"}).status_code == 404
    assert not AssessmentReview.objects.exists()


def test_htmx_cell_display_offers_assessing_only_to_who_may(
    client_for, hub_user, session_now, trainer, registrations, competence
):
    """The cell refreshed by htmx ("Annuler" in the inline form) always showed "Évaluer", also
    to the hub and on a closed session, where the grid shows the history link instead."""
    url = cell_url(session_now, registrations[0], competence) + "?display=1"
    htmx = {"HTTP_HX_REQUEST": "true"}
    assert "Évaluer" in client_for(trainer).get(url, **htmx).content.decode()
    hub_cell = client_for(hub_user).get(url, **htmx).content.decode()
    assert "Évaluer" not in hub_cell and "Historique" in hub_cell
    type(session_now).objects.filter(pk=session_now.pk).update(status=SessionStatus.CLOSED)
    closed_cell = client_for(trainer).get(url, **htmx).content.decode()
    assert "Évaluer" not in closed_cell and "Historique" in closed_cell
