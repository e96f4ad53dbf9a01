"""Erasure by pseudonymisation: the person's identity leaves Socle, their proofs stay."""

import datetime
import io
import json
import os
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from certificates import services as certification
from certificates.models import Attestation, BlocValidation, Enrollment
from certificates.services import attestations as issuing
from certificates.signing import sha256_hex
from core.models import AuditLog
from privacy.models import ErasureRequest, PersonalDataExport
from privacy.services import erasure
from tests import factories
from trainings.models import Assessment, Attendance, Registration, RegistrationStatus

from ..certificates.conftest import assess_all, attend_all, close

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(world, issuer, django_capture_on_commit_callbacks):
    """The world's person, certified on the pathway, with every attestation issued."""
    enrollment = certification.enrollment_create(
        actor=world.person, user=world.person, pathway=world.pathway
    )
    assess_all(world)
    attend_all(world)
    close(world.session)
    with django_capture_on_commit_callbacks(execute=True):
        certification.enrollment_decide(enrollment_id=enrollment.pk)
        issuing.attestations_issue_for_session(session_id=world.session.pk)
    factories.MembershipFactory(user=world.person)
    world.enrollment = enrollment
    return world


def _erase_through_the_page(client, person, capture):
    client.force_login(person)
    with capture(execute=True):
        response = client.post(
            reverse("privacy:erasure"),
            {"password": factories.DEFAULT_PASSWORD, "understood": "on"},
        )
    return response


def test_erasure_removes_the_identity_and_keeps_the_proofs(
    client, certified, django_capture_on_commit_callbacks
):
    person = certified.person
    address, last_name = person.email, person.last_name
    documents = list(Attestation.objects.filter(holder=person))
    assert len(documents) == 4  # end of training, completion, bloc, pathway
    fingerprints = {a.serial: a.sha256 for a in documents}
    pdf_bytes = {a.serial: a.pdf.read() for a in documents}
    marks, assessments = Attendance.objects.count(), Assessment.objects.count()
    mail.outbox.clear()

    response = _erase_through_the_page(client, person, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "Votre compte est fermé" in response.content.decode()
    person.refresh_from_db()
    assert person.anonymised_at is not None and not person.is_active
    assert person.get_full_name() == "Personne anonymisée"
    assert address not in person.email and person.email.endswith(".invalid")
    assert not person.has_usable_password()
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not Membership.objects.filter(user=person).exists()
    assert person.commune_id is None and person.main_membership_id is None
    # The proofs stay, pointing at the pseudonymised account.
    assert Attendance.objects.count() == marks and Assessment.objects.count() == assessments
    assert BlocValidation.objects.get(enrollment__user=person).holder_name == "Personne anonymisée"
    for document in Attestation.objects.filter(holder=person):
        assert document.sha256 == fingerprints[document.serial]
        assert not document.pdf and not document.credential
        assert document.facts["holder"] == {
            "name": "",
            "employer": "",
            "employer_siret": "",
            "anonymised": True,
        }
        assert last_name not in json.dumps(document.facts)
    # Nothing stored names the person any more.
    assert not AuditLog.objects.filter(target_repr__icontains=last_name).exists()
    request = ErasureRequest.objects.get(user=person)
    assert request.completed_at is not None and request.requested_by == person
    # The last e-mail went to the address the request was made from.
    assert [m.to for m in mail.outbox] == [[address]]
    assert "effacées" in mail.outbox[0].subject
    # Verification still works, by code and by the PDF the person kept, and says so.
    document = Attestation.objects.get(holder=person, kind="pathway")
    client.logout()
    page = client.get(reverse("certificates:verify", args=[document.verification_code]))
    body = page.content.decode()
    assert page.status_code == 200 and "Attestation valide" in body
    assert "Titulaire anonymisé·e" in body and last_name not in body
    upload = io.BytesIO(pdf_bytes[document.serial])
    upload.name = "attestation.pdf"
    result = client.post(reverse("certificates:verify_home"), {"u-document": upload})
    assert "Signature valide" in result.content.decode()
    assert sha256_hex(pdf_bytes[document.serial]) == document.sha256
    as_json = client.get(reverse("certificates:verify_json", args=[document.verification_code]))
    assert as_json.json()["holder"] == "" and as_json.json()["holder_anonymised"] is True


def test_the_erased_person_is_signed_out_and_cannot_sign_in(
    client, certified, django_capture_on_commit_callbacks
):
    person = certified.person
    address = person.email
    _erase_through_the_page(client, person, django_capture_on_commit_callbacks)
    assert client.get(reverse("accounts:profile")).status_code == 302
    response = client.post(
        reverse("account_login"), {"login": address, "password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 200  # the form again, no session
    assert "_auth_user_id" not in client.session


def test_upcoming_places_go_to_the_waiting_list_and_pathways_in_progress_close(
    client, world, django_capture_on_commit_callbacks
):
    person = world.person
    upcoming = factories.make_session(participants=0)
    type(upcoming).objects.filter(pk=upcoming.pk).update(capacity=1)
    factories.RegistrationFactory(session=upcoming, user=person)
    waiting = factories.RegistrationFactory(session=upcoming, status=RegistrationStatus.WAITING)
    enrollment = certification.enrollment_create(actor=person, user=person, pathway=world.pathway)

    _erase_through_the_page(client, person, django_capture_on_commit_callbacks)

    assert Registration.objects.get(session=upcoming, user=person).status == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED
    # The past session's registration stays: it carries the hours.
    assert world.registration.__class__.objects.get(pk=world.registration.pk).status == (
        RegistrationStatus.REGISTERED
    )
    assert Enrollment.objects.get(pk=enrollment.pk).status == "withdrawn"


def test_a_wrong_password_or_no_confirmation_erases_nothing(client, world):
    client.force_login(world.person)
    url = reverse("privacy:erasure")
    assert client.get(url).status_code == 200
    response = client.post(url, {"password": "pas le bon", "understood": "on"})
    assert response.status_code == 400
    assert "pas le bon" in response.content.decode()
    response = client.post(url, {"password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 400
    world.person.refresh_from_db()
    assert world.person.is_active and world.person.anonymised_at is None
    assert not ErasureRequest.objects.exists()


def test_a_trainer_with_an_open_session_is_told_what_to_settle_first(client, world):
    client.force_login(world.trainer)
    url = reverse("privacy:erasure")
    page = client.get(url).content.decode()
    assert world.session.title in page
    assert 'name="password"' not in page
    response = client.post(url, {"password": factories.DEFAULT_PASSWORD, "understood": "on"})
    assert response.status_code == 400
    world.trainer.refresh_from_db()
    assert world.trainer.is_active and not ErasureRequest.objects.exists()
    # Once the session is closed, nothing blocks.
    close(world.session)
    assert erasure.erasure_blockers(world.trainer) == []


def test_the_last_hub_coordinator_cannot_leave_the_hub_without_one(world):
    assert erasure.erasure_blockers(world.hub)
    factories.HubCoordinatorFactory()
    assert erasure.erasure_blockers(world.hub) == []


def test_erasure_is_idempotent_and_a_lost_task_is_finished_by_the_nightly_command(world):
    person = world.person
    # The request is recorded but its task never ran (no worker, a crash).
    request = erasure.erasure_request(actor=person, user=person)
    person.refresh_from_db()
    assert not person.is_active and person.anonymised_at is None
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "1 demande(s) d'effacement terminée(s)" in out.getvalue()
    person.refresh_from_db()
    assert person.anonymised_at is None  # a dry run writes nothing
    call_command("apply_retention", "--wet-run", stdout=io.StringIO())
    person.refresh_from_db()
    request.refresh_from_db()
    assert person.anonymised_at is not None and request.completed_at is not None
    erased_at = person.anonymised_at
    assert erasure.person_erase(user=person) is None
    assert erasure.erasure_complete(erasure_request_id=request.pk) is None
    person.refresh_from_db()
    assert person.anonymised_at == erased_at
    assert AuditLog.objects.filter(action="personal_data.erase", subject=person).count() == 1


def test_personal_exports_are_deleted_with_their_files(world, django_capture_on_commit_callbacks):
    person = world.person
    from privacy.services import personal_data_export_build

    export = personal_data_export_build(export_id=PersonalDataExport.objects.create(user=person).pk)
    path = export.archive.path
    with django_capture_on_commit_callbacks(execute=True):
        erasure.person_erase(user=person)
    assert not PersonalDataExport.objects.exists()
    assert not os.path.exists(path)


def test_an_erased_person_gets_no_new_document(world, issuer):
    attend_all(world)
    erasure.person_erase(user=world.person)
    close(world.session)
    assert issuing.attestations_issue_for_session(session_id=world.session.pk) == []
    sessions, blocs, certifications = issuing.missing_attestations()
    assert sessions == []


def test_others_see_the_pseudonym_everywhere(client, certified):
    person, world = certified.person, certified
    first, last = person.first_name, person.last_name
    # Whole words, and not a name someone else on the page also carries: random names once
    # matched « Denise Dupré » for « Lucas Denis ».
    others = type(person).objects.exclude(pk=person.pk).values_list("first_name", "last_name")
    taken = {name for pair in others for name in pair}
    names = [name for name in (first, last) if name not in taken]

    def shows_the_name(body):
        return any(re.search(rf"\b{re.escape(name)}\b", body) for name in names)

    erasure.person_erase(user=person)
    client.force_login(world.trainer)
    for url in (
        reverse("trainings:session_manage", args=[world.session.pk]),
        reverse("trainings:participant_assessments", args=[person.pk]),
    ):
        body = client.get(url).content.decode()
        assert not shows_the_name(body), url
    client.force_login(world.hub)
    body = client.get(reverse("audit_log")).content.decode()
    assert not shows_the_name(body) and "Personne anonymisée" in body


def test_the_hub_erases_on_written_request_with_the_command(world):
    person = world.person
    out = io.StringIO()
    call_command("erase_person", person.email, stdout=out)
    person.refresh_from_db()
    assert person.anonymised_at is None and "--wet-run" in out.getvalue()
    call_command("erase_person", person.email, "--wet-run", stdout=io.StringIO())
    person.refresh_from_db()
    assert person.anonymised_at is not None
    assert ErasureRequest.objects.get(user=person).completed_at is not None
    with pytest.raises(CommandError):
        call_command("erase_person", "personne@nulle-part.invalid", stdout=io.StringIO())
    with pytest.raises(CommandError, match="sessions"):
        call_command("erase_person", world.trainer.email, stdout=io.StringIO())


def test_erasure_requests_are_only_for_oneself_or_by_the_hub(world):
    from core.exceptions import DomainError

    with pytest.raises(DomainError):
        erasure.erasure_request(actor=world.trainer, user=world.person)
    assert not ErasureRequest.objects.exists()


def test_the_audit_log_keeps_ids_not_names(certified):
    world = certified
    entries = AuditLog.objects.filter(subject=world.person)
    assert entries.exists()
    assert not entries.exclude(target_repr="").exists()
    assert world.person.last_name not in json.dumps(list(entries.values_list("data", flat=True)))
    assert timezone.now() - entries.first().created_at < datetime.timedelta(minutes=5)
