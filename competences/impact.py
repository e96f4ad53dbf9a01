"""What removing a bloc or a competence (or changing a competence substantially) affects: the
pathways that require it, the sessions to come that target it and, for a bloc, the
accreditations on its code. Shown to the hub on the comparison page before it retires the older
version.

Sessions and accreditations belong to the trainings app, which depends on this one: they are
read through the app registry, in three queries whatever the size of the difference.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count
from django.utils import timezone

from .models import PathwayBloc


@dataclass
class Impact:
    kind: str  # "bloc" or "competence"
    code: str
    label: str
    ref: int  # the older version's row
    reason: str  # "removed" or "changed"
    pathways: list = field(default_factory=list)
    sessions: int = 0
    accreditations: int = 0

    @property
    def is_empty(self):
        return not (self.pathways or self.sessions or self.accreditations)


def diff_impact(diff, *, now=None):
    """[Impact] for the removed blocs, removed competences and competences whose evidence no
    longer counts, from the older version's side (where the pathways and sessions are)."""
    now = now or timezone.now()
    old = diff.old
    blocs_kind = diff.by_name("blocs")
    competences_kind = diff.by_name("competences")
    impacts = [
        Impact("bloc", item.code, item.label, item.ref, "removed") for item in blocs_kind.removed
    ]
    removed_blocs = {item.ref for item in blocs_kind.removed}
    # A removed bloc's competences go with it: the bloc's line says it once.
    impacts += [
        Impact("competence", item.code, item.label, item.ref, "removed")
        for item in competences_kind.removed
        if item.parent_ref not in removed_blocs
    ]
    impacts += [
        Impact("competence", change.old.code, change.old.label, change.old.ref, "changed")
        for change in competences_kind.evidence_lost
    ]
    if not impacts:
        return []
    # Every competence of the older version, by bloc: a bloc's sessions are its competences'.
    competences_of_bloc, bloc_of_competence = {}, {}
    for bloc in old.blocs.all():
        for competence in bloc.competences.all():
            competences_of_bloc.setdefault(bloc.pk, []).append(competence.pk)
            bloc_of_competence[competence.pk] = bloc.pk
    bloc_ids = {i.ref for i in impacts if i.kind == "bloc"} | {
        bloc_of_competence.get(i.ref) for i in impacts if i.kind == "competence"
    }
    pathways_of_bloc = {}
    for pathway_bloc in (
        PathwayBloc.objects.filter(bloc_id__in=bloc_ids)
        .select_related("pathway")
        .order_by("pathway__code")
    ):
        pathways_of_bloc.setdefault(pathway_bloc.bloc_id, []).append(pathway_bloc.pathway)

    competence_ids = {i.ref for i in impacts if i.kind == "competence"}
    for impact in impacts:
        if impact.kind == "bloc":
            competence_ids.update(competences_of_bloc.get(impact.ref, []))
    session_model = apps.get_model("trainings", "Session")
    sessions_of = {}
    for competence_id, session_id in session_model.competences.through.objects.filter(
        competence_id__in=competence_ids,
        session__status="published",
        session__ends_at__gte=now,
    ).values_list("competence_id", "session_id"):
        sessions_of.setdefault(competence_id, set()).add(session_id)

    accreditation_model = apps.get_model("trainings", "TrainerAccreditation")
    removed_codes = [i.code for i in impacts if i.kind == "bloc"]
    accreditations = dict(
        accreditation_model.objects.filter(
            bloc__code__in=removed_codes,
            bloc__version__referential_id=old.referential_id,
            revoked_at__isnull=True,
            valid_until__gte=timezone.localdate(now),
        )
        .values("bloc__code")
        .annotate(n=Count("user", distinct=True))
        .values_list("bloc__code", "n")
        if removed_codes
        else {}
    )

    for impact in impacts:
        if impact.kind == "bloc":
            impact.pathways = pathways_of_bloc.get(impact.ref, [])
            sessions = set()
            for competence_id in competences_of_bloc.get(impact.ref, []):
                sessions |= sessions_of.get(competence_id, set())
            impact.sessions = len(sessions)
            impact.accreditations = accreditations.get(impact.code, 0)
        else:
            impact.pathways = pathways_of_bloc.get(bloc_of_competence.get(impact.ref), [])
            impact.sessions = len(sessions_of.get(impact.ref, ()))
    return impacts
