"""Finding products: the API's product list, and free-text product search (forgiving:
substrings, HS prefixes, typos).

On PostgreSQL, names are also matched by trigram word similarity (pg_trgm, `%>` with GIN
indexes, ranked by `word_similarity`): it tolerates typos ("whaet", "пшиница") in every script
without a per-language dictionary, which full-text search would need for Chinese (no word
boundaries). Substring matching finds Chinese names and HS prefixes. The embedded SQLite mode
matches substrings only (the README says so). Whatever `product_resolve` names exactly for a
query is always among the results, first (its stage one, `product_resolve_exact`, asked once):
the products it names, then those that cover the words as a kind ("dried melon": Dried melon,
then Dried fruits, which lists dried melon among its kinds).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import (
    Case,
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest

from registry.models import AliasKind, Product, ProductAlias
from registry.selectors import trigram
from registry.selectors.hs_codes import hs_prefix, hs_prefix_arms
from registry.selectors.resolution import normalise_identifier
from registry.selectors.resolver import product_resolve, product_resolve_exact

NAME_FIELDS = ("name_en", "name_zh", "name_ru", "slug")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z0-9]")
# Past this many matching products the query is too vague to rank them all; the first ones are
# listed and the caller says the list is cut. On PostgreSQL each index probe reads at most this
# many + 1 rows (ten pages of 20; the probes' work is linear in it: bench/RESULTS.md).
MAX_MATCHES = 200
# Room for the resolver's own matches (an identifier names a handful of products at most).
EXACT_MATCHES_KEPT = 50
# How a product found ranks (`exact`): named by the words (the resolver's candidates), covering
# them as a kind (the resolver's `covering`), or only near them.
NAMED, COVERING, NEAR = 2, 1, 0


def product_api_list() -> QuerySet[Product]:
    return Product.objects.prefetch_related("aliases").order_by("slug")


def _word_similarity(query: str, *fields: str):
    return Greatest(*(TrigramWordSimilarity(query, name) for name in fields), Value(0.0))


def _fields_for_script(query: str) -> tuple[list[str], list[str]]:
    """Which name columns can hold the query: Chinese text is only in name_zh, Cyrillic only in
    name_ru, Latin in name_en and the slug. Skipping the others spares their index scans.
    """
    substring, similar = [], []
    if LATIN.search(query) or not (CJK.search(query) or CYRILLIC.search(query)):
        substring += ["name_en", "slug"]
        similar += ["name_en"]
    if CJK.search(query):
        substring.append("name_zh")
        similar.append("name_zh")
    if CYRILLIC.search(query):
        substring.append("name_ru")
        similar.append("name_ru")
    return substring, similar


def _similar_arms(query: str, cap: int) -> list[QuerySet]:
    """The arms of a UNION of index-friendly probes for the products a query finds (PostgreSQL
    only, inside `similarity_threshold`), each giving (product id, word similarity of the column
    it probes, 0) for at most `cap` rows: each arm is one column with one operator and uses one
    index, where one WHERE with ORs across columns and an alias subquery scans the whole table.

    The similarity arms (`%>`) walk the GiST trigram index nearest first (`ORDER BY query <<->
    column`, migration registry 0015), so they read their best `cap` rows and no more; the
    substring arms read the first `cap` rows their GIN index finds (a substring that is not also
    word-similar ranks below every similarity match, so which of those are kept matters less).
    """
    substring, similar = _fields_for_script(query)
    # Text without letter case (Chinese) needs no UPPER(): a plain LIKE is half the work.
    contains = "contains" if query.upper() == query.lower() else "icontains"
    products = Product.objects.order_by()
    aliases = ProductAlias.objects.filter(kind=AliasKind.NAME).order_by()
    arms: list[QuerySet] = [
        _scored(_contains(products, name, contains, query), "pk", query, name)[:cap]
        for name in substring
    ]
    arms += [
        _scored(products.filter(**{f"{name}__trigram_word_similar": query}), "pk", query, name)[
            :cap
        ]
        for name in similar
    ]
    arms += [
        _scored(_contains(aliases, "alias", contains, query), "product_id", query, "alias")[:cap],
        _scored(aliases.filter(alias__trigram_word_similar=query), "product_id", query, "alias")[
            :cap
        ],
    ]
    return arms


def _scored(queryset: QuerySet, key: str, query: str, name: str) -> QuerySet:
    """(the product's id, the word similarity of `name` to the query, 0: not a resolver match)."""
    return queryset.annotate(score=TrigramWordSimilarity(query, name), exact=Value(0)).values_list(
        key, "score", "exact"
    )


def cjk_grams(text: str) -> list[str]:
    """The Chinese characters of `text` and its pairs of adjacent ones: what the database's
    `registry_cjk_grams()` lists (migration registry 0014)."""
    singles = [c for c in text if CJK.match(c)]
    pairs = [
        text[i : i + 2]
        for i in range(len(text) - 1)
        if CJK.match(text[i]) and CJK.match(text[i + 1])
    ]
    return list(dict.fromkeys([*pairs, *singles]))


def _contains(queryset: QuerySet, name: str, lookup: str, query: str) -> QuerySet:
    """`name` contains `query`. With Chinese in the query (and on the columns that hold Chinese:
    name_zh and aliases), first the GIN index on the text's characters and character pairs, which
    serves one- and two-character queries that pg_trgm cannot; then the substring itself."""
    grams = cjk_grams(query) if name in ("name_zh", "alias") else []
    if grams:
        queryset = queryset.alias(
            cjk_grams=Func(
                F(name), function="registry_cjk_grams", output_field=ArrayField(TextField())
            )
        ).filter(cjk_grams__contains=grams)
    return queryset.filter(**{f"{name}__{lookup}": query})


def _substring_arms(query: str) -> list[QuerySet]:
    """The embedded mode's match: a substring of a name, the slug or an alias."""
    substring = Q()
    for name in NAME_FIELDS:
        substring |= Q(**{f"{name}__icontains": query})
    alias = ProductAlias.objects.filter(
        product=OuterRef("pk"), kind=AliasKind.NAME, alias__icontains=query
    )
    return [Product.objects.filter(substring | Exists(alias)).order_by().values("pk")]


@dataclass
class ProductSearch:
    products: QuerySet[Product]  # best first
    truncated: bool  # more matched than MAX_MATCHES; the first ones are listed


def product_search(query: str) -> ProductSearch:
    """Products a free-text query finds: by a name in any language, an alias, an HS code or
    prefix, typos tolerated on PostgreSQL; what `product_resolve` finds comes first."""
    query = normalise_identifier(query)
    prefix = hs_prefix(query)
    levels = exact_levels(query)
    if not prefix and trigram.trigram_available():
        return _ranked_search(query, levels)
    arms = hs_prefix_arms(prefix) if prefix else _substring_arms(query)
    # One statement for the forgiving arms; the resolver's matches are listed whatever they find.
    union = arms[0].union(*arms[1:])
    rows = [pk for row in union[: MAX_MATCHES + EXACT_MATCHES_KEPT + 1] for pk in row.values()]
    found = list(dict.fromkeys(rows))
    if not rows and not levels and not prefix:
        # Nothing by substring: the resolver's close words (typos, plurals, words of a longer
        # name), the same on SQLite and PostgreSQL ("mazie" -> maize).
        found = [p.pk for p in product_resolve(query).candidates]
    truncated = len(found) > MAX_MATCHES
    products = _flagged(levels, found[:MAX_MATCHES])
    if prefix:
        return ProductSearch(products.order_by("-exact", "hs_code", "name_en"), truncated)
    return ProductSearch(products.order_by("-exact", "name_en"), truncated)


def exact_levels(query: str) -> dict[int, int]:
    """What the resolver names exactly for `query` (stage one, one statement), by product id:
    NAMED for its candidates, COVERING for the products that cover the words as a kind."""
    resolution = product_resolve_exact(query)
    levels = dict.fromkeys((p.pk for p in resolution.covering), COVERING)
    levels.update(dict.fromkeys((p.pk for p in resolution.candidates), NAMED))
    return levels


def _flagged(levels: dict[int, int], found: list[int]) -> QuerySet:
    """The products listed, each flagged (`exact`) with its level in `levels`, NEAR if none."""
    # A When for each level even when no product is at it: a CASE without WHEN is a constant,
    # which an ORDER BY inside a subquery (the search page's `product__in`) cannot name.
    cases = [
        When(pk__in=[pk for pk, at in levels.items() if at == level] or [0], then=Value(level))
        for level in (NAMED, COVERING)
    ]
    return Product.objects.filter(pk__in={*levels, *found}).annotate(
        exact=Case(*cases, default=Value(NEAR))
    )


def _ranked_search(query: str, levels: dict[int, int]) -> ProductSearch:
    """PostgreSQL: one statement reads each arm's best `MAX_MATCHES + 1` rows with their word
    similarity; the resolver's matches (`levels`) come first, then a product ranks by its best
    similarity in any arm, and ties by English name. Ranking only the rows the arms keep spares
    computing the similarity of the thousands of products a vague query matches (issue 13)."""
    arms = _similar_arms(query, MAX_MATCHES + 1)
    with trigram.ranking_settings():
        rows = list(arms[0].union(*arms[1:], all=True))
    exact = list(levels)
    scores: dict[int, float] = dict.fromkeys(exact, 0.0)
    for pk, score, _flag in rows:
        scores[pk] = max(score, scores.get(pk, 0.0))
    found = sorted((pk for pk in scores if pk not in levels), key=scores.__getitem__, reverse=True)
    if not rows and not levels:
        # Nothing by substring or trigram: the resolver's close words (typos, plurals, words of
        # a longer name) ranked by their similarity to the query ("mazie" -> maize).
        found = [p.pk for p in product_resolve(query).candidates]
        ranked = _flagged({}, found).annotate(rank=_similarity_rank(query))
        return ProductSearch(ranked.order_by("-rank", "name_en"), False)
    truncated = len(found) > MAX_MATCHES
    exact, found = exact[:EXACT_MATCHES_KEPT], found[:MAX_MATCHES]
    kept = [*exact, *found]
    levels = {pk: levels[pk] for pk in exact}
    # The scores travel as one JSON object (a binary-searched key per row), not a CASE per id.
    rank = Func(
        Value(json.dumps({str(pk): scores[pk] for pk in kept})),
        Cast("pk", TextField()),
        arg_joiner="::jsonb ->> ",
        template="((%(expressions)s)::float)",
        output_field=FloatField(),
    )
    ranked = _flagged(levels, found).annotate(rank=rank)
    return ProductSearch(ranked.order_by("-exact", "-rank", "name_en"), truncated)


def _similarity_rank(query: str) -> Expression:
    """How well a product's names or its best alias match the query (word similarity)."""
    alias_rank = Subquery(
        ProductAlias.objects.filter(product=OuterRef("pk"), kind=AliasKind.NAME)
        .annotate(rank=_word_similarity(query, "alias"))
        .order_by("-rank")
        .values("rank")[:1],
        output_field=FloatField(),
    )
    return Greatest(
        _word_similarity(query, "name_en", "name_zh", "name_ru"),
        Coalesce(alias_rank, Value(0.0)),
    )
