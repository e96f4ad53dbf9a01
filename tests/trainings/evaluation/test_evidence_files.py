"""Evidence files of assessments: checked by their content, stored out of public reach, opened
only by those allowed, removed with the evidence texts and with the person's erasure."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from tests import factories
from tests.factories import level_of
from trainings.models import MAX_EVIDENCE_FILES, Assessment, AssessmentEvidenceFile

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def _cell_url(session, registration, competence):
    return reverse("trainings:assessment_cell", args=[session.pk, registration.pk, competence.pk])


def _post(client, session, registration, competence, files, htmx=True, **extra):
    prefix = f"a{registration.pk}-{competence.pk}-"
    data = {
        prefix + "level": level_of(session.version, 3).pk,
        prefix + "method": "situation",
        prefix + "assessed_on": timezone.localdate().isoformat(),
        prefix + "comment": "",
        prefix + "evidence": "",
        prefix + "evidence_files": files,
    }
    data.update({prefix + key: value for key, value in extra.items()})
    headers = _htmx() if htmx else {}
    return client.post(_cell_url(session, registration, competence), data, **headers)


def _htmx():
    return {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def competence(session_now):
    return session_now.competences.order_by("order").first()


@pytest.fixture
def recorded(client_for, session_now, trainer, registrations, competence):
    client = client_for(trainer)
    files = [
        SimpleUploadedFile("atelier photo.png", PNG, content_type="image/png"),
        SimpleUploadedFile("fiche.pdf", PDF, content_type="application/pdf"),
    ]
    response = _post(client, session_now, registrations[0], competence, files)
    assert response.status_code == 200, response.content.decode()[:500]
    return Assessment.objects.get()


def test_files_are_kept_with_the_assessment(recorded, settings):
    files = list(recorded.evidence_files.order_by("pk"))
    assert [(f.name, f.content_type, f.size) for f in files] == [
        ("atelier_photo.png", "image/png", len(PNG)),
        ("fiche.pdf", "application/pdf", len(PDF)),
    ]
    # Stored under a random folder of the private media root, never a guessable name.
    for stored in files:
        assert (
            stored.file.name.startswith("evidence/") and len(stored.file.name.split("/")[1]) == 32
        )
        assert stored.file.storage.exists(stored.file.name)


def test_files_are_checked_by_their_content(
    client_for, session_now, trainer, registrations, competence
):
    client = client_for(trainer)
    bad = [
        SimpleUploadedFile(
            "faux.pdf", b"<html><script>alert(1)</script>", content_type="application/pdf"
        ),
        SimpleUploadedFile("page.html", b"<html></html>", content_type="text/html"),
        SimpleUploadedFile("vide.png", b"", content_type="image/png"),
    ]
    response = _post(client, session_now, registrations[0], competence, bad, htmx=False)
    page = response.content.decode()
    assert response.status_code == 400
    # Every refusal at once, each naming its file.
    assert "« faux.pdf » n&#x27;est pas réellement un fichier PDF." in page
    assert "« page.html » n&#x27;est pas un PDF, un PNG ou un JPEG." in page
    assert "« vide.png »" in page
    assert not Assessment.objects.exists() and not AssessmentEvidenceFile.objects.exists()


def test_size_and_count_limits(
    client_for, session_now, trainer, registrations, competence, settings
):
    client = client_for(trainer)
    big = SimpleUploadedFile(
        "gros.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), content_type="application/pdf"
    )
    response = _post(client, session_now, registrations[0], competence, [big], htmx=False)
    assert response.status_code == 400 and "« gros.pdf » dépasse 5,0" in response.content.decode()
    many = [
        SimpleUploadedFile(f"p{n}.png", PNG, content_type="image/png")
        for n in range(MAX_EVIDENCE_FILES + 1)
    ]
    response = _post(client, session_now, registrations[0], competence, many, htmx=False)
    assert response.status_code == 400
    assert f"Joignez au plus {MAX_EVIDENCE_FILES} fichiers." in response.content.decode()
    assert not AssessmentEvidenceFile.objects.exists()


def test_who_may_open_a_file(recorded, client, session_now, trainer, participant):
    photo = recorded.evidence_files.get(content_type="image/png")
    url = reverse("trainings:evidence_file", args=[photo.pk])
    allowed = [participant, trainer, factories.HubCoordinatorFactory()]
    refused = [factories.UserFactory(), factories.make_session().trainers.get()]
    for user in allowed:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
    for user in refused:
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in (302, 404)
    # A PDF is downloaded, never shown as a page; the trainer's opening is in the person's view.
    client.force_login(trainer)
    pdf = recorded.evidence_files.get(content_type="application/pdf")
    response = client.get(reverse("trainings:evidence_file", args=[pdf.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditLog.objects.filter(
        action="person.view_evidence_file", actor=trainer, subject=participant
    ).exists()


def test_history_links_the_files(recorded, client, participant):
    client.force_login(participant)
    page = client.get(reverse("trainings:my_assessments")).content.decode()
    for stored in recorded.evidence_files.all():
        assert reverse("trainings:evidence_file", args=[stored.pk]) in page
        assert stored.name in page


def test_retention_removes_old_files(recorded):
    from privacy.services.retention import evidence_cutoff, retention_apply

    stored = list(recorded.evidence_files.all())
    Assessment.objects.filter(pk=recorded.pk).update(
        assessed_on=evidence_cutoff(timezone.localdate()) - datetime.timedelta(days=1)
    )
    assert retention_apply(wet_run=False).evidence_files_deleted == 2
    assert all(f.file.storage.exists(f.file.name) for f in stored)
    report = retention_apply(wet_run=True)
    assert report.evidence_files_deleted == 2
    for row in AssessmentEvidenceFile.objects.all():
        assert row.file.name == "" and row.name == "" and row.removed_at is not None


def test_erasure_removes_the_persons_files_and_the_archive_holds_them(
    recorded, participant, django_capture_on_commit_callbacks
):
    from privacy.services.erasure import person_erase
    from privacy.services.exports import _archive

    archive = zipfile.ZipFile(io.BytesIO(_archive(participant)))
    names = [n for n in archive.namelist() if n.startswith("preuves/")]
    assert len(names) == 2 and archive.read(names[0]) in (PNG, PDF)
    stored = [f.file.name for f in recorded.evidence_files.all()]
    storage = recorded.evidence_files.first().file.storage
    with django_capture_on_commit_callbacks(execute=True):
        counts = person_erase(user=participant)
    assert counts["evidence_files"] == 2
    assert not any(storage.exists(name) for name in stored)
    assert AssessmentEvidenceFile.objects.filter(removed_at__isnull=False).count() == 2


def test_orphan_files_are_swept(recorded, settings):
    from trainings.services.evidence import orphan_evidence_files_purge

    stored = recorded.evidence_files.first()
    storage = stored.file.storage
    orphan = storage.save("evidence/0123456789abcdef0123456789abcdef/perdu.png", io.BytesIO(PNG))
    later = timezone.now() + datetime.timedelta(days=1)
    assert orphan_evidence_files_purge(now=later) == 1
    assert not storage.exists(orphan) and storage.exists(stored.file.name)


def test_trainer_sees_the_self_assessment_and_criteria_texts(
    client_for, session_now, trainer, registrations, competence
):
    participant = registrations[0].user
    criterion = competence.criteria.order_by("order").first()
    self_assessment = factories.AssessmentFactory(
        participant=participant,
        competence=competence,
        assessor=participant,
        assessor_role="self",
        method="self",
        session=None,
        level=level_of(session_now.version, 2),
    )
    self_assessment.criteria_met.set([criterion])
    client = client_for(trainer)
    page = client.get(
        _cell_url(session_now, registrations[0], competence), **_htmx()
    ).content.decode()
    assert "Son auto-positionnement" in page
    assert f"{criterion.code} — {criterion.text}" in page
    assert 'enctype="multipart/form-data"' in page and 'hx-encoding="multipart/form-data"' in page
