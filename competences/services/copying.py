"""Writing a version's scale and content in bulk (clone, import) and reading it back as the
plain dicts that the import, the export and the clone share."""

from ..models import Bloc, Competence, Criterion, ProficiencyLevel
from .lineage import LineageAllocator, lineage_source

# (rank, label, description, counts as acquired) — data, stored in French like the content.
DEFAULT_SCALE = [
    (
        1,
        "Découverte",
        "A entendu parler de la compétence, l'a observée ; ne la met pas encore en œuvre seul·e.",
        False,
    ),
    (
        2,
        "En cours d'acquisition",
        "La met en œuvre avec l'appui d'un pair ou d'un formateur, dans des situations simples.",
        False,
    ),
    (
        3,
        "Acquis",
        "La met en œuvre seul·e, de façon fiable, dans les situations courantes du poste.",
        True,
    ),
    (
        4,
        "Maîtrisé",
        "L'adapte aux situations complexes et sait la transmettre à d'autres médiateurs.",
        False,
    ),
]


def copy_scale(source, target):
    if source is not None and source.levels.exists():
        rows = [
            ProficiencyLevel(
                version=target,
                rank=level.rank,
                label=level.label,
                description=level.description,
                counts_as_acquired=level.counts_as_acquired,
            )
            for level in source.levels.all()
        ]
    else:
        rows = [
            ProficiencyLevel(
                version=target,
                rank=rank,
                label=label,
                description=description,
                counts_as_acquired=acquired,
            )
            for rank, label, description, acquired in DEFAULT_SCALE
        ]
    ProficiencyLevel.objects.bulk_create(rows)


def _lineages(model, version, source, items):
    """The lineage of each new row: the one its dict carries (a clone keeps its source's
    exactly), else the lineage source's row with the same code (an import, a version started
    empty), else a new one."""
    allocator = LineageAllocator(model, version, source)
    # Lineages given explicitly are reserved first, so that none is handed out twice.
    for item in items:
        if item.get("lineage"):
            allocator.take(item["lineage"])
    return [item.get("lineage") or allocator.for_code(item["code"]) for item in items]


def bulk_content(version, blocs):
    """Write blocs → competences → criteria given as plain dicts, in three bulk inserts."""
    source = lineage_source(version)
    bloc_lineages = _lineages(Bloc, version, source, blocs)
    bloc_rows = [
        Bloc(
            version=version,
            code=bloc["code"],
            title=bloc["title"],
            description=bloc.get("description", ""),
            evaluation_modalities=bloc.get("evaluation_modalities", ""),
            order=bloc["order"],
            national_code=bloc.get("national_code", ""),
            lineage=lineage,
        )
        for bloc, lineage in zip(blocs, bloc_lineages, strict=True)
    ]
    for row in bloc_rows:
        row.full_clean(exclude=["version"], validate_unique=False, validate_constraints=False)
    Bloc.objects.bulk_create(bloc_rows)

    competences = [
        (bloc_row, competence)
        for bloc, bloc_row in zip(blocs, bloc_rows, strict=True)
        for competence in bloc["competences"]
    ]
    competence_lineages = _lineages(
        Competence, version, source, [competence for _bloc, competence in competences]
    )
    competence_rows = [
        Competence(
            version=version,
            bloc=bloc_row,
            code=competence["code"],
            title=competence["title"],
            description=competence.get("description", ""),
            order=competence["order"],
            substantially_changed=competence.get("substantially_changed", False),
            lineage=lineage,
        )
        for (bloc_row, competence), lineage in zip(competences, competence_lineages, strict=True)
    ]
    for row in competence_rows:
        row.full_clean(
            exclude=["version", "bloc"], validate_unique=False, validate_constraints=False
        )
    Competence.objects.bulk_create(competence_rows)

    criterion_rows = []
    competence_iter = iter(competence_rows)
    for bloc in blocs:
        for competence in bloc["competences"]:
            competence_row = next(competence_iter)
            for criterion in competence["criteria"]:
                criterion_rows.append(
                    Criterion(
                        version=version,
                        competence=competence_row,
                        code=criterion["code"],
                        text=criterion["text"],
                        order=criterion["order"],
                    )
                )
    for row in criterion_rows:
        row.full_clean(
            exclude=["version", "competence"], validate_unique=False, validate_constraints=False
        )
    Criterion.objects.bulk_create(criterion_rows, batch_size=1000)
    return len(bloc_rows), len(competence_rows), len(criterion_rows)


def content_as_dicts(version, *, lineages=False):
    """A version's blocs → competences → criteria as plain dicts (the shape `bulk_content`,
    the import and the export share).

    `lineages=True` (a clone) adds each bloc's and competence's lineage, so the copy continues
    exactly the same ones, and clears "substantially changed": the clone's competences continue
    their source's own lineages, which earlier evidence already does not share. The file format
    never carries lineages: an import inherits them by code.
    """
    from ..selectors import version_with_content

    version = version_with_content(version)

    def with_lineage(data, row, **extra):
        if lineages:
            data.update(lineage=row.lineage, **extra)
        return data

    return [
        with_lineage(
            {
                "code": bloc.code,
                "title": bloc.title,
                "description": bloc.description,
                "evaluation_modalities": bloc.evaluation_modalities,
                "order": bloc.order,
                "national_code": bloc.national_code,
                "competences": [
                    with_lineage(
                        {
                            "code": competence.code,
                            "title": competence.title,
                            "description": competence.description,
                            "order": competence.order,
                            "criteria": [
                                {
                                    "code": criterion.code,
                                    "text": criterion.text,
                                    "order": criterion.order,
                                }
                                for criterion in competence.criteria.all()
                            ],
                        },
                        competence,
                        substantially_changed=False,
                    )
                    for competence in bloc.competences.all()
                ],
            },
            bloc,
        )
        for bloc in version.blocs.all()
    ]
