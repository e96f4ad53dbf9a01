"""Automated WCAG 2.1 A/AA checks (axe-core, vendored in tests/e2e/vendor) on the main pages of
each role. axe finds what a machine can find (labels, contrast, landmarks, names, ARIA misuse);
keyboard journeys are covered by the other browser tests."""

from pathlib import Path

import pytest

from certificates.services import enrollment_create
from tests import factories

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_LOADER = "() => { " + AXE + "\n; return typeof axe; }"


def _violations(page):
    # Evaluated through the DevTools protocol: a <script> tag would be refused by the page's
    # Content-Security-Policy, as it should.
    page.evaluate(AXE_LOADER)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:5])
        for v in result["violations"]
    ]


def _csp_errors(page):
    """Console errors the Content-Security-Policy raised on this page (nothing may be blocked)."""
    if not hasattr(page, "_csp_errors"):
        page._csp_errors = []
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and "Content Security Policy" in message.text
                and page._csp_errors.append(message.text)
            ),
        )
    return page._csp_errors


def _check(page, url):
    errors = _csp_errors(page)
    errors.clear()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(url)
    page.wait_for_load_state()
    assert not errors, f"{url}: {errors}"
    assert page.title(), f"{url} has no title"
    violations = _violations(page)
    assert not violations, f"{url}:\n" + "\n".join(violations)
    # Reflow (WCAG 1.4.10): usable at 320 CSS px without scrolling sideways; wide grids scroll
    # inside their own box.
    page.set_viewport_size({"width": 320, "height": 640})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{url} is {width}px wide on a 320px screen"


@pytest.fixture
def data():
    trainer = factories.UserFactory()
    session = factories.make_session(trainer=trainer, participants=3, slots=2)
    participant = session.registrations.first().user
    factories.MembershipFactory(user=participant)
    version = session.version
    pathway = factories.make_pathway(version, blocs=["B1"], min_attended_hours=7)
    enrollment = enrollment_create(actor=participant, user=participant, pathway=pathway)
    factories.AssessmentFactory(
        session=session, participant=participant, competence=session.competences.first()
    )
    return {
        "enrollment": enrollment,
        "trainer": trainer,
        "participant": participant,
        "session": session,
        "version": version,
        "hub": factories.HubCoordinatorFactory(),
    }


def test_public_pages(page):
    for url in [
        "/",
        "/comptes/login/",
        "/comptes/signup/",
        "/comptes/password/reset/",
        "/page-inconnue/",
        "/confidentialite/",
        "/formations/invitation/lien-invalide/",
    ]:
        _check(page, url)


def test_mediator_pages(page, login, data):
    login(data["participant"], factories.DEFAULT_PASSWORD)
    version = data["version"]
    for url in [
        "/",
        "/profil/",
        "/profil/structures/nouvelle/",
        "/referentiels/",
        f"/referentiels/{version.referential.code}/v{version.number}/",
        "/formations/sessions/",
        f"/formations/sessions/{data['session'].pk}/",
        "/formations/mes-inscriptions/",
        "/formations/evaluations/",
        "/formations/evaluations/auto-positionnement/",
        "/formations/emargement/signer/",
        "/progression/",
        "/profil/mes-donnees/",
        "/profil/mes-donnees/consultations/",
        "/profil/mes-donnees/effacement/",
    ]:
        _check(page, url)


def test_trainer_pages(page, login, data):
    login(data["trainer"], factories.DEFAULT_PASSWORD)
    pk = data["session"].pk
    for url in [
        "/formations/mes-sessions/",
        "/formations/sessions/nouvelle/",
        f"/formations/sessions/{pk}/gestion/",
        f"/formations/sessions/{pk}/modifier/",
        f"/formations/sessions/{pk}/emargement/",
        f"/formations/sessions/{pk}/evaluations/",
        f"/formations/sessions/{pk}/imports-exports/",
        f"/progression/sessions/{pk}/",
    ]:
        _check(page, url)


def test_hub_pages(page, login, data):
    invitation = _invitation(data)
    _check(page, invitation)  # as the invited person sees it before signing up
    login(data["hub"], factories.DEFAULT_PASSWORD)
    for url in [
        "/profil/structures/",
        "/referentiels/gestion/",
        "/referentiels/gestion/importer/",
        "/formations/habilitations/",
        "/formations/habilitations/accorder/",
        "/progression/suivi/",
        "/progression/suivi/inscrire/",
        "/journal/",
        f"/progression/suivi/{data['enrollment'].pk}/",
    ]:
        _check(page, url)


def _invitation(data):
    """The link of a pending invitation to a future trainer."""
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from trainings.services import invitations

    today = timezone.localdate()
    invitation = invitations.invitation_create(
        actor=data["hub"],
        email="future-formatrice@example.org",
        blocs=data["version"].blocs.filter(code="B1"),
        valid_from=today,
        valid_until=today + datetime.timedelta(days=365),
    )
    return reverse("trainings:invitation", args=[invitations.invitation_token(invitation)])


def test_keyboard_user_skips_to_content_and_sees_focus(page, login, data):
    login(data["participant"], factories.DEFAULT_PASSWORD)
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab lands inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def _attestation(data):
    """A closed session the participant attended, with its two documents issued."""
    import datetime

    from django.utils import timezone

    from certificates.models import Issuer
    from certificates.services.attestations import attestations_issue_for_session
    from trainings.models import SessionStatus

    Issuer.objects.create(
        legal_name="Hub numérique", address="Lille", signatory_name="C. D.", signatory_role="Dir."
    )
    start = timezone.now() - datetime.timedelta(days=8)
    session = factories.make_session(trainer=data["trainer"], start=start)
    registration = factories.RegistrationFactory(session=session, user=data["participant"])
    for slot in session.slots.all():
        factories.AttendanceFactory(slot=slot, registration=registration)
    type(session).objects.filter(pk=session.pk).update(
        status=SessionStatus.CLOSED, closed_at=timezone.now()
    )
    return session, attestations_issue_for_session(session_id=session.pk)[0]


def test_attestation_pages(page, login, data):
    session, attestation = _attestation(data)
    for url in [
        "/verifier/",
        f"/verifier/{attestation.verification_code}/",
        "/verifier/ABCDEFGHJKMN/",
    ]:
        _check(page, url)
    login(data["participant"], factories.DEFAULT_PASSWORD)
    _check(page, "/progression/attestations/")
    page.context.clear_cookies()
    login(data["trainer"], factories.DEFAULT_PASSWORD)
    _check(page, f"/progression/sessions/{session.pk}/attestations/")
    page.context.clear_cookies()
    invitation = _invitation(data)
    _check(page, invitation)  # as the invited person sees it before signing up
    login(data["hub"], factories.DEFAULT_PASSWORD)
    for url in [
        "/progression/emetteur/",
        f"/progression/attestations/{attestation.pk}/statut/",
    ]:
        _check(page, url)
