"""Load INSEE régions, départements and communes (see accounts/data/README.md), and the hub group."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"
HUB_GROUP = "Coordination du hub"


def _rows(name):
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def load(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    Departement = apps.get_model("accounts", "Departement")
    Commune = apps.get_model("accounts", "Commune")
    Group = apps.get_model("auth", "Group")
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
        departement = code[:3] if code.startswith("97") else code[:2]
        if departement not in known:
            continue
        postal_codes = " ".join(part.strip() for part in row["code_postal"].split(","))
        communes.append(
            Commune(
                insee_code=code, name=row["nom"], postal_codes=postal_codes,
                departement_id=departement,
            )
        )
    Commune.objects.bulk_create(communes, batch_size=2000)
    Group.objects.get_or_create(name=HUB_GROUP)


def unload(apps, schema_editor):
    apps.get_model("accounts", "Commune").objects.all().delete()
    apps.get_model("accounts", "Departement").objects.all().delete()
    apps.get_model("accounts", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(load, unload)]
