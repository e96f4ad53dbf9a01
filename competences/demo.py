"""The demo reference: « Médiation numérique » v1, published, and two certifying pathways.

The content is loaded from competences/data/mediation-numerique.csv through the import service,
so the demo exercises the same path as a hub coordinator's upload. Idempotent: a second run
reuses the published version and the pathways it finds.
"""

from decimal import Decimal
from pathlib import Path

from django.db import transaction

from . import services
from .importing import import_reference_file
from .models import PathwayAudience, Referential, VersionStatus

CODE = "mediation-numerique"
TITLE = "Référentiel de compétences de la médiation numérique"
DESCRIPTION = (
    "Les compétences attendues d'un médiateur ou d'une médiatrice numérique : accueillir et "
    "diagnostiquer, accompagner vers l'autonomie dans les usages et les démarches en ligne, "
    "animer des ateliers collectifs et contribuer à la vie du lieu, du réseau et du territoire."
)
DATA_FILE = Path(__file__).resolve().parent / "data" / "mediation-numerique.csv"

PATHWAYS = [
    {
        "code": "socle-mediateur",
        "title": "Socle du médiateur numérique",
        "audience": PathwayAudience.NOVICE,
        "description": (
            "Le parcours d'entrée des médiateurs débutants et des aidants numériques : accueillir, "
            "diagnostiquer et accompagner une personne dans ses démarches en ligne, en sécurité."
        ),
        "blocs": ["B1", "B2"],
        "min_attended_hours": Decimal("14"),
        "validity_months": 36,
        "requirements": {},
    },
    {
        "code": "mediateur-confirme",
        "title": "Médiateur numérique confirmé",
        "audience": PathwayAudience.CONFIRMED,
        "description": (
            "Le parcours complet : les quatre blocs du référentiel, dont l'animation d'ateliers "
            "collectifs et le travail en réseau. La sécurité numérique doit être maîtrisée."
        ),
        "blocs": ["B1", "B2", "B3", "B4"],
        "min_attended_hours": Decimal("35"),
        "validity_months": 36,
        # Competences that must go beyond "acquis" (rank 4 = « Maîtrisé »).
        "requirements": {"B2.C4": 4, "B2.C3": 4},
    },
]


def _published_version(actor):
    referential = Referential.objects.filter(code=CODE).first()
    if referential is not None:
        version = referential.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number")
        if version.exists():
            return version.first()
        draft = referential.versions.filter(status=VersionStatus.DRAFT).order_by("-number").first()
        if draft is not None:
            return services.version_publish(actor=actor, version=draft)
    with DATA_FILE.open("rb") as handle:
        draft = import_reference_file(
            actor=actor,
            fileobj=handle,
            code=CODE,
            title=TITLE,
            filename=DATA_FILE.name,
            notes="Version initiale, validée par le comité d'animation du hub.",
        )
    if not draft.referential.description:
        services.referential_update(
            actor=actor, referential=draft.referential, title=TITLE, description=DESCRIPTION
        )
    return services.version_publish(actor=actor, version=draft)


def _pathway(actor, version, spec):
    pathway = version.pathways.filter(code=spec["code"]).first()
    if pathway is not None:
        return pathway
    blocs = {bloc.code: bloc for bloc in version.blocs.all()}
    pathway = services.pathway_create(
        actor=actor,
        version=version,
        code=spec["code"],
        title=spec["title"],
        audience=spec["audience"],
        description=spec["description"],
        blocs=[blocs[code] for code in spec["blocs"]],
        min_attended_hours=spec["min_attended_hours"],
        validity_months=spec["validity_months"],
    )
    levels = {level.rank: level for level in version.levels.all()}
    competences = {c.code: c for c in version.competences.all()}
    for code, rank in spec["requirements"].items():
        services.pathway_requirement_set(
            actor=actor, pathway=pathway, competence=competences[code], level=levels[rank]
        )
    return pathway


@transaction.atomic
def build(network):
    actor = network.get("hub")
    version = _published_version(actor)
    network["referential_version"] = version
    network["pathways"] = [_pathway(actor, version, spec) for spec in PATHWAYS]
