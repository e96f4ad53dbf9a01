import factory
from django.utils import timezone

from competences import services
from competences.models import (
    Bloc,
    Competence,
    Criterion,
    Pathway,
    PathwayAudience,
    PathwayBloc,
    PathwayRequirement,
    ProficiencyLevel,
    Referential,
    ReferentialVersion,
    VersionStatus,
)

__all__ = [
    "BlocFactory",
    "CompetenceFactory",
    "CriterionFactory",
    "DEFAULT_SCALE",
    "PathwayFactory",
    "ReferentialFactory",
    "ReferentialVersionFactory",
    "PathwayRequirementFactory",
    "add_default_scale",
    "make_pathway",
    "make_reference",
]

# The services' default scale, without the descriptions: (rank, label, counts as acquired).
DEFAULT_SCALE = [(rank, label, acquired) for rank, label, _text, acquired in services.DEFAULT_SCALE]


class ReferentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referential
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ref-{n}")
    title = factory.Sequence(lambda n: f"Référentiel {n}")


class ReferentialVersionFactory(factory.django.DjangoModelFactory):
    """A draft version; pass status=VersionStatus.PUBLISHED for a published one."""

    class Meta:
        model = ReferentialVersion

    referential = factory.SubFactory(ReferentialFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = VersionStatus.DRAFT
    published_at = factory.LazyAttribute(
        lambda o: None if o.status == VersionStatus.DRAFT else timezone.now()
    )


def add_default_scale(version):
    return [
        ProficiencyLevel.objects.create(
            version=version, rank=rank, label=label, counts_as_acquired=acquired
        )
        for rank, label, acquired in DEFAULT_SCALE
    ]


class BlocFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bloc

    version = factory.SubFactory(ReferentialVersionFactory)
    code = factory.Sequence(lambda n: f"B{n + 1}")
    title = factory.Sequence(lambda n: f"Bloc {n + 1}")
    order = factory.Sequence(lambda n: n)


class CompetenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competence

    bloc = factory.SubFactory(BlocFactory)
    version = factory.SelfAttribute("bloc.version")
    code = factory.Sequence(lambda n: f"C{n + 1}")
    title = factory.Sequence(lambda n: f"Compétence {n + 1}")
    order = factory.Sequence(lambda n: n)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    competence = factory.SubFactory(CompetenceFactory)
    version = factory.SelfAttribute("competence.version")
    code = factory.Sequence(lambda n: f"K{n + 1}")
    text = factory.Sequence(lambda n: f"Critère observable {n + 1}")
    order = factory.Sequence(lambda n: n)


class PathwayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pathway
        skip_postgeneration_save = True

    version = factory.SubFactory(ReferentialVersionFactory, status=VersionStatus.PUBLISHED)
    code = factory.Sequence(lambda n: f"parcours-{n}")
    title = factory.Sequence(lambda n: f"Parcours {n}")
    audience = PathwayAudience.NOVICE
    min_attended_hours = 14
    validity_months = 36

    @factory.post_generation
    def with_blocs(obj, create, extracted, **kwargs):
        if create and extracted:
            for order, bloc in enumerate(extracted):
                PathwayBloc.objects.create(pathway=obj, bloc=bloc, order=order)


def make_reference(
    *, blocs=2, competences=3, criteria=2, status=VersionStatus.PUBLISHED, referential=None
):
    """A complete version with the default scale: blocs B1.., competences B1.C1.., criteria
    B1.C1.1... Returns the version."""
    version = ReferentialVersionFactory(
        status=status, **({"referential": referential} if referential else {})
    )
    add_default_scale(version)
    for b in range(1, blocs + 1):
        bloc = BlocFactory(version=version, code=f"B{b}", title=f"Bloc {b}", order=b)
        for c in range(1, competences + 1):
            competence = CompetenceFactory(
                bloc=bloc, code=f"B{b}.C{c}", title=f"Compétence {b}.{c}", order=c
            )
            for k in range(1, criteria + 1):
                CriterionFactory(
                    competence=competence,
                    code=f"B{b}.C{c}.{k}",
                    text=f"Critère {b}.{c}.{k}",
                    order=k,
                )
    return version


class PathwayRequirementFactory(factory.django.DjangoModelFactory):
    """A required level above (or below) "acquis" for one competence of a pathway."""

    class Meta:
        model = PathwayRequirement

    pathway = factory.SubFactory(PathwayFactory)
    competence = factory.LazyAttribute(
        lambda o: o.pathway.version.competences.filter(bloc__pathway_blocs__pathway=o.pathway)[0]
    )
    required_level = factory.LazyAttribute(lambda o: o.pathway.version.levels.order_by("-rank")[0])


def make_pathway(version=None, *, blocs=None, requirements=None, **kwargs):
    """A pathway on `version` (default: a new make_reference()) requiring `blocs` (codes; default:
    all the version's blocs). `requirements` maps competence codes to the required rank."""
    version = version or make_reference()
    chosen = list(version.blocs.order_by("order", "code"))
    if blocs is not None:
        by_code = {bloc.code: bloc for bloc in chosen}
        chosen = [by_code[code] for code in blocs]
    pathway = PathwayFactory(version=version, with_blocs=chosen, **kwargs)
    for code, rank in (requirements or {}).items():
        PathwayRequirement.objects.create(
            pathway=pathway,
            competence=version.competences.get(code=code),
            required_level=version.levels.get(rank=rank),
        )
    return pathway
