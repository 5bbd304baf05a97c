"""Search across products, access entries, regulations and ports, in English, Chinese and Russian.

On PostgreSQL, names are also matched by trigram word similarity (pg_trgm, `%>` with GIN
indexes, ranked by `word_similarity`): it tolerates typos ("whaet", "пшиница") in every script
without a per-language dictionary, which full-text search would need for Chinese (no word
boundaries) and which cannot match misspelt words anyway. Substring matching (`icontains`)
finds Chinese names and HS prefixes. On the embedded SQLite mode only substring matching runs.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Count, Exists, FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from accessions.models import AccessStatus, MarketAccess
from registry.models import Category, OriginType, Port, Product, ProductAlias
from regulations.models import Regulation, RegulationProduct

MAX_QUERY_LENGTH = 200
PER_PAGE = 20
# word_similarity at or above this counts as a match; 0.6 (the pg_trgm default) misses
# two-letter typos in short names ("grpes" ~ "grapes" is 0.44).
WORD_SIMILARITY_THRESHOLD = 0.4
HS_QUERY = re.compile(r"^[0-9][0-9 .]{1,8}$")


@dataclass
class SearchFilters:
    country: str = ""
    category: str = ""
    status: str = ""
    origin_type: str = ""
    port: str = ""

    @property
    def any(self) -> bool:
        return any(vars(self).values())


@dataclass
class SearchResults:
    query: str
    filters: SearchFilters
    products: Page | None = None
    accesses: Page | None = None
    regulations: Page | None = None
    ports: Page | None = None
    facets: dict[str, list[dict]] = field(default_factory=dict)
    typo_tolerant: bool = False
    truncated: bool = False  # more products matched than are ranked (MAX_MATCHES)

    @property
    def max_matches(self) -> int:
        return MAX_MATCHES

    @property
    def total(self) -> int:
        return sum(
            page.paginator.count
            for page in (self.products, self.accesses, self.regulations, self.ports)
            if page is not None
        )


def hs_prefix(query: str) -> str:
    """'1005', '1005.90' or '10 05 90' as an HS prefix; '' when the query is not a code."""
    if not HS_QUERY.match(query):
        return ""
    digits = re.sub(r"[ .]", "", query)
    return digits if 2 <= len(digits) <= 6 else ""


def trigram_available() -> bool:
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def _similarity_threshold() -> Iterator[None]:
    """Set pg_trgm's word-similarity threshold for this transaction only (SET LOCAL)."""
    if not trigram_available():
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL pg_trgm.word_similarity_threshold = %s", [WORD_SIMILARITY_THRESHOLD]
        )
        yield


def _word_similarity(query: str, *fields: str):
    from django.contrib.postgres.search import TrigramWordSimilarity

    return Greatest(*(TrigramWordSimilarity(query, name) for name in fields), Value(0.0))


def matching_products(query: str) -> tuple[QuerySet[Product], bool]:
    """Products found by a name in any language, an alias, or an HS code or prefix, best first,
    and whether more matched than MAX_MATCHES (only the first ones are then listed).
    """
    prefix = hs_prefix(query)
    if prefix:
        ids = _hs_ids(prefix)
        products = Product.objects.filter(pk__in=ids[:MAX_MATCHES])
        return products.order_by("hs_code", "name_en"), len(ids) > MAX_MATCHES
    if not trigram_available():
        substring = Q()
        for name in NAME_FIELDS:
            substring |= Q(**{f"{name}__icontains": query})
        alias_substring = ProductAlias.objects.filter(
            product=OuterRef("pk"), kind="name", alias__icontains=query
        )
        products = Product.objects.filter(substring | Exists(alias_substring))
        return products.order_by("name_en"), False

    alias_rank = Subquery(
        ProductAlias.objects.filter(product=OuterRef("pk"), kind="name")
        .annotate(rank=_word_similarity(query, "alias"))
        .order_by("-rank")
        .values("rank")[:1],
        output_field=FloatField(),
    )
    ids = _matching_ids(query)
    products = (
        Product.objects.filter(pk__in=ids[:MAX_MATCHES])
        .annotate(
            rank=Greatest(
                _word_similarity(query, "name_en", "name_zh", "name_ru"),
                Coalesce(alias_rank, Value(0.0)),
            )
        )
        .order_by("-rank", "name_en")
    )
    return products, len(ids) > MAX_MATCHES


NAME_FIELDS = ("name_en", "name_zh", "name_ru", "slug")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z0-9]")
# Past this many matching products the query is too vague to rank them all; the first ones are
# shown and the page says the list is cut.
MAX_MATCHES = 1000


def _hs_ids(prefix: str) -> list[int]:
    """Products whose own or alias HS code starts with `prefix`, as a range on the code
    ('1005' <= code < '1006') so the b-tree index serves it whatever the collation.
    """
    upper = str(int(prefix) + 1).zfill(len(prefix))
    own = Product.objects.filter(hs_code__gte=prefix, hs_code__lt=upper).order_by().values("pk")
    alias = (
        ProductAlias.objects.filter(kind="hs_code", alias__gte=prefix, alias__lt=upper)
        .order_by()
        .values("product_id")
    )
    return [row["pk"] for row in own.union(alias)[: MAX_MATCHES + 1]]


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


def _matching_ids(query: str) -> list[int]:
    """The ids of matching products, from a UNION of index-friendly arms (PostgreSQL only): each
    arm is one column with one operator and uses its GIN trigram index, where one WHERE with ORs
    across columns and an alias subquery scans the whole table. The ids are fetched once, so the
    count, the page and the other groups do not repeat the union.
    """
    substring, similar = _fields_for_script(query)
    # Text without letter case (Chinese) needs no UPPER(): a plain LIKE is half the work.
    contains = "contains" if query.upper() == query.lower() else "icontains"
    products = Product.objects.order_by()
    aliases = ProductAlias.objects.filter(kind="name").order_by()
    arms = [products.filter(**{f"{name}__{contains}": query}).values("pk") for name in substring]
    arms += [
        products.filter(**{f"{name}__trigram_word_similar": query}).values("pk") for name in similar
    ]
    arms += [
        aliases.filter(**{f"alias__{contains}": query}).values("product_id"),
        aliases.filter(alias__trigram_word_similar=query).values("product_id"),
    ]
    union = arms[0].union(*arms[1:])
    return [row["pk"] for row in union[: MAX_MATCHES + 1]]


def _text_q(query: str, *names: str) -> Q:
    condition = Q()
    for name in names:
        condition |= Q(**{f"{name}__icontains": query})
    if trigram_available():
        for name in names:
            condition |= Q(**{f"{name}__trigram_word_similar": query})
    return condition


def _paginate(queryset: QuerySet, page: str | int | None) -> Page:
    """A page whose rows are fetched now, while the similarity threshold (SET LOCAL) holds."""
    result = Paginator(queryset, PER_PAGE).get_page(page)
    result.object_list = list(result.object_list)
    return result


def search(*, query: str, filters: SearchFilters, pages: dict[str, str | None]) -> SearchResults:
    """Grouped results with facet counts. A fixed number of queries whatever the data size."""
    results = SearchResults(query=query, filters=filters, typo_tolerant=trigram_available())
    if not query and not filters.any:
        return results
    with _similarity_threshold():
        _fill(results, query, filters, pages)
    return results


def _fill(results: SearchResults, query: str, filters: SearchFilters, pages: dict) -> None:
    if query:
        products, results.truncated = matching_products(query)
    else:
        products = Product.objects.order_by("name_en")
    product_ids = products.values("pk")
    if filters.category:
        products = products.filter(category=filters.category)
    if filters.origin_type:
        products = products.filter(origin_type=filters.origin_type)
    access_of_product = MarketAccess.objects.filter(product=OuterRef("pk"))
    if filters.country:
        access_of_product = access_of_product.filter(country__iso2=filters.country)
    if filters.status:
        access_of_product = access_of_product.filter(status=filters.status)
    if filters.port:
        access_of_product = access_of_product.filter(allowed_ports__code=filters.port)
    if filters.country or filters.status or filters.port:
        products = products.filter(Exists(access_of_product))

    accesses = MarketAccess.objects.select_related("product", "country")
    if query:
        country_match = _text_q(query, "country__name_en", "country__name_ru") | Q(
            country__name_zh__icontains=query
        )
        if len(query) == 2:
            country_match |= Q(country__iso2=query.upper())
        accesses = accesses.filter(Q(product__in=Subquery(product_ids)) | country_match)
    accesses = _filter_accesses(accesses, filters)

    regulations = Regulation.objects.select_related("country", "union")
    if query:
        covers_match = RegulationProduct.objects.filter(
            regulation=OuterRef("pk"), product__in=Subquery(product_ids)
        )
        regulations = regulations.filter(
            Q(code__icontains=query)
            | _text_q(query, "title_en", "title_ru")
            | Q(title_zh__icontains=query)
            | Exists(covers_match)
        )
    regulations = _filter_regulations(regulations, filters)

    ports = Port.objects.select_related("facing_country")
    if query:
        ports = ports.filter(
            _text_q(query, "name_en", "name_pinyin", "name_ru")
            | Q(name_zh__icontains=query)
            | Q(code__icontains=query)
            | Q(counterpart_port__icontains=query)
        )
    if filters.country:
        ports = ports.filter(facing_country__iso2=filters.country)
    if filters.port:
        ports = ports.filter(code=filters.port)
    if filters.category or filters.origin_type or filters.status:
        ports = ports.none()  # those facets describe products and access, not ports

    results.products = _paginate(products, pages.get("products"))
    results.accesses = _paginate(
        accesses.order_by("country__iso2", "product__name_en"), pages.get("access")
    )
    results.regulations = _paginate(regulations.order_by("code", "slug"), pages.get("regulations"))
    results.ports = _paginate(ports.order_by("name_en"), pages.get("ports"))
    results.facets = {
        "country": _facet(accesses, "country__iso2"),
        "status": _facet(accesses, "status", AccessStatus),
        "category": _facet(products, "category", Category),
        "origin_type": _facet(products, "origin_type", OriginType),
    }


def _filter_accesses(accesses: QuerySet, filters: SearchFilters) -> QuerySet:
    if filters.country:
        accesses = accesses.filter(country__iso2=filters.country)
    if filters.status:
        accesses = accesses.filter(status=filters.status)
    if filters.category:
        accesses = accesses.filter(product__category=filters.category)
    if filters.origin_type:
        accesses = accesses.filter(product__origin_type=filters.origin_type)
    if filters.port:
        accesses = accesses.filter(
            Exists(
                MarketAccess.allowed_ports.through.objects.filter(
                    marketaccess_id=OuterRef("pk"), port__code=filters.port
                )
            )
        )
    return accesses


def _filter_regulations(regulations: QuerySet, filters: SearchFilters) -> QuerySet:
    if filters.country:
        binding_union = Q(
            union__memberships__country__iso2=filters.country, union__memberships__binding=True
        )
        regulations = regulations.filter(
            Q(country__iso2=filters.country)
            | Q(pk__in=Regulation.objects.filter(binding_union).values("pk"))
        )
    if filters.category or filters.origin_type:
        scoped = RegulationProduct.objects.filter(regulation=OuterRef("pk"))
        if filters.category:
            scoped = scoped.filter(product__category=filters.category)
        if filters.origin_type:
            scoped = scoped.filter(product__origin_type=filters.origin_type)
        regulations = regulations.filter(Exists(scoped))
    if filters.status or filters.port:
        regulations = regulations.none()  # access status and ports do not describe regulations
    return regulations


def _facet(queryset: QuerySet, key: str, choices=None) -> list[dict]:
    """Result counts per value of one facet, labelled in the active language, biggest first."""
    labels = dict(choices.choices) if choices else {}
    rows = queryset.order_by().values(key).annotate(n=Count("pk", distinct=True))
    facet = [
        {"value": row[key], "label": labels.get(row[key], row[key]), "n": row["n"]} for row in rows
    ]
    return sorted(facet, key=lambda item: (-item["n"], str(item["label"])))
