import datetime
import threading

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from certificates import codes, services
from certificates.models import Attestation, AttestationKind, Counter
from certificates.services import attestations as issuing
from certificates.signing import sha256_hex, verify_pdf
from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories

from .conftest import assess_all, attend_all, close

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(world, issuer):
    assess_all(world)
    attend_all(world)
    close(world.session)
    return world


def test_a_closed_session_gives_each_attendee_two_sealed_documents(closed):
    issued = issuing.attestations_issue_for_session(session_id=closed.session.pk)
    assert sorted(a.kind for a in issued) == ["completion", "end_of_training"]
    assert all(a.was_created for a in issued)
    end = next(a for a in issued if a.kind == AttestationKind.END_OF_TRAINING)
    data = end.pdf.read()
    assert sha256_hex(data) == end.sha256
    assert verify_pdf(data).status == "valid"
    assert data.startswith(b"%PDF")
    assert end.facts["holder"]["name"] == closed.person.get_full_name()
    assert end.facts["attended_hours"] == "7 h"
    assert [c["level"] for c in end.facts["competences"]] == ["Acquis"] * 3
    assert end.facts["issuer"]["nda_number"] == "32590000059"
    year = timezone.localdate().year
    assert {a.serial for a in issued} == {f"SOC-{year}-000001", f"SOC-{year}-000002"}
    assert all(codes.is_well_formed(a.verification_code) for a in issued)
    assert AuditLog.objects.filter(action="attestation.issue").count() == 2


def test_issuance_is_idempotent_and_frozen(closed):
    first = issuing.attestations_issue_for_session(session_id=closed.session.pk)
    bytes_before = {a.pk: a.pdf.read() for a in first}
    closed.person.last_name = "Nouveau-Nom"
    closed.person.save()
    again = issuing.attestations_issue_for_session(session_id=closed.session.pk)
    assert [a.pk for a in again] == [a.pk for a in first]
    assert not any(a.was_created for a in again)
    assert Attestation.objects.count() == 2
    assert Counter.objects.get(name__startswith="serial-").last == 2
    for attestation in Attestation.objects.all():
        assert attestation.pdf.read() == bytes_before[attestation.pk]
        assert "Nouveau-Nom" not in attestation.facts["holder"]["name"]


def test_nothing_is_written_without_an_issuer(world):
    assess_all(world)
    attend_all(world)
    close(world.session)
    with pytest.raises(DomainError) as error:
        issuing.attestations_issue_for_session(session_id=world.session.pk)
    assert error.value.code == "issuer_missing"
    assert not Attestation.objects.exists()


def test_only_closed_sessions_and_only_attendees(world, issuer):
    with pytest.raises(DomainError) as error:
        issuing.attestations_issue_for_session(session_id=world.session.pk)
    assert error.value.code == "session_not_closed"
    close(world.session)
    assert issuing.attestations_issue_for_session(session_id=world.session.pk) == []


def test_a_failure_while_recording_leaves_no_file(closed, monkeypatch, settings):
    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(issuing, "_subject_lock", broken)
    with pytest.raises(RuntimeError):
        issuing.attestations_issue_for_session(session_id=closed.session.pk)
    assert not Attestation.objects.exists()
    stored = list((settings.MEDIA_ROOT / "attestations").rglob("*.pdf"))
    assert stored == []


def test_decisions_get_their_certificates_and_lose_them_when_withdrawn(
    world, issuer, django_capture_on_commit_callbacks
):
    enrollment = services.enrollment_create(
        actor=world.person, user=world.person, pathway=world.pathway
    )
    assess_all(world)
    attend_all(world)
    with django_capture_on_commit_callbacks(execute=True):
        validation, certification = services.enrollment_decide(enrollment_id=enrollment.pk)
    bloc_doc = Attestation.objects.get(bloc_validation=validation)
    pathway_doc = Attestation.objects.get(certification=certification)
    assert bloc_doc.valid_until == validation.valid_until
    assert [c["code"] for c in bloc_doc.facts["competences"]] == ["B1.C1", "B1.C2", "B1.C3"]
    assert pathway_doc.facts["hours"] == "7 h"
    assert verify_pdf(pathway_doc.pdf.read()).status == "valid"
    assert any("Vos attestations sont disponibles" in m.subject for m in mail.outbox)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_withdraw(actor=world.hub, decision=certification, reason="Erreur")
    pathway_doc.refresh_from_db()
    assert pathway_doc.status == "revoked"
    assert "Décision retirée : Erreur" in pathway_doc.status_reason
    assert [m.to for m in mail.outbox] == [[world.person.email]]


# Verification ------------------------------------------------------------------------------


@pytest.fixture
def document(closed):
    return next(
        a
        for a in issuing.attestations_issue_for_session(session_id=closed.session.pk)
        if a.kind == AttestationKind.END_OF_TRAINING
    )


def test_verification_by_code(client, document):
    url = reverse("certificates:verify", args=[document.verification_code])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Attestation valide" in text and "Valid certificate" in text
    assert document.facts["holder"]["name"] in text
    # Typed in lower case with dashes: the canonical page.
    typed = codes.display(document.verification_code).lower()
    assert client.get(reverse("certificates:verify", args=[typed])).url == url
    assert AuditLog.objects.filter(action="attestation.verify").count() == 1


def test_unknown_codes_and_typos(client, document):
    other = codes.new_code()
    page = client.get(reverse("certificates:verify", args=[other]))
    assert page.status_code == 404
    assert "Code inconnu" in page.content.decode()
    assert document.facts["holder"]["name"] not in page.content.decode()
    code = document.verification_code
    typo = code[:3] + ("2" if code[3] != "2" else "3") + code[4:]
    page = client.get(reverse("certificates:verify", args=[typo]))
    assert "faute de frappe" in page.content.decode()
    response = client.post(reverse("certificates:verify_home"), {"c-code": typo})
    assert "faute de frappe" in response.content.decode()
    response = client.post(reverse("certificates:verify_home"), {"c-code": codes.display(code)})
    assert response.url == reverse("certificates:verify", args=[code])


def test_status_changes_show_everywhere(client, document, world):
    url = reverse("certificates:verify", args=[document.verification_code])
    issuing.attestation_suspend(actor=world.hub, attestation=document, reason="Contrôle")
    assert "Attestation suspendue" in client.get(url).content.decode()
    issuing.attestation_reinstate(actor=world.hub, attestation=document, reason="Contrôle fait")
    assert "Attestation valide" in client.get(url).content.decode()
    with pytest.raises(DomainError):
        issuing.attestation_revoke(actor=world.hub, attestation=document, reason="")
    issuing.attestation_revoke(actor=world.hub, attestation=document, reason="Fraude")
    text = client.get(url).content.decode()
    assert "Attestation révoquée" in text and "Fraude" in text
    data = client.get(reverse("certificates:verify_json", args=[document.verification_code])).json()
    assert data["status"] == "revoked" and data["reason"] == "Fraude"
    with pytest.raises(DomainError) as error:
        issuing.attestation_revoke(actor=world.hub, attestation=document, reason="Encore")
    assert error.value.code == "already_revoked"


def test_expired_documents_say_so(client, world, issuer):
    enrollment = services.enrollment_create(
        actor=world.person, user=world.person, pathway=world.pathway
    )
    assess_all(world)
    (validation,) = services.enrollment_decide(enrollment_id=enrollment.pk)
    attestation = issuing.attestation_issue_for_bloc_validation(validation_id=validation.pk)
    Attestation.objects.filter(pk=attestation.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = client.get(reverse("certificates:verify", args=[attestation.verification_code]))
    assert "Attestation expirée" in page.content.decode()


def test_verification_by_upload(client, document):
    url = reverse("certificates:verify_home")
    data = document.pdf.read()

    def upload(content, name="attestation.pdf"):
        return client.post(
            url,
            {"kind": "upload", "u-document": SimpleUploadedFile(name, content)},
        ).content.decode()

    assert "Signature valide" in upload(data)
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0x01
    text = upload(bytes(tampered))
    assert "Signature valide" not in text and "Aucune attestation ne correspond" in text
    assert "Signature valide" not in upload(b"hello", "note.txt")
    big = client.post(
        url,
        {
            "kind": "upload",
            "u-document": SimpleUploadedFile("big.pdf", b"0" * (10 * 1024 * 1024 + 1)),
        },
    )
    assert "dépasse 10 Mo" in big.content.decode()


def test_a_huge_upload_is_refused_before_it_is_read(client, document, monkeypatch):
    from django.http import request as http_request

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(http_request.HttpRequest, "_load_post_and_files", never)
    response = client.generic(
        "POST",
        reverse("certificates:verify_home"),
        data=b"x" * 1024,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "plus de 12 Mo" in response.content.decode()


def test_verification_is_rate_limited(client, document, settings):
    settings.SOCLE_RATE_LIMITS = {**settings.SOCLE_RATE_LIMITS, "verify": "3/m/ip"}
    url = reverse("certificates:verify", args=[document.verification_code])
    statuses = [client.get(url).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


# Who may download ---------------------------------------------------------------------------


def test_downloads_by_role(client, document, world):
    url = reverse("certificates:download", args=[document.pk])
    with document.pdf.open("rb") as handle:
        stored = handle.read()
    for user, expected in [
        (factories.UserFactory(), 404),
        (world.person, 200),
        (world.trainer, 200),
        (world.hub, 200),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == expected
        if expected == 200:
            assert b"".join(response.streaming_content) == stored
    client.force_login(world.trainer)
    assert (
        client.get(
            reverse("certificates:session_attestations_zip", args=[world.session.pk])
        ).status_code
        == 200
    )
    page = client.get(reverse("certificates:session_attestations", args=[world.session.pk]))
    assert "2 / 2 attestations émises" in page.content.decode()
    assert (
        client.get(reverse("certificates:attestation_manage", args=[document.pk])).status_code
        == 403
    )
    client.force_login(world.person)
    page = client.get(reverse("certificates:my_attestations")).content.decode()
    assert document.serial in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Row locks are what is tested.")
@pytest.mark.django_db(transaction=True)
def test_two_workers_issuing_at_once_make_one_set(world, issuer):
    assess_all(world)
    attend_all(world)
    close(world.session)
    barrier = threading.Barrier(2)
    errors = []

    def issue():
        try:
            barrier.wait(timeout=10)
            issuing.attestations_issue_for_session(session_id=world.session.pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Attestation.objects.count() == 2


def test_the_trainer_is_told_when_the_issuer_is_missing(client, world):
    close(world.session)
    client.force_login(world.trainer)
    page = client.get(reverse("certificates:session_attestations", args=[world.session.pk]))
    assert "renseigner l'émetteur" in page.content.decode()
    assert "Émettre les attestations manquantes" not in page.content.decode()
