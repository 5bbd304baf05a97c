"""The resolver's one statement (registry.selectors.resolver, stage one) reaches every table
through an index (issue 13): at 300,000 aliases its HS-code arms scanned the alias table (30 ms of
each new eligibility question) until the partial index `alias_hs_code_idx` (migration registry
0016). Plans, not timings (the time is in bench/eligibility.py --as-loaded)."""

import pytest
from django.db import connection

from registry.selectors.resolver import ident_row, product_resolve_many, stage_one_sql
from tests.factories import ProductAliasFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("identifier", ["maize", "100590", "1005", "кукуруза"])
def test_stage_one_reads_hs_code_aliases_through_their_index(identifier):
    product = ProductFactory(slug="maize-test", hs_code="100590")
    ProductAliasFactory(product=product, alias="100510", kind="hs_code", language="en")
    arrays = [[value] for value in ident_row(identifier)]  # one question: one-row columns
    with connection.cursor() as cursor:
        # Sequential scans priced out: without a fitting index the planner reads a whole
        # index (the primary key) with a filter instead, which names another index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + stage_one_sql("postgresql"), arrays)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    assert plan.count("alias_hs_code_idx") == 2, plan  # the exact code's arm and the heading's


def test_an_hs_heading_still_finds_the_product_by_its_alias_code():
    product = ProductFactory(slug="maize-test", hs_code="100590")
    ProductAliasFactory(product=product, alias="100510", kind="hs_code", language="en")
    assert product in product_resolve_many(["1005"])["1005"].candidates
