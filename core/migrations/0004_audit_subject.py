"""Audit entries gain the person they are about, and entries about a person no longer keep a
copy of their name: it is read from the account at display time."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.functions import Cast

# target type -> (model, path to the person's id)
SUBJECT_PATHS = {
    "accounts.membership": ("accounts", "Membership", "user_id"),
    "trainings.traineraccreditation": ("trainings", "TrainerAccreditation", "user_id"),
    "trainings.registration": ("trainings", "Registration", "user_id"),
    "trainings.attendance": ("trainings", "Attendance", "registration__user_id"),
    "trainings.assessment": ("trainings", "Assessment", "participant_id"),
    "trainings.assessmentreview": ("trainings", "AssessmentReview", "assessment__participant_id"),
    "trainings.competencestatus": ("trainings", "CompetenceStatus", "user_id"),
    "certificates.enrollment": ("certificates", "Enrollment", "user_id"),
    "certificates.blocvalidation": ("certificates", "BlocValidation", "enrollment__user_id"),
    "certificates.pathwaycertification": (
        "certificates",
        "PathwayCertification",
        "enrollment__user_id",
    ),
    "certificates.attestation": ("certificates", "Attestation", "holder_id"),
    "privacy.personaldataexport": ("privacy", "PersonalDataExport", "user_id"),
}


def fill_subjects(apps, schema_editor):
    AuditLog = apps.get_model("core", "AuditLog")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    target_pk = Cast(OuterRef("target_id"), IntegerField())
    AuditLog.objects.filter(target_type=User._meta.label_lower).update(
        subject_id=Subquery(User.objects.filter(pk=target_pk).values("pk")[:1])
    )
    for target_type, (app_label, model_name, path) in SUBJECT_PATHS.items():
        model = apps.get_model(app_label, model_name)
        AuditLog.objects.filter(target_type=target_type).update(
            subject_id=Subquery(model.objects.filter(pk=target_pk).values(path)[:1])
        )
    # Entries about a person's records (even deleted ones) lose the copy of the name they held.
    AuditLog.objects.filter(
        target_type__in=[User._meta.label_lower, *SUBJECT_PATHS]
    ).update(target_repr="")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_mfa_grace_period'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("accounts", "0005_territory_of_record"),
        ("trainings", "0005_long_text_bounds"),
        ("certificates", "0002_territory_of_record"),
        ("privacy", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name='auditlog',
            name='subject',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='personne concernée'),
        ),
        migrations.AddIndex(
            model_name='auditlog',
            index=models.Index(fields=['subject', '-created_at'], name='auditlog_subject_recent'),
        ),
        migrations.RunPython(fill_subjects, migrations.RunPython.noop),
    ]
