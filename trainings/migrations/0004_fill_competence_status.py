from django.db import migrations
from django.utils import timezone


def fill(apps, schema_editor):
    """Fill the current-status table from the assessments already recorded, with the counting
    rule as it stands in this migration (trainings/services/status.py holds the living one;
    `manage.py rebuild_competence_status` recomputes the table with it)."""
    Assessment = apps.get_model("trainings", "Assessment")
    AssessmentReview = apps.get_model("trainings", "AssessmentReview")
    CompetenceStatus = apps.get_model("trainings", "CompetenceStatus")
    reviews = dict(AssessmentReview.objects.values_list("assessment_id", "decision"))
    now = timezone.now()
    found = {}
    history = (
        Assessment.objects.exclude(assessor_role="self")
        .select_related("level", "competence__version")
        .order_by("participant_id", "competence__lineage", "-assessed_on", "-created_at", "-pk")
    )
    for assessment in history.iterator(chunk_size=5000):
        key = (assessment.participant_id, assessment.competence.lineage)
        if key in found:
            continue
        if assessment.assessor_role == "peer":
            decision = reviews.get(assessment.pk)
            counts = (
                decision == "confirmed"
                if decision
                else not assessment.competence.version.peer_assessment_needs_confirmation
            )
            if not counts:
                continue
        found[key] = assessment
    CompetenceStatus.objects.bulk_create(
        [
            CompetenceStatus(
                user_id=user_id,
                lineage=lineage,
                competence_id=a.competence_id,
                level_id=a.level_id,
                level_rank=a.level.rank,
                assessment_id=a.pk,
                assessed_on=a.assessed_on,
                changed_at=now,
            )
            for (user_id, lineage), a in found.items()
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("trainings", "0003_competence_status"),
        ("competences", "0002_lineage_rule_sets"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
