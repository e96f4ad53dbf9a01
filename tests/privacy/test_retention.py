"""Retention periods, applied by `apply_retention` (a dry run unless --wet-run)."""

import datetime
import io

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from certificates import services as certification
from core.models import AuditLog
from privacy.models import ErasureReason, ErasureRequest
from privacy.services import retention
from tests import factories

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2030, 3, 15, 2, 0))


def _old(user, years=4):
    user.__class__.objects.filter(pk=user.pk).update(
        last_login=NOW - datetime.timedelta(days=365 * years),
        date_joined=NOW - datetime.timedelta(days=365 * years + 10),
    )


def test_accounts_unused_for_three_years_are_erased_unless_still_certified(world):
    idle = factories.UserFactory()
    _old(idle)
    recent = factories.UserFactory()
    _old(recent, years=2)
    never_signed_in = factories.UserFactory()
    never_signed_in.__class__.objects.filter(pk=never_signed_in.pk).update(
        last_login=None, date_joined=NOW - datetime.timedelta(days=4 * 365)
    )
    # Certified and still valid: their record is still in use.
    certified = factories.UserFactory()
    _old(certified)
    enrollment = certification.enrollment_create(
        actor=certified, user=certified, pathway=world.pathway
    )
    certification.decision_validate_manually(
        actor=world.hub,
        enrollment=enrollment,
        bloc=world.bloc,
        reason="Expérience reconnue",
        proof=SimpleUploadedFile("cv.pdf", b"%PDF-1.4 preuve", content_type="application/pdf"),
        today=NOW.date(),
    )

    candidates = set(retention.inactive_accounts(NOW).values_list("pk", flat=True))
    assert idle.pk in candidates and never_signed_in.pk in candidates
    assert recent.pk not in candidates and certified.pk not in candidates

    report = retention.retention_apply(now=NOW)
    assert report.inactive_accounts_erased >= 2
    idle.refresh_from_db()
    assert idle.anonymised_at is None  # dry run

    retention.retention_apply(now=NOW, wet_run=True)
    idle.refresh_from_db()
    recent.refresh_from_db()
    assert idle.anonymised_at is not None and recent.anonymised_at is None
    assert ErasureRequest.objects.get(user=idle).reason == ErasureReason.INACTIVITY
    assert retention.inactive_accounts(NOW).filter(pk=idle.pk).count() == 0


def test_an_idle_trainer_with_an_open_session_is_left_and_counted(world):
    _old(world.trainer)
    world.session.__class__.objects.filter(pk=world.session.pk).update(
        ends_at=NOW - datetime.timedelta(days=4 * 365),
        starts_at=NOW - datetime.timedelta(days=4 * 365 + 1),
    )
    report = retention.retention_apply(now=NOW, wet_run=True)
    world.trainer.refresh_from_db()
    assert world.trainer.anonymised_at is None
    assert world.trainer.pk in report.skipped


def test_old_free_texts_are_removed_after_the_third_year_following_the_training(world):
    old_day = datetime.date(2027, 1, 2)  # kept until 31 December 2030
    older_day = datetime.date(2025, 6, 1)
    common = {"participant": world.person, "session": world.session}
    kept = factories.AssessmentFactory(
        **common,
        competence=world.competences[0],
        comment="Très à l'aise",
        evidence="Atelier",
        assessed_on=old_day,
    )
    gone = factories.AssessmentFactory(
        **common,
        competence=world.competences[1],
        comment="Hésite encore",
        evidence="Photo de l'atelier",
        assessed_on=older_day,
    )
    review = factories.AssessmentReviewFactory(
        assessment=gone, reviewer=world.hub, comment="D'accord"
    )

    assert retention.evidence_cutoff(NOW.date()) == datetime.date(2027, 1, 1)
    report = retention.retention_apply(now=NOW)
    assert (report.assessments_anonymised, report.reviews_anonymised) == (1, 1)
    gone.refresh_from_db()
    assert gone.comment == "Hésite encore"  # dry run

    retention.retention_apply(now=NOW, wet_run=True)
    kept.refresh_from_db()
    gone.refresh_from_db()
    review.refresh_from_db()
    assert (kept.comment, kept.evidence) == ("Très à l'aise", "Atelier")
    assert (gone.comment, gone.evidence, review.comment) == ("", "", "")
    # The level stays: counts and progress hold.
    assert gone.level_id is not None
    entry = AuditLog.objects.get(action="retention.anonymise_evidence")
    assert entry.data["assessments"] == 1


def test_the_audit_log_is_trimmed_after_five_years_only_by_retention(world):
    entry = AuditLog.objects.create(action="test.action")
    AuditLog.objects.filter(pk=entry.pk)  # still append-only for everyone else
    with pytest.raises(TypeError):
        AuditLog.objects.filter(pk=entry.pk).delete()
    old = AuditLog.objects.create(action="test.action")
    # Rows are append-only; the test moves the date the way time would.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditLog._meta.db_table} SET created_at = %s WHERE id = %s",
            [datetime.datetime(2024, 12, 31, 12, tzinfo=datetime.UTC), old.pk],
        )
    report = retention.retention_apply(now=NOW)
    assert report.audit_entries_deleted == 1
    retention.retention_apply(now=NOW, wet_run=True)
    assert not AuditLog.objects.filter(pk=old.pk).exists()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_expired_web_sessions_are_deleted(db):
    store = SessionStore()
    store["x"] = 1
    store.set_expiry(1)
    store.create()
    report = retention.retention_apply(now=timezone.now() + datetime.timedelta(days=1))
    assert report.web_sessions_deleted == 1
    retention.retention_apply(now=timezone.now() + datetime.timedelta(days=1), wet_run=True)
    assert not SessionStore().exists(store.session_key)


def test_the_command_prints_each_count_and_writes_only_with_wet_run(world):
    idle = factories.UserFactory()
    _old(idle, years=10)
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "compte(s) inactif(s) anonymisé(s)" in out.getvalue()
    assert "Relancez avec --wet-run" in out.getvalue()
    idle.refresh_from_db()
    assert idle.anonymised_at is None
    call_command("apply_retention", "--wet-run", stdout=io.StringIO())
    idle.refresh_from_db()
    assert idle.anonymised_at is not None


def test_the_privacy_page_states_the_periods_the_command_applies(client, settings):
    settings.SOCLE_PRIVACY_CONTACT = "dpo@hub.example"
    response = client.get(reverse("privacy_policy"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{retention.INACTIVE_ACCOUNT_YEARS} ans" in body
    assert f"{retention.AUDIT_LOG_YEARS} ans après la fin de l'année" in body
    assert f"{retention.EVIDENCE_YEARS}e année" in body
    assert "dpo@hub.example" in body
    assert reverse("privacy_policy") in client.get("/").content.decode()
