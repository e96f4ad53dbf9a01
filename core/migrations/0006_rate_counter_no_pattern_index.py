from django.db import migrations


def drop_pattern_index(apps, schema_editor):
    # Django gives a character primary key on PostgreSQL a second index for LIKE; counters are
    # only ever read by their whole name, and each new counter (each new visitor of the public
    # verification) paid for that index at every insert.
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'core_ratecounter' "
            "AND indexdef LIKE '%%varchar_pattern_ops%%'"
        )
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_rate_counter"),
    ]

    operations = [migrations.RunPython(drop_pattern_index, migrations.RunPython.noop)]
