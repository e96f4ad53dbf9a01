import datetime
import io
import json
import zipfile

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from certificates.models import Attestation
from certificates.services import attestations as issuing
from core.models import AuditLog
from privacy.models import PersonalDataExport
from tests import factories
from tests.certificates.conftest import assess_all, attend_all, close

pytestmark = pytest.mark.django_db


def _archive(client, export):
    response = client.get(reverse("privacy:export_download", args=[export.pk]))
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_a_person_downloads_everything_socle_holds_about_them(
    client,
    world,
    issuer,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    assess_all(world)
    attend_all(world)
    close(world.session)
    issuing.attestations_issue_for_session(session_id=world.session.pk)
    client.force_login(world.person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:export_request"))
    assert response.status_code == 302
    export = PersonalDataExport.objects.get()
    assert export.ready_at is not None
    assert [m.to for m in mail.outbox if "export" in m.subject.lower()] == [[world.person.email]]

    archive = _archive(client, export)
    names = set(archive.namelist())
    assert {"LISEZ-MOI.txt", "profil.json", "evaluations.json", "attestations.json"} <= names
    profile = json.loads(archive.read("profil.json"))
    assert profile["email"] == world.person.email
    assessments = json.loads(archive.read("evaluations.json"))
    assert {a["assessor"] for a in assessments} == {world.trainer.get_full_name()}
    registrations = json.loads(archive.read("inscriptions-et-emargements.json"))
    assert len(registrations[0]["attendance"]) == 2
    for attestation in Attestation.objects.filter(holder=world.person):
        with attestation.pdf.open("rb") as handle:
            assert archive.read(f"attestations/{attestation.serial}.pdf") == handle.read()
    assert AuditLog.objects.filter(action="personal_data.export_download").count() == 1


def test_nobody_else_downloads_it_and_it_expires(client, world):
    client.force_login(world.person)
    client.post(reverse("privacy:export_request"))
    export = PersonalDataExport.objects.get()
    from privacy.services import personal_data_export_build

    personal_data_export_build(export_id=export.pk)
    url = reverse("privacy:export_download", args=[export.pk])
    for other in (world.trainer, world.hub):
        client.force_login(other)
        assert client.get(url).status_code == 404
    client.force_login(world.person)
    assert client.get(url).status_code == 200
    PersonalDataExport.objects.filter(pk=export.pk).update(
        ready_at=timezone.now() - datetime.timedelta(days=8)
    )
    assert client.get(url).status_code == 404
    call_command("purge_data_exports", stdout=io.StringIO())
    export.refresh_from_db()
    assert not export.archive


def test_requests_are_bounded(client):
    user = factories.UserFactory()
    client.force_login(user)
    url = reverse("privacy:export_request")
    client.post(url)
    page = client.post(url, follow=True).content.decode()
    assert "déjà en préparation" in page
    assert PersonalDataExport.objects.count() == 1
    PersonalDataExport.objects.update(ready_at=timezone.now())
    client.post(url)
    PersonalDataExport.objects.update(ready_at=timezone.now())
    client.post(url)
    PersonalDataExport.objects.update(ready_at=timezone.now())
    page = client.post(url, follow=True).content.decode()
    assert "réessayez demain" in page
    assert PersonalDataExport.objects.count() == 3


def test_the_page_is_the_person_s_own(client):
    assert client.get(reverse("privacy:my_data")).status_code == 302
    client.force_login(factories.UserFactory())
    page = client.get(reverse("privacy:my_data"))
    assert page.status_code == 200
    assert "Préparer mon export" in page.content.decode()


def test_an_archive_left_by_a_killed_worker_is_deleted_once_old(world):
    """A worker killed between storing the archive and saving its row leaves a file naming
    everything about a person; the nightly purge removes it, not one still being written."""
    import os

    from django.core.files.base import ContentFile

    from privacy.services import personal_data_export_build
    from privacy.services.exports import orphan_archives_purge

    kept = personal_data_export_build(
        export_id=PersonalDataExport.objects.create(user=world.person).pk
    )
    storage = PersonalDataExport._meta.get_field("archive").storage
    old = storage.save("exports/lost/donnees.zip", ContentFile(b"PK"))
    fresh = storage.save("exports/writing/donnees.zip", ContentFile(b"PK"))
    long_ago = (timezone.now() - datetime.timedelta(days=1)).timestamp()
    os.utime(storage.path(old), (long_ago, long_ago))
    os.utime(storage.path(kept.archive.name), (long_ago, long_ago))
    assert orphan_archives_purge() == 1
    assert not storage.exists(old)
    assert storage.exists(fresh) and storage.exists(kept.archive.name)
