"""Open data the hub may publish as is.

- Indicators per département and quarter (certifications, blocs validated, distinct people trained,
  trainee-hours), counted as the dashboard counts them (`reporting.selectors.base`), anonymous
  and under the small-cell rule. Column names are plain identifiers, as open-data portals expect.
- The verified structures as "lieux de médiation numérique", in the columns and order of the
  national schema (data/lieux-mediation-numerique.schema.json); Socle fills only what it holds.
"""

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce, ExtractQuarter, ExtractYear
from django.utils import timezone

from accounts.models import Departement, Structure, StructureKind
from trainings.selectors.attendance import SLOT_LENGTH, duration_to_hours

from ..selectors import base

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "lieux-mediation-numerique.schema.json"
SOURCE = "Socle"


@dataclass
class Table:
    slug: str
    title: str
    columns: list
    rows: list
    count_keys: tuple = ()
    # column → count column: masked together (see aggregates.protected_rows).
    hide_with: dict = field(default_factory=dict)


# Indicators per département and quarter ----------------------------------------------------

TERRITORY_COLUMNS = [
    ("code_departement", "code_departement"),
    ("departement", "departement"),
    ("trimestre", "trimestre"),
    ("certifications", "certifications"),
    ("blocs_valides", "blocs_valides"),
    ("personnes_formees", "personnes_formees"),
    ("heures_stagiaires", "heures_stagiaires"),
]


def _decisions_per_quarter(queryset):
    rows = (
        queryset.annotate(year=ExtractYear("decided_on"), quarter=ExtractQuarter("decided_on"))
        .values("holder_departement_code", "year", "quarter")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return {(r["holder_departement_code"] or "", r["year"], r["quarter"]): r["n"] for r in rows}


def _training_per_quarter(scope, filters):
    # A person is counted on their territory of record: their main structure's, else their own.
    rows = (
        base.attended_marks(scope, filters)
        .annotate(
            departement=Coalesce(
                "registration__user__main_membership__structure__commune__departement_id",
                "registration__user__commune__departement_id",
            ),
            year=ExtractYear("slot__starts_at"),
            quarter=ExtractQuarter("slot__starts_at"),
        )
        .values("departement", "year", "quarter")
        .annotate(people=Count("registration__user_id", distinct=True), length=Sum(SLOT_LENGTH))
        .order_by()
    )
    return {
        (r["departement"] or "", r["year"], r["quarter"]): (r["people"], r["length"]) for r in rows
    }


def territories_table(scope, filters):
    certifications = _decisions_per_quarter(base.certifications(scope, filters))
    blocs = _decisions_per_quarter(base.bloc_validations(scope, filters))
    training = _training_per_quarter(scope, filters)
    names = dict(Departement.objects.values_list("code", "name"))
    keys = sorted(
        set(certifications) | set(blocs) | set(training), key=lambda k: (k[1], k[2], k[0])
    )
    rows = []
    for code, year, quarter in keys:
        people, length = training.get((code, year, quarter), (0, None))
        rows.append(
            {
                "code_departement": code,
                "departement": names.get(code, ""),
                "trimestre": f"{year}-T{quarter}",
                "certifications": certifications.get((code, year, quarter), 0),
                "blocs_valides": blocs.get((code, year, quarter), 0),
                "personnes_formees": people,
                "heures_stagiaires": duration_to_hours(length),
            }
        )
    return Table(
        slug="indicateurs-departement-trimestre",
        title="Indicateurs par département et trimestre",
        columns=TERRITORY_COLUMNS,
        rows=rows,
        count_keys=("certifications", "blocs_valides", "personnes_formees"),
        hide_with={"heures_stagiaires": "personnes_formees"},
    )


# Places (national schema of "lieux de médiation numérique") ----------------------------------

# Socle's kinds of structure in the data.inclusion vocabulary of typologies the schema refers to.
# Only unambiguous ones: a « collectivité » may be a commune (MUNI), an intercommunality (EPCI),
# a département or a région, and « CCAS / centre social » a CCAS or a centre social (CS).
TYPOLOGY = {
    StructureKind.ASSOCIATION: "ASSO",
    StructureKind.TIERS_LIEU: "TIERS_LIEUX",
    StructureKind.FRANCE_SERVICES: "RFS",
    StructureKind.AUTRE: "Autre",
}
# The schema's own list of national programmes names France Services.
PROGRAMMES = {StructureKind.FRANCE_SERVICES: "France Services"}


@cache
def schema_fields():
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        return [f["name"] for f in json.load(handle)["fields"]]


def place_values(structure):
    """What Socle holds of a place, by the schema's field names (the others stay empty)."""
    return {
        "id": f"socle-lieu-{structure.pk}",
        "pivot": structure.siret,
        "nom": structure.name,
        "commune": structure.commune.name,
        "code_postal": structure.postal_code,
        "code_insee": structure.commune_id,
        "adresse": structure.address,
        "typologie": TYPOLOGY.get(structure.kind, ""),
        "dispositif_programmes_nationaux": PROGRAMMES.get(structure.kind, ""),
        "source": SOURCE,
        "date_maj": timezone.localdate(structure.updated_at).isoformat(),
    }


def places():
    """Verified structures only: one a mediator added stays private until the hub checks it."""
    return Structure.objects.filter(verified=True).select_related("commune").order_by("pk")


def place_rows(queryset, chunk_size):
    names = schema_fields()
    for structure in queryset.iterator(chunk_size=chunk_size):
        values = place_values(structure)
        yield [values.get(name, "") for name in names]
