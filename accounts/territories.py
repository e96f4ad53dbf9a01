"""Loading of the INSEE reference data shipped in accounts/data/ (see its README)."""

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _rows(name):
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def departement_code_for(insee_code):
    return insee_code[:3] if insee_code.startswith("97") else insee_code[:2]


def load_territories(Region, Departement, Commune):
    """Insert régions, départements and communes. Takes the model classes so that the data
    migration can pass its historical models."""
    Region.objects.bulk_create(
        [Region(code=row["REG"], name=row["LIBELLE"]) for row in _rows("regions_cog2022.csv")]
    )
    Departement.objects.bulk_create(
        [
            Departement(code=row["DEP"], name=row["LIBELLE"], region_id=row["REG"])
            for row in _rows("departements_cog2022.csv")
        ]
    )
    known = set(Departement.objects.values_list("code", flat=True))
    communes = []
    for row in _rows("communes_postal.csv"):
        code = row["code_insee"]
        departement = departement_code_for(code)
        if departement not in known:
            continue  # collectivités d'outre-mer without a département
        postal_codes = " ".join(part.strip() for part in row["code_postal"].split(","))
        communes.append(
            Commune(
                insee_code=code,
                name=row["nom"],
                postal_codes=postal_codes,
                departement_id=departement,
            )
        )
    Commune.objects.bulk_create(communes, batch_size=2000)
