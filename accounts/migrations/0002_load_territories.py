"""Load INSEE régions, départements and communes (see accounts/data/README.md), and the hub group."""

from django.db import migrations

from accounts.territories import load_territories

HUB_GROUP = "Coordination du hub"


def load(apps, schema_editor):
    load_territories(
        apps.get_model("accounts", "Region"),
        apps.get_model("accounts", "Departement"),
        apps.get_model("accounts", "Commune"),
    )
    apps.get_model("auth", "Group").objects.get_or_create(name=HUB_GROUP)


def unload(apps, schema_editor):
    apps.get_model("accounts", "Commune").objects.all().delete()
    apps.get_model("accounts", "Departement").objects.all().delete()
    apps.get_model("accounts", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(load, unload)]
