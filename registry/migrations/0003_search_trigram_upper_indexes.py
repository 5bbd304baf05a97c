"""GIN trigram indexes on UPPER(column): Django's `icontains` is `UPPER(col::text) LIKE UPPER(%s)`,
so substring search (Chinese names, partial words) can use an index instead of a full scan.

No-ops on SQLite.
"""

from django.db import migrations

INDEXED = [
    ("registry_product", "name_en"),
    ("registry_product", "name_zh"),
    ("registry_product", "name_ru"),
    ("registry_product", "slug"),
    ("registry_productalias", "alias"),
]


def _name(table, column):
    return f"{table}_{column}_upper_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in INDEXED:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{_name(table, column)}" '
            f'ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in INDEXED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_search_trigram_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
