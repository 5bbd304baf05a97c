"""The engine's one statement (accessions/eligibility/records.sql) reaches every table through
an index: sequential scans priced out, its plan for a question must name no sequential scan.
Plans, not timings (the time is in bench/eligibility.py). Two reference tables are read whole:
the registration regimes (one row per decree) and the official figures (one row per statement
quoted), a handful of rows each that do not grow with the registry."""

import datetime as dt
import re

import pytest
from django.db import connection

from accessions.eligibility.records import statement_params, statement_sql
from tests import factories as f

pytestmark = pytest.mark.django_db

SMALL_REFERENCE_TABLES = {"accessions_registrationregime", "registry_reportedfigure"}


@pytest.mark.parametrize("number", ["", "CKAZ01012201010001"])
def test_the_records_statement_reads_through_indexes(number):
    access = f.MarketAccessFactory()
    rows = [(0, access.product_id, access.country.iso2, dt.date(2024, 5, 1), number, "khorgos")]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql = statement_sql()
        params = statement_params(rows)
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scanned = set(re.findall(r"Seq Scan on (\w+)", plan))
    assert scanned <= SMALL_REFERENCE_TABLES, plan


def test_the_records_statement_is_prepared_once_and_planned_once():
    """psycopg prepares it on its fifth run on a connection (Django turns preparing off unless the
    settings set `prepare_threshold`), and PostgreSQL keeps one plan for it (plan_cache_mode):
    planning it anew cost about three times its execution (bench/RESULTS.md, 2026-12-07)."""
    from accessions.eligibility.check import check_eligibility

    access = f.MarketAccessFactory()
    for day in range(1, 9):
        check_eligibility(
            product=access.product.slug, country=access.country.iso2, on=dt.date(2024, 5, day)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["-- The eligibility engine's one statement%"],
        )
        plans = cursor.fetchall()
    assert len(plans) == 1, plans
    generic, custom = plans[0]
    assert generic >= 3 and custom == 0
