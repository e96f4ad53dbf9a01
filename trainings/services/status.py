"""The current-status table: one row per person × competence lineage, with the assessment that
counts and its level. The one definition of "the assessment that counts" lives here.

The assessment that counts on a competence lineage is the latest — by `assessed_on`, then entry
time — among the person's assessments of any competence of that lineage that:
- is not a self-assessment;
- for a peer trainer's assessment: was confirmed by an accredited trainer, or, when never
  reviewed, was made on a version that does not require confirmation (a rule of the referential
  version). An overridden peer assessment never counts: its replacement does, as an accredited
  trainer's assessment of its own.

`competence_status_refresh` recomputes one row from the history; the assessment services call it
in the same transaction as each write. `competence_status_rebuild` recomputes every row from the
history in bulk (manage.py rebuild_competence_status) and must give the same table.
"""

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Assessment, AssessorRole, CompetenceStatus, ReviewDecision
from . import events

# Newest first: the first that counts is the one in force.
COUNTING_ORDER = ("-assessed_on", "-created_at", "-pk")
_RELATED = ("level", "review", "competence__version")


def _review(assessment):
    try:
        return assessment.review
    except Assessment.review.RelatedObjectDoesNotExist:
        return None


def assessment_counts(assessment):
    """Does this assessment count toward validation? (needs `review` and `competence__version`,
    select_related to avoid queries)."""
    if assessment.assessor_role == AssessorRole.SELF:
        return False
    if assessment.assessor_role == AssessorRole.PEER:
        review = _review(assessment)
        if review is not None:
            return review.decision == ReviewDecision.CONFIRMED
        return not assessment.competence.version.peer_assessment_needs_confirmation
    return True


def candidates(user_id, lineage):
    """The person's assessments on a competence lineage, newest first (self-assessments left
    out), with what `assessment_counts` reads."""
    return (
        Assessment.objects.filter(participant_id=user_id, competence__lineage=lineage)
        .exclude(assessor_role=AssessorRole.SELF)
        .select_related(*_RELATED)
        .order_by(*COUNTING_ORDER)
    )


def _lock_person(user_id):
    # Two assessments of one person in two sessions at once would each recompute without seeing
    # the other: the person's row serialises status writes (taken after any session lock).
    get_user_model().objects.select_for_update(no_key=True).only("pk").get(pk=user_id)


def _values(counting):
    return {
        "competence_id": counting.competence_id,
        "level_id": counting.level_id,
        "level_rank": counting.level.rank,
        "assessment_id": counting.pk,
        "assessed_on": counting.assessed_on,
    }


def _matches(row, values):
    return all(getattr(row, field) == value for field, value in values.items())


def _apply(user_id, lineage, counting, now):
    """Write the row for (user, lineage) so it rests on `counting` (None: no row). Returns True
    when something changed."""
    current = CompetenceStatus.objects.filter(user_id=user_id, lineage=lineage).first()
    if counting is None:
        if current is None:
            return False
        current.delete()
        return True
    values = _values(counting)
    if current is not None and _matches(current, values):
        return False
    values["changed_at"] = now
    if current is None:
        CompetenceStatus.objects.create(user_id=user_id, lineage=lineage, **values)
    else:
        for field, value in values.items():
            setattr(current, field, value)
        current.save(update_fields=list(values))
    return True


def competence_status_refresh(*, user_id, lineage, now=None):
    """Recompute one person's status on one competence lineage from the history (inside the
    caller's transaction). Returns True when it changed; then the certification rules are asked to
    look at this person again once the transaction commits."""
    with transaction.atomic():
        _lock_person(user_id)
        counting = next((a for a in candidates(user_id, lineage) if assessment_counts(a)), None)
        changed = _apply(user_id, lineage, counting, now or timezone.now())
    if changed:
        events.evidence_changed([user_id])
    return changed


def competence_status_refresh_for(assessment, *, now=None):
    return competence_status_refresh(
        user_id=assessment.participant_id, lineage=assessment.competence.lineage, now=now
    )


def counting_by_key(assessments):
    """Assessments in COUNTING_ORDER → {(participant_id, lineage): the first that counts}."""
    found = {}
    for assessment in assessments:
        key = (assessment.participant_id, assessment.competence.lineage)
        if key not in found and assessment_counts(assessment):
            found[key] = assessment
    return found


# `assessment_counts` as a filter, for the rebuild: the same rule, evaluated by the database.
COUNTING = ~Q(assessor_role=AssessorRole.SELF) & (
    ~Q(assessor_role=AssessorRole.PEER)
    | Q(review__decision=ReviewDecision.CONFIRMED)
    | Q(review__isnull=True, competence__version__peer_assessment_needs_confirmation=False)
)
# What a row holds, in the order of the tuples below (the key first).
_ROW = ("competence_id", "level_id", "level_rank", "assessment_id", "assessed_on")


def _expected(people):
    """{(user_id, lineage): (competence_id, level_id, level_rank, assessment_id, assessed_on)}
    of the assessments that count for these people (a queryset filter on the participant). On
    PostgreSQL the database keeps the latest per key (DISTINCT ON); elsewhere the first of each
    key in COUNTING_ORDER is kept here, from plain tuples."""
    history = (
        Assessment.objects.filter(people)
        .filter(COUNTING)
        .order_by("participant_id", "competence__lineage", *COUNTING_ORDER)
    )
    if connection.features.can_distinct_on_fields:
        history = history.distinct("participant_id", "competence__lineage")
    expected = {}
    for user_id, lineage, *values in history.values_list(
        "participant_id",
        "competence__lineage",
        "competence_id",
        "level_id",
        "level__rank",
        "pk",
        "assessed_on",
    ).iterator(chunk_size=10000):
        expected.setdefault((user_id, lineage), tuple(values))
    return expected


def competence_status_rebuild(*, user_ids=None, chunk_size=5000):
    """Recompute the whole table (or some people's rows) from the append-only history.

    Set-based, by batches of `chunk_size` people: one query gives the assessments that count
    (the database applies the rule and keeps the latest per person and lineage), one reads the
    rows in place, and only the differences are written, in bulk. Returns (rows created or
    changed, rows deleted).
    """
    people = get_user_model().objects.order_by("pk").values_list("pk", flat=True)
    if user_ids is not None:
        people = people.filter(pk__in=user_ids)
    people = list(people)
    written = deleted = 0
    now = timezone.now()
    for start in range(0, len(people), chunk_size):
        chunk = people[start : start + chunk_size]
        # Every person between the bounds is in the chunk when everyone is rebuilt: a range.
        bounds = {"__gte": chunk[0], "__lte": chunk[-1]} if user_ids is None else {"__in": chunk}
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A batch's sort fits in memory (the default 4 MB spills it to disk).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '64MB'")
            expected = _expected(Q(**{f"participant_id{k}": v for k, v in bounds.items()}))
            existing = {
                (user_id, lineage): (pk, tuple(values))
                for pk, user_id, lineage, *values in CompetenceStatus.objects.filter(
                    **{f"user_id{k}": v for k, v in bounds.items()}
                ).values_list("pk", "user_id", "lineage", *_ROW)
            }
            stale = [pk for key, (pk, _values) in existing.items() if key not in expected]
            if stale:
                deleted += CompetenceStatus.objects.filter(pk__in=stale).delete()[0]
            created, changed = [], []
            for (user_id, lineage), values in expected.items():
                fields = dict(zip(_ROW, values, strict=True), changed_at=now)
                row = existing.get((user_id, lineage))
                if row is None:
                    created.append(CompetenceStatus(user_id=user_id, lineage=lineage, **fields))
                elif row[1] != values:
                    changed.append(CompetenceStatus(pk=row[0], **fields))
            CompetenceStatus.objects.bulk_create(created, batch_size=1000)
            CompetenceStatus.objects.bulk_update(changed, [*_ROW, "changed_at"], batch_size=1000)
            written += len(created) + len(changed)
    return written, deleted
