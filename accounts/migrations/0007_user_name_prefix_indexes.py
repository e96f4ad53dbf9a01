"""Indexes for searching people by the start of their name or e-mail (the co-trainer picker,
the admin's people search): Django's istartswith is UPPER(col::text) LIKE 'X%', which only an
index on that expression with text_pattern_ops serves. PostgreSQL only: SQLite has no such
operator class and its tables are small."""

from django.db import migrations

COLUMNS = ("first_name", "last_name", "email")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS accounts_user_{column}_upper_prefix "
            f'ON accounts_user ((UPPER("{column}"::text)) text_pattern_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS accounts_user_{column}_upper_prefix")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_user_anonymised_at")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
