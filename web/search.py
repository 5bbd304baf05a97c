"""The search page: products, access entries, regulations and ports, in English, Chinese and
Russian, grouped, paged and faceted.

Products are found by the catalogue's one product search (registry.selectors.search.product_search):
names in any language, aliases, HS codes and prefixes, typos in both modes. The other groups
match their own text the same way (substrings, and trigram word similarity on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from accessions.models import AccessStatus, MarketAccess
from registry.localize import localized
from registry.models import Category, OriginType, Port, Product
from registry.selectors import search as catalogue
from registry.selectors import trigram
from registry.selectors.countries import country_search
from regulations.models import Regulation, RegulationProduct
from regulations.selectors import regulation_of_country_q

MAX_QUERY_LENGTH = 200
PER_PAGE = 20


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
    # The countries the query names (each with the alias it was found by, or "").
    countries: list = field(default_factory=list)
    facets: dict[str, list[dict]] = field(default_factory=dict)
    typo_tolerant: bool = False
    truncated: bool = False  # more products matched than are ranked (MAX_MATCHES)

    @property
    def max_matches(self) -> int:
        return catalogue.MAX_MATCHES

    @property
    def total(self) -> int:
        return sum(
            page.paginator.count
            for page in (self.products, self.accesses, self.regulations, self.ports)
            if page is not None
        ) + len(self.countries)


def _text_q(query: str, *names: str) -> Q:
    condition = Q()
    for name in names:
        condition |= Q(**{f"{name}__icontains": query})
    if trigram.trigram_available():
        for name in names:
            condition |= Q(**{f"{name}__trigram_word_similar": query})
    return condition


def _paginate(queryset: QuerySet, page: str | int | None) -> Page:
    """A page whose rows are fetched now, while the similarity threshold (SET LOCAL) holds."""
    result = Paginator(queryset, PER_PAGE).get_page(page)
    result.object_list = list(result.object_list)
    return result


def search(
    *, query: str, filters: SearchFilters, pages: dict[str, str | None], today: dt.date
) -> SearchResults:
    """Grouped results with facet counts. A fixed number of queries whatever the data size.
    `today` decides which union acts bind a country chosen as a facet."""
    results = SearchResults(query=query, filters=filters, typo_tolerant=trigram.trigram_available())
    if not query and not filters.any:
        return results
    with trigram.similarity_threshold():
        _fill(results, query, filters, pages, today)
    return results


def _fill(
    results: SearchResults, query: str, filters: SearchFilters, pages: dict, today: dt.date
) -> None:
    if query:
        found = catalogue.product_search(query)
        products, results.truncated = found.products, found.truncated
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
        # By code, or any of its names and aliases, whole or in part, in any script.
        named = country_search(query)
        if named:
            results.countries = named
            country_match |= Q(country__in=[country for country, _alias in named])
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
    regulations = _filter_regulations(regulations, filters, today)

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
        "country": _country_facet(accesses),
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


def _filter_regulations(regulations: QuerySet, filters: SearchFilters, today: dt.date) -> QuerySet:
    if filters.country:
        # The country's own acts and those of the unions it is a binding member of today (never
        # before its membership date, never as an observer).
        regulations = regulations.filter(regulation_of_country_q(filters.country, today))
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


def _country_facet(accesses: QuerySet) -> list[dict]:
    """Access counts per country, labelled with the country's name in the active language (not
    its code), in the same one query."""
    names = ("country__name_en", "country__name_zh", "country__name_ru")
    rows = (
        accesses.order_by().values("country__iso2", *names).annotate(n=Count("pk", distinct=True))
    )
    facet = [
        {
            "value": row["country__iso2"],
            "label": localized(SimpleNamespace(**{n[9:]: row[n] for n in names}), "name"),
            "n": row["n"],
        }
        for row in rows
    ]
    return sorted(facet, key=lambda item: (-item["n"], str(item["label"])))


def _facet(queryset: QuerySet, key: str, choices=None) -> list[dict]:
    """Result counts per value of one facet, labelled in the active language, biggest first."""
    labels = dict(choices.choices) if choices else {}
    rows = queryset.order_by().values(key).annotate(n=Count("pk", distinct=True))
    facet = [
        {"value": row[key], "label": labels.get(row[key], row[key]), "n": row["n"]} for row in rows
    ]
    return sorted(facet, key=lambda item: (-item["n"], str(item["label"])))
