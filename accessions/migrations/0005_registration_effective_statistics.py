"""Statistics on a registration's effective expiry, COALESCE(extended_until, valid_until).

The expiry sweep filters on that expression. Without statistics PostgreSQL guesses that it
matches almost nothing, and picks a full scan and sort per batch (quadratic over a million rows,
bench/sweep.py). Expression statistics (PostgreSQL 14+) cost nothing on writes, unlike an index.
SQLite has none and needs none.
"""

from django.db import migrations

CREATE = (
    "CREATE STATISTICS IF NOT EXISTS registration_effective_until "
    "ON (COALESCE(extended_until, valid_until)) FROM accessions_establishmentregistration"
)
DROP = "DROP STATISTICS IF EXISTS registration_effective_until"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accessions", "0004_jobs_fewer_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
