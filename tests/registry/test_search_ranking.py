"""Product search ranks only what its arms keep (issue 13): each arm of the UNION reads at most
`MAX_MATCHES + 1` rows through its index, and a product ranks by its best word similarity in any
arm. Pinned here: the per-arm cap and the plan (index scans only), and that the order equals the
full ranking (similarity over every name and the best alias, for every match) whenever no arm is
cut. Timings are in bench/scale.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import Product
from registry.selectors import search as catalogue_search
from registry.selectors import trigram
from registry.selectors.search import product_search
from tests.factories import ProductAliasFactory, ProductFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="ranking needs pg_trgm"),
]


def _catalogue() -> None:
    for name in ["Dried grape", "Grape juice", "Grapefruit", "Green grapes", "Grappa", "Gripe"]:
        ProductFactory(name_en=name)
    ProductFactory(name_en="Raisin", name_ru="изюм виноградный", name_zh="葡萄干")
    ProductAliasFactory(product=ProductFactory(name_en="Vine fruit"), alias="grape", language="en")
    ProductAliasFactory(product=ProductFactory(name_en="Wine"), alias="grape wine", language="en")
    ProductFactory(name_en="Apple", name_ru="яблоко", name_zh="苹果")


def _full_ranking(query: str, found: list[Product]) -> list[str]:
    """The ranking before issue 13: every product's similarity over its three names and best
    alias, computed for each match; the resolver's matches first (issue 24: what it names, then
    what covers the words as a kind), then ties by English name."""
    levels = catalogue_search.exact_levels(query)
    with trigram.similarity_threshold():
        ranked = (
            Product.objects.filter(pk__in=[p.pk for p in found])
            .annotate(rank=catalogue_search._similarity_rank(query))
            .values_list("pk", "rank", "name_en")
        )
        rows = sorted(ranked, key=lambda r: (-levels.get(r[0], 0), -r[1], r[2]))
    return [name for _pk, _rank, name in rows]


@pytest.mark.parametrize("query", ["grape", "grapes", "grpe", "виноград", "葡萄", "apple"])
def test_the_order_is_the_full_ranking_when_no_arm_is_cut(query):
    _catalogue()
    found = list(product_search(query).products)
    assert found
    assert [p.name_en for p in found] == _full_ranking(query, found)


def test_each_arm_reads_at_most_max_matches_plus_one_rows(monkeypatch):
    monkeypatch.setattr(catalogue_search, "MAX_MATCHES", 3)
    for i in range(8):
        ProductFactory(name_en=f"Zucchini {i}")
        ProductAliasFactory(alias=f"zucchini lot {i}", language="en")
    with CaptureQueriesContext(connection) as queries:
        search = product_search("zucchini")
        listed = list(search.products)
    union = next(q["sql"] for q in queries.captured_queries if "UNION ALL" in q["sql"])
    # name_en and slug by substring, name_en by similarity, the alias by both: five capped arms
    assert union.count("LIMIT 4") == 5
    assert search.truncated and len(listed) == 3


def test_the_arms_are_read_through_their_indexes_only():
    _catalogue()
    with CaptureQueriesContext(connection) as queries:
        list(product_search("grape").products)
    union = next(q["sql"] for q in queries.captured_queries if "UNION ALL" in q["sql"])
    with trigram.ranking_settings(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {union}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan
    assert "Bitmap Index Scan on registry_product_name_en_trgm" in plan  # the %> arm
    assert "Bitmap Index Scan on registry_product_name_en_upper_trgm" in plan  # icontains
