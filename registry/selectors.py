"""Shared reads of the catalogue: the lists with their joins set, the one product resolver, and
the rule "binding union membership on a date".

The product resolver is the only place that decides which product an identifier means. The
checker (single and bulk), search, the API filters (`products/?q=`, `access/?product=`,
`regulations/?product=`) and subscriptions all ask it, so the same words find the same product
everywhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import (
    Case,
    Exists,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from registry.common import DomainError, covers, in_force_q
from registry.models import AliasKind, Country, Port, Product, ProductAlias, UnionMembership

# --- Lists --------------------------------------------------------------------------------------


def country_api_list() -> QuerySet[Country]:
    memberships = UnionMembership.objects.select_related("union").order_by(
        "union__code", "valid_from"
    )
    return Country.objects.prefetch_related(Prefetch("memberships", queryset=memberships)).order_by(
        "iso2"
    )


def product_api_list() -> QuerySet[Product]:
    return Product.objects.prefetch_related("aliases").order_by("slug")


def port_api_list() -> QuerySet[Port]:
    return (
        Port.objects.select_related("facing_country")
        .prefetch_related("regimes", "sites")
        .order_by("code")
    )


# --- Binding union membership on a date ----------------------------------------------------------
# A union's acts bind a country only while it is a binding member (EAEU: KZ from 2015-01-01,
# KG from 2015-08-12), never an observer (UZ since 2020-12-11). SQL and Python side by side;
# tests/registry/test_rules.py proves them equal.


def binding_membership_q(on: dt.date, prefix: str = "") -> Q:
    """Memberships binding on `on`. `prefix` reaches them from another model, e.g.
    "union__memberships__" from a regulation."""
    return Q(**{f"{prefix}binding": True}) & in_force_q(
        on, f"{prefix}valid_from", f"{prefix}valid_until"
    )


def membership_binds(membership: UnionMembership, on: dt.date) -> bool:
    """The Python twin of `binding_membership_q`."""
    return membership.binding and covers(membership.valid_from, membership.valid_until, on)


def binding_union_ids(country: Country | str, on: dt.date) -> QuerySet:
    """The ids of the unions whose acts bind `country` (a Country or its ISO code) on `on`."""
    key = {"country": country} if isinstance(country, Country) else {"country__iso2": country}
    return (
        UnionMembership.objects.filter(binding_membership_q(on), **key)
        .order_by()
        .values("union_id")
    )


# --- The product resolver: identifier -> product ----------------------------------------------

HS6 = re.compile(r"^[0-9]{6}$")


def normalise_identifier(identifier: str) -> str:
    """What the user typed, without outer and repeated inner spaces."""
    return " ".join(identifier.split())


@dataclass(frozen=True)
class ProductResolution:
    """Which products an identifier names: exactly one (`product`), several (`ambiguous`, the
    asker chooses among `candidates`), or none."""

    identifier: str
    candidates: list[Product] = field(default_factory=list)  # by slug

    @property
    def product(self) -> Product | None:
        return self.candidates[0] if len(self.candidates) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    @property
    def slugs(self) -> list[str]:
        return [product.slug for product in self.candidates]


def ambiguous_product(identifier: str, candidates: list[Product]) -> DomainError:
    """The error of an identifier that names several products: the asker chooses one."""
    slugs = [product.slug for product in candidates]
    return DomainError(
        "ambiguous_product",
        _("'%(identifier)s' matches several products: %(names)s. Choose one.")
        % {"identifier": identifier, "names": ", ".join(slugs)},
        {"candidates": slugs},
    )


def product_ids_matching(identifier: str) -> QuerySet:
    """The SQL side of the rule: ids of the products an identifier names, by slug, HS code (the
    product's own or a further code), or a name or alias in any language (case-insensitive).

    A UNION of index probes (see the indexes on Product and ProductAlias), so matching costs the
    same with 50 products or 100,000.
    """
    first, *rest = _identifier_probes(normalise_identifier(identifier))
    return first.union(*rest)


def _identifier_probes(ident: str) -> list[QuerySet]:
    """The index probes of `product_ids_matching`, one column each (the product's id)."""
    probes: list[QuerySet] = [Product.objects.filter(slug=ident.lower()).values("pk")]
    if HS6.match(ident):
        probes += [
            Product.objects.filter(hs_code=ident).values("pk"),
            ProductAlias.objects.filter(alias=ident, kind=AliasKind.HS_CODE).values("product_id"),
        ]
    else:
        probes += [
            Product.objects.filter(name_en__iexact=ident).values("pk"),
            Product.objects.filter(name_ru__iexact=ident).values("pk"),
            Product.objects.filter(name_zh=ident).values("pk"),
            ProductAlias.objects.filter(alias__iexact=ident, kind=AliasKind.NAME).values(
                "product_id"
            ),
        ]
    return [probe.order_by() for probe in probes]


def product_matches(product: Product, aliases: Iterable[ProductAlias], identifier: str) -> bool:
    """The Python twin of `product_ids_matching` for one loaded product and its aliases (the bulk
    check resolves many identifiers from one batch read)."""
    ident = normalise_identifier(identifier)
    if product.slug == ident.lower():
        return True
    if HS6.match(ident):
        return product.hs_code == ident or any(
            a.kind == AliasKind.HS_CODE and a.alias == ident for a in aliases
        )
    folded = ident.upper()
    return (
        product.name_en.upper() == folded
        or product.name_ru.upper() == folded
        or product.name_zh == ident
        or any(a.kind == AliasKind.NAME and a.alias.upper() == folded for a in aliases)
    )


def product_resolve(identifier: str) -> ProductResolution:
    """The product an identifier names, or the candidates when it names several. One query."""
    ident = normalise_identifier(identifier)
    if not ident:
        return ProductResolution(ident)
    found = Product.objects.filter(pk__in=product_ids_matching(ident)).order_by("slug")
    return ProductResolution(ident, list(found))


def product_resolve_many(identifiers: Iterable[str]) -> dict[str, ProductResolution]:
    """`product_resolve` for many identifiers in two queries (products, then their aliases),
    keyed by the identifier as given. The rule is `product_matches`, the twin of the SQL."""
    given = {ident: normalise_identifier(ident) for ident in identifiers}
    idents = {ident for ident in given.values() if ident}
    codes = [ident for ident in idents if HS6.match(ident)]
    names = [ident for ident in idents if not HS6.match(ident)]
    match = Q(slug__in=[ident.lower() for ident in idents]) | Q(hs_code__in=codes)
    match |= Q(aliases__alias__in=codes, aliases__kind=AliasKind.HS_CODE)
    for name in names:
        match |= (
            Q(name_en__iexact=name)
            | Q(name_zh=name)
            | Q(name_ru__iexact=name)
            | Q(aliases__alias__iexact=name, aliases__kind=AliasKind.NAME)
        )
    products = list(Product.objects.filter(match).distinct().order_by("slug")) if idents else []
    aliases: dict[int, list[ProductAlias]] = {}
    for alias in ProductAlias.objects.filter(product__in=products):
        aliases.setdefault(alias.product_id, []).append(alias)
    return {
        raw: ProductResolution(
            ident,
            [p for p in products if ident and product_matches(p, aliases.get(p.pk, []), ident)],
        )
        for raw, ident in given.items()
    }


# --- Searching products (forgiving: substrings, HS prefixes, typos) -------------------------------
# On PostgreSQL, names are also matched by trigram word similarity (pg_trgm, `%>` with GIN
# indexes, ranked by `word_similarity`): it tolerates typos ("whaet", "пшиница") in every script
# without a per-language dictionary, which full-text search would need for Chinese (no word
# boundaries). Substring matching finds Chinese names and HS prefixes. The embedded SQLite mode
# matches substrings only (the README says so). Whatever `product_resolve` finds for a query is
# always among the results, first.

# word_similarity at or above this counts as a match; 0.6 (the pg_trgm default) misses
# two-letter typos in short names ("grpes" ~ "grapes" is 0.44).
WORD_SIMILARITY_THRESHOLD = 0.4
HS_QUERY = re.compile(r"^[0-9][0-9 .]{1,8}$")
NAME_FIELDS = ("name_en", "name_zh", "name_ru", "slug")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z0-9]")
# Past this many matching products the query is too vague to rank them all; the first ones are
# listed and the caller says the list is cut.
MAX_MATCHES = 1000
# Room for the resolver's own matches (an identifier names a handful of products at most).
EXACT_MATCHES_KEPT = 50


def hs_prefix(query: str) -> str:
    """'1005', '1005.90' or '10 05 90' as an HS prefix; '' when the query is not a code."""
    if not HS_QUERY.match(query):
        return ""
    digits = re.sub(r"[ .]", "", query)
    return digits if 2 <= len(digits) <= 6 else ""


def trigram_available() -> bool:
    return connection.vendor == "postgresql"


# Set while a block of this thread's transaction holds the threshold (the connection is per thread).
_THRESHOLD_SET: ContextVar[bool] = ContextVar("trigram_threshold_set", default=False)


@contextlib.contextmanager
def similarity_threshold() -> Iterator[None]:
    """Set pg_trgm's word-similarity threshold for this transaction only (SET LOCAL); queries
    using `trigram_word_similar` must run inside."""
    if not trigram_available() or _THRESHOLD_SET.get():
        yield  # nothing to set, or already set by an enclosing block of this transaction
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL pg_trgm.word_similarity_threshold = %s", [WORD_SIMILARITY_THRESHOLD]
        )
        token = _THRESHOLD_SET.set(True)
        try:
            yield
        finally:
            _THRESHOLD_SET.reset(token)


def _word_similarity(query: str, *fields: str):
    return Greatest(*(TrigramWordSimilarity(query, name) for name in fields), Value(0.0))


def _hs_arms(prefix: str) -> list[QuerySet]:
    """Products whose own or alias HS code starts with `prefix`, as a range on the code
    ('1005' <= code < '1006') so the b-tree index serves it whatever the collation.
    """
    upper = str(int(prefix) + 1).zfill(len(prefix))
    own = Product.objects.filter(hs_code__gte=prefix, hs_code__lt=upper).order_by().values("pk")
    alias = (
        ProductAlias.objects.filter(kind=AliasKind.HS_CODE, alias__gte=prefix, alias__lt=upper)
        .order_by()
        .values("product_id")
    )
    return [own, alias]


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


def _similar_arms(query: str) -> list[QuerySet]:
    """The arms of a UNION of index-friendly probes for the products a query finds (PostgreSQL
    only, inside `similarity_threshold`): each
    arm is one column with one operator and uses its GIN trigram index, where one WHERE with ORs
    across columns and an alias subquery scans the whole table.
    """
    substring, similar = _fields_for_script(query)
    # Text without letter case (Chinese) needs no UPPER(): a plain LIKE is half the work.
    contains = "contains" if query.upper() == query.lower() else "icontains"
    products = Product.objects.order_by()
    aliases = ProductAlias.objects.filter(kind=AliasKind.NAME).order_by()
    arms: list[QuerySet] = [
        products.filter(**{f"{name}__{contains}": query}).values("pk") for name in substring
    ]
    arms += [
        products.filter(**{f"{name}__trigram_word_similar": query}).values("pk") for name in similar
    ]
    arms += [
        aliases.filter(**{f"alias__{contains}": query}).values("product_id"),
        aliases.filter(alias__trigram_word_similar=query).values("product_id"),
    ]
    return arms


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
    if prefix:
        arms = _hs_arms(prefix)
    elif trigram_available():
        arms = _similar_arms(query)
    else:
        arms = _substring_arms(query)
    # One statement: the forgiving arms, and the resolver's own probes flagged, so whatever the
    # resolver names is always listed, and first.
    flagged = [arm.annotate(exact=Value(0)) for arm in arms]
    flagged += [probe.annotate(exact=Value(1)) for probe in _identifier_probes(query)]
    union = flagged[0].union(*flagged[1:]).order_by("-exact")
    with similarity_threshold():
        rows = list(union.values_list("pk", "exact")[: MAX_MATCHES + EXACT_MATCHES_KEPT + 1])
    exact = [pk for pk, flag in rows if flag]
    found = list(dict.fromkeys(pk for pk, flag in rows if not flag))
    truncated = len(found) > MAX_MATCHES
    products = Product.objects.filter(pk__in={*exact, *found[:MAX_MATCHES]}).annotate(
        exact=Case(When(pk__in=exact or [0], then=Value(1)), default=Value(0))
    )
    first = ["-exact"]
    if prefix:
        return ProductSearch(products.order_by(*first, "hs_code", "name_en"), truncated)
    if not trigram_available():
        return ProductSearch(products.order_by(*first, "name_en"), truncated)
    alias_rank = Subquery(
        ProductAlias.objects.filter(product=OuterRef("pk"), kind=AliasKind.NAME)
        .annotate(rank=_word_similarity(query, "alias"))
        .order_by("-rank")
        .values("rank")[:1],
        output_field=FloatField(),
    )
    ranked = products.annotate(
        rank=Greatest(
            _word_similarity(query, "name_en", "name_zh", "name_ru"),
            Coalesce(alias_rank, Value(0.0)),
        )
    )
    return ProductSearch(ranked.order_by(*first, "-rank", "name_en"), truncated)
