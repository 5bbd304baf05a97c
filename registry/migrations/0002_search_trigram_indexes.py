"""Trigram search (pg_trgm) for names in every language: the extension and GIN indexes.

No-ops on SQLite (the embedded mode searches with plain substring matching).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXED = [
    ("registry_product", "name_en"),
    ("registry_product", "name_zh"),
    ("registry_product", "name_ru"),
    ("registry_productalias", "alias"),
    ("registry_port", "name_en"),
    ("registry_port", "name_pinyin"),
    ("registry_port", "name_ru"),
]


def _name(table, column):
    return f"{table}_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in INDEXED:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{_name(table, column)}" '
            f'ON "{table}" USING gin ("{column}" gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in INDEXED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
