"""Chinese substring search through an index at any query length (issue 13).

pg_trgm needs three characters: a one- or two-character Chinese query ("杏", "玉米") cannot use
the trigram indexes and scans the table. `registry_cjk_grams(text)` lists the single Chinese
characters and the pairs of adjacent ones in a text; a GIN index on it answers "contains 玉米" as
`registry_cjk_grams(name_zh) @> '{玉米}'` (registry.selectors.search._contains), and longer queries
as containment of all their pairs, rechecked with LIKE.

No-op on SQLite (the embedded mode searches with plain substring matching).
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION registry_cjk_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}'::text[])
  FROM generate_series(1, char_length(t)) AS i,
       LATERAL (VALUES (substr(t, i, 1)), (substr(t, i, 2))) AS grams(g)
  WHERE g ~ '^[㐀-鿿豈-﫿]{1,2}$'
$$
"""

INDEXES = [
    ("registry_product", "name_zh", "registry_product_name_zh_cjk_grams"),
    ("registry_productalias", "alias", "registry_productalias_alias_cjk_grams"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table, column, name in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin (registry_cjk_grams("{column}"))'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, _column, name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS registry_cjk_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("registry", "0013_public_notes_on_site_counts_and_aliases")]

    operations = [migrations.RunPython(create, drop)]
