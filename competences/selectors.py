"""Reads of the competency reference, for pages, exports and the other apps.

Each selector costs a fixed number of queries whatever the size of the reference.
"""

import unicodedata

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from .models import (
    Bloc,
    Competence,
    Criterion,
    Pathway,
    PathwayBloc,
    PathwayRequirement,
    ProficiencyLevel,
    Referential,
    ReferentialVersion,
    VersionStatus,
)


def published_versions():
    return (
        ReferentialVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("referential")
        .order_by("referential__code", "-number")
    )


def draft_count():
    return ReferentialVersion.objects.filter(status=VersionStatus.DRAFT).count()


def latest_published_version(code):
    return published_versions().filter(referential__code=code).first()


def default_export_version(referential):
    """The latest published version, else the latest draft (None when there is neither)."""
    versions = referential.versions.select_related("referential")
    return (
        versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()
        or versions.filter(status=VersionStatus.DRAFT).order_by("-number").first()
    )


def versions_of(code, *, include_drafts):
    """The versions of referential `code`, newest first (drafts only when asked)."""
    versions = (
        ReferentialVersion.objects.select_related("referential")
        .filter(referential__code=code)
        .order_by("-number")
    )
    return versions if include_drafts else versions.exclude(status=VersionStatus.DRAFT)


def version_by_number(code, number):
    return (
        ReferentialVersion.objects.select_related("referential")
        .filter(referential__code=code, number=number)
        .first()
    )


def _content_prefetch():
    criteria = Criterion.objects.order_by("order", "code")
    competences = Competence.objects.order_by("order", "code").prefetch_related(
        Prefetch("criteria", queryset=criteria)
    )
    blocs = Bloc.objects.order_by("order", "code").prefetch_related(
        Prefetch("competences", queryset=competences)
    )
    return [
        Prefetch("levels", queryset=ProficiencyLevel.objects.order_by("rank")),
        Prefetch("blocs", queryset=blocs),
    ]


def version_with_content(version):
    """The version with its scale and blocs → competences → criteria prefetched, in order
    (five queries). Accepts a version or its primary key."""
    pk = getattr(version, "pk", version)
    return (
        ReferentialVersion.objects.select_related("referential", "cloned_from")
        .prefetch_related(*_content_prefetch())
        .get(pk=pk)
    )


def acquired_level(version):
    """The scale's level that counts as "acquired" (uses the prefetched scale when there is)."""
    return next((level for level in version.levels.all() if level.counts_as_acquired), None)


def required_level(pathway, competence):
    """The level `competence` must reach in `pathway`: its requirement, else "acquired"."""
    requirement = (
        PathwayRequirement.objects.select_related("required_level")
        .filter(pathway=pathway, competence=competence)
        .first()
    )
    if requirement is not None:
        return requirement.required_level
    return ProficiencyLevel.objects.filter(
        version_id=pathway.version_id, counts_as_acquired=True
    ).first()


def required_levels(pathway):
    """{competence id: required level} for every competence of the pathway's blocs."""
    levels = list(ProficiencyLevel.objects.filter(version_id=pathway.version_id))
    default = next((level for level in levels if level.counts_as_acquired), None)
    by_pk = {level.pk: level for level in levels}
    overrides = dict(
        PathwayRequirement.objects.filter(pathway=pathway).values_list(
            "competence_id", "required_level_id"
        )
    )
    competence_ids = Competence.objects.filter(bloc__pathway_blocs__pathway=pathway).values_list(
        "pk", flat=True
    )
    return {pk: by_pk[overrides[pk]] if pk in overrides else default for pk in competence_ids}


def pathways_for_version(version):
    return (
        Pathway.objects.filter(version=version)
        .annotate(bloc_count=Count("pathway_blocs"))
        .order_by("code")
    )


def active_pathways():
    return (
        Pathway.objects.filter(is_active=True, version__status=VersionStatus.PUBLISHED)
        .select_related("version__referential")
        .order_by("version__referential__code", "-version__number", "code")
    )


def pathway_by_code(version, code):
    return (
        Pathway.objects.select_related("version__referential")
        .filter(version=version, code=code)
        .first()
    )


def pathway_with_content(pathway):
    """The pathway with its blocs → competences, each competence carrying `required_level`
    (five queries)."""
    competences = Competence.objects.order_by("order", "code")
    pathway_blocs = PathwayBloc.objects.select_related("bloc").prefetch_related(
        Prefetch("bloc__competences", queryset=competences)
    )
    pathway = (
        Pathway.objects.select_related("version__referential")
        .prefetch_related(
            Prefetch("pathway_blocs", queryset=pathway_blocs.order_by("order", "bloc__order")),
            Prefetch("requirements", queryset=PathwayRequirement.objects.all()),
            Prefetch("version__levels", queryset=ProficiencyLevel.objects.order_by("rank")),
        )
        .get(pk=pathway.pk)
    )
    levels = {level.pk: level for level in pathway.version.levels.all()}
    default = acquired_level(pathway.version)
    overrides = {
        r.competence_id: levels.get(r.required_level_id) for r in pathway.requirements.all()
    }
    for pathway_bloc in pathway.pathway_blocs.all():
        for competence in pathway_bloc.bloc.competences.all():
            competence.required_level = overrides.get(competence.pk, default)
    return pathway


def _count(model):
    return Coalesce(
        Subquery(
            model.objects.filter(version=OuterRef("pk"))
            .order_by()
            .values("version")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def versions_with_counts():
    return (
        ReferentialVersion.objects.select_related("referential", "cloned_from")
        .annotate(
            bloc_count=_count(Bloc),
            competence_count=_count(Competence),
            criterion_count=_count(Criterion),
            pathway_count=_count(Pathway),
        )
        .order_by("referential__code", "-number")
    )


def referentials_overview(*, include_drafts=True):
    """Referentials with their versions (newest first) and each version's counts."""
    versions = versions_with_counts().prefetch_related(
        Prefetch("pathways", queryset=Pathway.objects.order_by("code"))
    )
    if not include_drafts:
        versions = versions.exclude(status=VersionStatus.DRAFT)
    return Referential.objects.prefetch_related(
        Prefetch("versions", queryset=versions, to_attr="version_list")
    ).order_by("code")


# Search -------------------------------------------------------------------------------------


def fold(text):
    """Lower-case and accent-free, one character per input character (so that match positions
    found in the folded text are valid in the original)."""
    out = []
    for char in text:
        stripped = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        folded = (stripped or char).casefold()
        out.append(folded[:1] if folded else char)
    return "".join(out)


def _matches(query, *texts):
    return any(query in fold(text or "") for text in texts)


def search_content(version, query):
    """Filter a version loaded by `version_with_content` (no query): the blocs, competences and
    criteria matching `query` (accent- and case-insensitive), with their parents for context.
    A matching bloc or competence keeps all its content. Returns [(bloc, [(competence,
    [criteria])])] and the number of matching items."""
    needle = fold(query.strip())
    results = []
    hits = 0
    for bloc in version.blocs.all():
        bloc_hit = _matches(needle, bloc.code, bloc.title, bloc.description)
        hits += bloc_hit
        shown_competences = []
        for competence in bloc.competences.all():
            competence_hit = _matches(
                needle, competence.code, competence.title, competence.description
            )
            hits += competence_hit
            criteria = list(competence.criteria.all())
            matching = [c for c in criteria if _matches(needle, c.code, c.text)]
            hits += len(matching)
            if bloc_hit or competence_hit:
                shown_competences.append((competence, criteria))
            elif matching:
                shown_competences.append((competence, matching))
        if bloc_hit or shown_competences:
            results.append((bloc, shown_competences))
    return results, hits


def full_content(version):
    """The same shape as search_content, unfiltered."""
    return [
        (
            bloc,
            [
                (competence, list(competence.criteria.all()))
                for competence in bloc.competences.all()
            ],
        )
        for bloc in version.blocs.all()
    ]
