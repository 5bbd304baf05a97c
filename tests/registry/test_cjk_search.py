"""One- and two-character Chinese queries are served by an index (issue 13): the GIN index on
`registry_cjk_grams()` (migration registry 0014), which pg_trgm's three-character trigrams cannot
serve. Plans, not timings (the time is in bench/scale.py)."""

import pytest
from django.db import connection

from registry.selectors.search import cjk_grams, product_search
from tests.factories import ProductAliasFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["鲜葡萄干", "玉米粉 corn meal", "杏", "grape", "葡萄 干 12"])
def test_python_grams_are_the_databases(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT registry_cjk_grams(%s)", [text])
        assert sorted(cursor.fetchone()[0]) == sorted(cjk_grams(text))


@pytest.mark.parametrize("query", ["杏", "玉米", "葡萄干"])
def test_chinese_queries_of_any_length_find_names_and_aliases(query):
    by_name = ProductFactory(name_zh=f"鲜{query}粉")
    by_alias = ProductFactory(name_zh="别名")
    ProductAliasFactory(product=by_alias, alias=f"{query}干", language="zh")
    ProductFactory(name_zh="苹果")
    found = set(product_search(query).products)
    assert {by_name, by_alias} <= found
    assert all(query in p.name_zh or p == by_alias for p in found)


@pytest.mark.parametrize("query", ["杏", "玉米"])
def test_short_chinese_substring_uses_the_grams_index(query):
    ProductFactory(name_zh=f"鲜{query}")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM registry_product "
            "WHERE registry_cjk_grams(name_zh) @> %s AND name_zh LIKE %s",
            [[query], f"%{query}%"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "registry_product_name_zh_cjk_grams" in plan
