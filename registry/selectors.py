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
import json
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils.translation import gettext as _

from registry.dates import in_force_q
from registry.errors import DomainError
from registry.models import (
    AliasKind,
    Country,
    Port,
    Product,
    ProductAlias,
    ProductKind,
    ProductSearchKey,
    ReportedSiteCount,
    SupervisionSite,
    UnionMembership,
)
from registry.replicas import read_connection
from registry.sql import server_bound
from registry.text import (
    RELATED_MARK,
    contained_names,
    distance,
    dried_forms,
    fold,
    has_cjk,
    stem,
    typo_limit,
)

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


def country_resolve(value: str) -> Country | None:
    """The country a trader names: its ISO alpha-2 or alpha-3 code, its name in English, Chinese
    or Russian, or another name it is known by (CountryAlias: «Киргизия», "Kyrgyz Republic"), in
    any case or script (folded in Python, so SQLite answers as PostgreSQL does). One query over
    the countries and their aliases (at most the ISO 3166-1 list and a few names each)."""
    folded = fold(value)
    if not folded:
        return None
    if len(folded) == 2 and folded.isascii():
        return Country.objects.filter(iso2=folded.upper()).first()
    # One row per country and alias (a country without aliases once), in one query.
    rows = list(Country.objects.annotate(alias=F("aliases__alias")).order_by("iso2", "alias"))
    for country in rows:  # its own names first, so an alias never hides another's name
        names = (country.iso3, country.name_en, country.name_zh, country.name_ru)
        if folded in {fold(name) for name in names if name}:
            return country
    for country in rows:
        if country.alias and fold(country.alias) == folded:
            return country
    return None


def country_search(query: str) -> list[tuple[Country, str]]:
    """The countries a search names: by code, by any of their names or aliases in the three
    languages (official, short, historical: «Туркмения», "Kirghizia", 土库曼斯坦), whole or in
    part (three letters at least, one Chinese character pair), any case or script. Each with the
    name it was found by when that is not one of its own names ("" otherwise). One query."""
    folded = fold(query)
    exact = country_resolve(query)
    least = 2 if CJK.search(folded) else 3
    found: dict[int, tuple[Country, str]] = {}
    if len(folded) < least:
        return [(exact, "")] if exact is not None else []
    rows = Country.objects.annotate(alias=F("aliases__alias")).order_by("name_en", "alias")
    for country in rows:
        own = (country.name_en, country.name_zh, country.name_ru)
        if any(folded in fold(name) for name in own if name):
            found.setdefault(country.pk, (country, ""))
        elif country.alias and folded in fold(country.alias):
            found.setdefault(country.pk, (country, country.alias))
    if exact is not None:  # by its code (or a name the parts above did not hold), first
        found = {exact.pk: found.get(exact.pk, (exact, "")), **found}
    return list(found.values())


# --- Binding union membership on a date ----------------------------------------------------------
# A union's acts bind a country only while it is a binding member (EAEU: KZ from 2015-01-01,
# KG from 2015-08-12), never an observer (UZ since 2020-12-11). One SQL predicate.


def binding_membership_q(on: dt.date | Expression, prefix: str = "") -> Q:
    """Memberships binding on `on`. `prefix` reaches them from another model, e.g.
    "union__memberships__" from a regulation."""
    return Q(**{f"{prefix}binding": True}) & in_force_q(
        on, f"{prefix}valid_from", f"{prefix}valid_until"
    )


def binding_union_ids(country: Country | str | Expression, on: dt.date | Expression) -> QuerySet:
    """The ids of the unions whose acts bind `country` (a Country or its ISO code) on `on`. Both
    may be SQL expressions (a column of the eligibility engine's questions: one statement answers
    many questions, each with its country and date)."""
    key = {"country__iso2": country} if isinstance(country, str) else {"country": country}
    return (
        UnionMembership.objects.filter(binding_membership_q(on), **key)
        .order_by()
        .values("union_id")
    )


# --- Is the recorded list of designated sites of a kind complete? --------------------------------
# Where a source reports more ports holding a designated site of a kind than the registry records
# (ReportedSiteCount: Xinjiang had 7 designated meat ports in 2019; two are recorded), a port with
# no recorded site may still hold one. One SQL predicate (`kind` may be a column of the
# eligibility engine's table of questions); tests/accessions/test_ports_honest.py pins it.


def site_list_incomplete_q(kind: str | Expression) -> Exists:
    """True (one value for every row) when a reported count of ports with a designated site of
    `kind` exceeds the number of sites of that kind the registry records."""
    recorded = (
        SupervisionSite.objects.filter(kind=kind)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Exists(
        ReportedSiteCount.objects.filter(
            kind=kind, ports_reported__gt=Coalesce(Subquery(recorded), 0)
        )
    )


# --- The product resolver: identifier -> product ----------------------------------------------
# Stage one (SQL index probes, the same on SQLite and PostgreSQL): the identifier folded
# (registry.text.fold) or stemmed equals a stored search key of a name, alias or slug in any
# language; or it is a product's HS code (six digits), or an HS heading (four digits) whose
# products are the candidates. Stage two, only when stage one finds nothing: close words (a typo
# within `typo_limit`) or every word of the identifier within a longer name ("peppers"), ranked
# in Python over the keys read in one query: all of them on SQLite (bounded by the registry's
# size), those pg_trgm calls similar (or that contain the words) on PostgreSQL.

HS6 = re.compile(r"^[0-9]{6}$")
HS4 = re.compile(r"^[0-9]{4}$")
# Stage two reads at most this many keys; past it (a far larger catalogue than the registry's) the
# embedded mode stops suggesting rather than scanning without end.
CLOSE_KEYS_SCANNED = 50_000
TRIGRAM_SIMILARITY_THRESHOLD = 0.1
MAX_CANDIDATES = 12


def normalise_identifier(identifier: str) -> str:
    """What the user typed, without outer and repeated inner spaces."""
    return " ".join(identifier.split())


class MatchReason:
    """Why a candidate matched (stable codes, shown with the candidate)."""

    NAME = "name"  # a name, alias or slug, any case or script
    PLURAL = "plural"  # the same word, singular or plural
    HS_CODE = "hs_code"
    HS_HEADING = "hs_heading"
    TYPO = "typo"
    WORDS = "words"  # every word of the identifier within a longer name
    CONTAINS = "contains"  # a recorded name within a longer wording ("red kidney beans")
    RELATED = "related"  # a related word of the product ("лён" for flaxseed meal)
    KIND = "kind"  # a kind the product covers ("dried apricot" in Dried fruits (9 kinds))
    DRIED_FORM = "dried_form"  # the dried form of a fresh product named ("apricot")


EXACT_REASONS = {
    MatchReason.NAME,
    MatchReason.PLURAL,
    MatchReason.HS_CODE,
    MatchReason.HS_HEADING,
    MatchReason.KIND,
    MatchReason.DRIED_FORM,
}


@dataclass(frozen=True)
class ProductResolution:
    """Which products an identifier names: exactly one (`product`), several (`ambiguous`, the
    asker chooses among `candidates`), none, or none exactly with close `candidates` ("did you
    mean"). `reasons` says why each candidate matched, by slug."""

    identifier: str
    candidates: list[Product] = field(default_factory=list)  # best first
    reasons: dict[str, str] = field(default_factory=dict)
    exact: bool = True
    # The covered kind the identifier names, by the covering product's slug ("dried apricots"
    # -> dried-fruits: its kind "dried apricot").
    kinds: dict[str, Any] = field(default_factory=dict)  # ProductKind (its id until loaded)
    # Products that cover a kind of that name, set aside because a product of the name itself
    # matched ("dried melon": its own product first; dried-fruits covers it too). Which one
    # answers for a country is decided by that country's entries (`for_entries`).
    covering: list[Product] = field(default_factory=list)

    @property
    def product(self) -> Product | None:
        return self.candidates[0] if self.exact and len(self.candidates) == 1 else None

    @property
    def kind(self) -> ProductKind | None:
        """The covered kind the one product was found by, if it was found by a kind."""
        product = self.product
        return self.kinds.get(product.slug) if product is not None else None

    def for_entries(self, entry_product_ids: set[int]) -> ProductResolution:
        """This resolution for a country whose access entries are for `entry_product_ids`: a
        word naming both a product and a kind another product covers ("dried melon") is the
        product the country has an entry for; its own product when it has neither."""
        product = self.product
        if product is None or product.pk in entry_product_ids:
            return self
        for other in self.covering:
            if other.pk in entry_product_ids:
                return ProductResolution(
                    self.identifier,
                    [other],
                    {other.slug: MatchReason.KIND},
                    kinds={other.slug: self.kinds[other.slug]},
                )
        return self

    @property
    def ambiguous(self) -> bool:
        """The asker must choose: several matched, or only close words did."""
        return bool(self.candidates) and self.product is None

    @property
    def slugs(self) -> list[str]:
        return [product.slug for product in self.candidates]

    @property
    def ranked(self) -> list[dict[str, str]]:
        return [
            {"slug": p.slug, "name": p.name, "reason": self.reasons.get(p.slug, "")}
            for p in self.candidates
        ]


def candidate_name(resolution: ProductResolution, product: Product) -> str:
    """A candidate as a reader names it: the covered kind meant, within its product ("Dried
    apricot (Dried fruits (9 kinds))"), or the product's name; never its slug."""
    kind = resolution.kinds.get(product.slug)
    return f"{kind.name} ({product.name})" if isinstance(kind, ProductKind) else str(product.name)


def ambiguous_product(
    identifier: str, resolution: ProductResolution | list[Product]
) -> DomainError:
    """The error of an identifier that names several products, or none exactly but some closely:
    the asker chooses one of the candidates (`suggestions`: names in the reader's language)."""
    if isinstance(resolution, list):
        resolution = ProductResolution(identifier, resolution)
    slugs = resolution.slugs
    names = ", ".join(candidate_name(resolution, p) for p in resolution.candidates)
    if resolution.exact:
        code = "ambiguous_product"
        message = _("'%(identifier)s' matches several products: %(names)s. Choose one.")
    else:
        code = "product_not_found"
        message = _("The registry has no product '%(identifier)s'. Did you mean: %(names)s?")
    suggestions = [
        {
            "slug": p.slug,
            "name": str(p.name),
            "kind": str(kind.name)
            if isinstance(kind := resolution.kinds.get(p.slug), ProductKind)
            else "",
            "reason": resolution.reasons.get(p.slug, ""),
        }
        for p in resolution.candidates
    ]
    return DomainError(
        code,
        message % {"identifier": identifier, "names": names},
        {
            "candidates": slugs,
            "matched_by": [resolution.reasons.get(s, "") for s in slugs],
            "suggestions": suggestions,
        },
    )


def product_ids_matching(identifier: str) -> QuerySet:
    """The SQL side of stage one: ids of the products an identifier names, by a stored search
    key (name, alias or slug, folded or stemmed) or an HS code or heading.

    A UNION of index probes, so matching costs the same with 50 products or 100,000.
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
    elif HS4.match(ident):
        probes += _hs_arms(ident)
    else:
        probes += [
            ProductSearchKey.objects.filter(key=fold(ident)).values("product_id"),
            ProductSearchKey.objects.filter(stem=stem(ident)).values("product_id"),
        ]
    return [probe.order_by() for probe in probes]


def product_match_reason(
    product: Product, keys: Iterable[ProductSearchKey | _Key], identifier: str
) -> str | None:
    """The Python twin of `product_ids_matching` for one loaded product and its search keys
    (which hold its HS codes too; the bulk check resolves many identifiers from one batch read):
    why it matches, or None."""
    ident = normalise_identifier(identifier)
    keys = list(keys)
    if product.slug == ident.lower():
        return MatchReason.NAME
    codes = [k.key for k in keys if HS6.match(k.key)]
    if HS6.match(ident):
        return MatchReason.HS_CODE if ident in codes else None
    if HS4.match(ident):
        return MatchReason.HS_HEADING if any(c.startswith(ident) for c in codes) else None
    folded, stemmed = fold(ident), stem(ident)
    if any(k.key == folded for k in keys):
        return MatchReason.NAME
    if any(k.stem == stemmed for k in keys):
        return MatchReason.PLURAL
    return None


def _close_keys(idents: list[str]) -> list[ProductSearchKey]:
    """The keys (with their products) stage two ranks for `idents`: one query (on PostgreSQL
    inside a SET LOCAL of the similarity threshold)."""
    keys = ProductSearchKey.objects.select_related("product").order_by()
    if not trigram_available():
        return list(keys[:CLOSE_KEYS_SCANNED])
    near = Q()
    for ident in idents:
        folded, stemmed = fold(ident), stem(ident)
        near |= Q(key__trigram_similar=folded) | Q(stem__trigram_similar=stemmed)
        near |= Q(key=RELATED_MARK + folded) | Q(stem=RELATED_MARK + stemmed)
        for word in stemmed.split():
            near |= Q(stem__contains=word)
        heads = contained_names(ident)
        if has_cjk(folded):  # no word boundaries: the wording within a name, or a name within it
            near |= Q(key__contains=folded) | Q(key__in=heads)
            near |= Q(key__in=[RELATED_MARK + head for head in heads])
        else:
            near |= Q(stem__in=heads) | Q(stem__in=[RELATED_MARK + head for head in heads])
    db = read_connection()  # the node the request reads (registry.replicas)
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        cursor.execute(
            "SET LOCAL pg_trgm.similarity_threshold = %s", [TRIGRAM_SIMILARITY_THRESHOLD]
        )
        return list(keys.filter(near)[:CLOSE_KEYS_SCANNED])


def _close_matches(ident: str, rows: Iterable[ProductSearchKey]) -> dict[int, tuple]:
    """Stage two for one identifier: product id -> (rank, reason). A related word of a product
    ranks first; a typo within `typo_limit` ranks by its distance; every stemmed word (in
    Chinese: the characters) found within a longer name ranks after; a recorded name found
    within a longer wording ranks last, the longest name first."""
    folded, stemmed = fold(ident), stem(ident)
    words = set(stemmed.split())
    limit = typo_limit(folded)
    cjk = has_cjk(folded)
    contained = {
        name: len(name.split()) if not cjk else len(name) for name in contained_names(ident)
    }
    found: dict[int, tuple] = {}
    for row in rows:
        best = _close_match(row, folded, stemmed, words, limit, cjk, contained)
        if best is not None and (row.product_id not in found or best < found[row.product_id]):
            found[row.product_id] = best
    return found


def _close_match(
    row: ProductSearchKey,
    folded: str,
    stemmed: str,
    words: set[str],
    limit: int,
    cjk: bool,
    contained: dict[str, int],
) -> tuple | None:
    key, key_stem = row.key, row.stem
    if key.startswith(RELATED_MARK):
        key, key_stem = key[len(RELATED_MARK) :], key_stem[len(RELATED_MARK) :]
        slips = min(distance(folded, key, limit), distance(stemmed, key_stem, limit))
        if slips <= limit or (words and words <= set(key_stem.split())):
            return (-1, MatchReason.RELATED)
        size = contained.get(key if cjk else key_stem)  # the head of a longer wording
        return (limit + 2 - size / 100, MatchReason.CONTAINS) if size else None
    if limit:
        slips = min(distance(folded, key, limit), distance(stemmed, key_stem, limit))
        if slips <= limit:
            return (slips, MatchReason.TYPO)
    if words and (words <= set(key_stem.split()) or (cjk and folded in key)):
        return (limit + 1, MatchReason.WORDS)
    size = contained.get(key if cjk else key_stem)
    if size:
        return (limit + 2 - size / 100, MatchReason.CONTAINS)
    return None


def _needs_stage_two(ident: str) -> bool:
    return bool(ident) and not ident.isdigit()


# Close matches of these kinds keep only the best-ranked products: the one product a typo or a
# related word fits best, the longest recorded name found within a wording.
_BEST_ONLY = {MatchReason.TYPO, MatchReason.RELATED, MatchReason.CONTAINS}


def _rank_close(
    ident: str, found: dict[int, tuple], products: dict[int, Product]
) -> ProductResolution:
    ranked = sorted(found, key=lambda pk: (found[pk][0], products[pk].name_en, products[pk].slug))
    chosen = [products[pk] for pk in ranked[:MAX_CANDIDATES]]
    if chosen and found[ranked[0]][1] in _BEST_ONLY:
        top = found[ranked[0]][0]
        chosen = [p for p in chosen if found[p.pk][0] == top]
    return ProductResolution(ident, chosen, {p.slug: found[p.pk][1] for p in chosen}, exact=False)


def product_resolve(identifier: str) -> ProductResolution:
    """The product an identifier names, or the candidates (ranked, each with its reason) when it
    names several or none exactly: the batch of one (`product_resolve_many`), so one rule
    answers the single check, search, filters and bulk alike."""
    return product_resolve_many([identifier])[identifier]


class _Key(NamedTuple):
    """A product's search key as the rule reads it (`product_match_reason`), and the covered
    kind it names (None: the product's own name)."""

    key: str
    stem: str
    kind_id: int | None = None


# The table of identifiers of `product_resolve_many`, one row each: the slug asked for, the HS
# code (HS6 identifiers), the folded and stemmed words (identifiers not all digits), the HS
# heading's range (HS4). A column is NULL where its probe does not apply, so one statement text
# serves every batch.
_IDENT_COLUMNS = ("lowered", "code", "folded", "stemmed", "lo", "hi")
_STAGE_ONE_SQL: dict[str, str] = {}


def stage_one_sql(vendor: str) -> str:
    """The one statement of stage one for a batch (built once per process and vendor): the
    products any identifier's index probes find (a UNION, as `product_ids_matching`, so matching
    costs the same with 50 products or 100,000), each with its search keys, as plain rows."""
    sql = _STAGE_ONE_SQL.get(vendor)
    if sql is not None:
        return sql
    names = ", ".join(_IDENT_COLUMNS)
    if vendor == "postgresql":
        arrays = ", ".join("%s::text[]" for _name in _IDENT_COLUMNS)
        table = f"idents ({names}) AS (SELECT * FROM unnest({arrays}))"  # noqa: S608
        # An array of the ids found, so PostgreSQL reads each product and its keys by index
        # whatever it guesses of an HS heading's range (a generic plan guesses thousands).
        among = "= ANY(ARRAY({}))"
    else:
        picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(_IDENT_COLUMNS)))
        table = f"idents ({names}) AS (SELECT {picks} FROM json_each(%s))"  # noqa: S608
        among = "IN ({})"
    product, key = Product._meta.db_table, ProductSearchKey._meta.db_table
    alias = ProductAlias._meta.db_table
    hs = f"'{AliasKind.HS_CODE.value}'"
    columns = ", ".join(f"p.{f.column}" for f in Product._meta.concrete_fields)
    # Table and column names only; the identifiers are parameters.
    found = (
        f"SELECT x.id FROM {product} x JOIN idents i ON x.slug = i.lowered "  # noqa: S608
        f"UNION SELECT x.id FROM {product} x JOIN idents i ON x.hs_code = i.code "
        f"UNION SELECT a.product_id FROM {alias} a JOIN idents i "
        f"ON a.alias = i.code AND a.kind = {hs} "
        f"UNION SELECT s.product_id FROM {key} s JOIN idents i ON s.key = i.folded "
        f"UNION SELECT s.product_id FROM {key} s JOIN idents i ON s.stem = i.stemmed "
        f"UNION SELECT x.id FROM {product} x JOIN idents i "
        f"ON x.hs_code >= i.lo AND x.hs_code < i.hi "
        f"UNION SELECT a.product_id FROM {alias} a JOIN idents i "
        f"ON a.alias >= i.lo AND a.alias < i.hi AND a.kind = {hs}"
    )
    sql = (
        f"WITH {table} SELECT {columns}, k.key, k.stem, k.kind_id FROM {product} p "  # noqa: S608
        f"LEFT JOIN {key} k ON k.product_id = p.id WHERE p.id {among.format(found)} "
        "ORDER BY p.slug, k.id"
    )
    _STAGE_ONE_SQL[vendor] = sql
    return sql


def ident_row(ident: str) -> tuple[str | None, ...]:
    digits = ident.isdigit()
    heading = bool(HS4.match(ident))
    return (
        ident.lower(),
        ident if HS6.match(ident) else None,
        None if digits else fold(ident),
        None if digits else stem(ident),
        ident if heading else None,
        str(int(ident) + 1).zfill(len(ident)) if heading else None,
    )


def _stage_one(idents: set[str]) -> tuple[list[Product], dict[int, list[_Key]]]:
    """The products stage one may match for `idents` (by slug) and their search keys, in one
    statement; a model instance only for each product, none for its keys."""
    if not idents:
        return [], {}
    rows = [ident_row(ident) for ident in sorted(idents)]
    db = read_connection()  # the node the request reads (registry.replicas)
    vendor = db.vendor
    if vendor == "postgresql":
        params: list = [list(column) for column in zip(*rows, strict=True)]
    else:
        params = [json.dumps(rows)]
    fields = Product._meta.concrete_fields
    attnames = [f.attname for f in fields]
    converters = [
        (i, [*db.ops.get_db_converters(col), *f.get_db_converters(db)], col)
        for i, f in enumerate(fields)
        if (col := f.get_col(Product._meta.db_table))
    ]
    converters = [(i, found, col) for i, found, col in converters if found]
    products: dict[int, Product] = {}
    keys: dict[int, list[_Key]] = {}
    width = len(fields)
    with server_bound(db).cursor() as cursor:  # planned once per connection
        cursor.execute(stage_one_sql(vendor), params)
        for row in cursor.fetchall():
            pk = row[0]
            if pk not in products:
                values = list(row[:width])
                for i, found, col in converters:
                    for convert in found:
                        values[i] = convert(values[i], col, db)
                products[pk] = Product.from_db(db.alias, attnames, values)
            if row[width] is not None:
                keys.setdefault(pk, []).append(_Key(*row[width : width + 3]))
    return list(products.values()), keys


def product_resolve_many(identifiers: Iterable[str]) -> dict[str, ProductResolution]:
    """`product_resolve` for many identifiers in a fixed number of queries (one for the products
    and their keys; one for the covered kinds, only when a kind was named; then, only for
    identifiers stage one leaves unmatched, the close keys and their products), keyed by the
    identifier as given. The rule is `product_match_reason`, the twin of the SQL."""
    given = {ident: normalise_identifier(ident) for ident in identifiers}
    idents = {ident for ident in given.values() if ident}
    dried = {ident: dried_forms(ident) for ident in idents if _needs_stage_two(ident)}
    # A UNION of index probes (as `product_ids_matching`), not an OR across joined aliases and
    # keys with DISTINCT, which scanned every product (~50 ms at 20,000 products; issue 13); its
    # SQL is written once, and its rows are read as plain tuples (building and compiling the
    # probes' querysets was a third of a new question's time; issue 13). The dried forms of
    # every word ride in the same statement.
    products, keys = _stage_one(idents | {form for forms in dried.values() for form in forms})
    matcher = _StageOne(products, keys)
    resolved: dict[str, ProductResolution] = {}
    for ident in idents:
        resolved[ident] = matcher.resolve(ident, dried.get(ident, []))
    unmatched = [i for i in idents if not resolved[i].candidates and _needs_stage_two(i)]
    if unmatched:
        rows = _close_keys(unmatched)
        close = {ident: _close_matches(ident, rows) for ident in unmatched}
        near = {row.product_id: row.product for row in rows}
        for ident in unmatched:
            resolved[ident] = _rank_close(ident, close[ident], near)
    _load_kinds(resolved.values())
    return {raw: resolved.get(ident, ProductResolution(ident)) for raw, ident in given.items()}


class _StageOne:
    """Stage one over the products and keys read for a batch: which products each identifier
    names, by their own names or by a kind they cover, and the dried forms of what it names."""

    def __init__(self, products: list[Product], keys: dict[int, list[_Key]]) -> None:
        self.products, self.keys = products, keys
        # Which products could match an identifier, by the values the rule compares (slug, key,
        # stem, HS code and heading), so the rule runs on those few and not on every product
        # read: a batch of 1,000 identifiers over 1,000 products was 1,000,000 rule calls.
        self.by_token: dict[str, set[int]] = {}
        for product in products:
            self.by_token.setdefault(product.slug, set()).add(product.pk)
            for key in keys.get(product.pk, []):
                for token in (key.key, key.stem, key.key[:4] if HS6.match(key.key) else ""):
                    self.by_token.setdefault(token, set()).add(product.pk)
        self.order = {product.pk: index for index, product in enumerate(products)}

    def matches(self, ident: str) -> tuple[list[Product], dict[str, str], dict[str, int]]:
        """The products `ident` names, why, and the kind (by id) of those named by a kind."""
        tokens = {ident.lower(), ident, fold(ident), stem(ident)}
        pks = set().union(*(self.by_token.get(token, set()) for token in tokens if token))
        candidates = [
            self.products[self.order[pk]] for pk in sorted(pks, key=self.order.__getitem__)
        ]
        reasons = {
            p.slug: reason
            for p in candidates
            if (reason := product_match_reason(p, self.keys.get(p.pk, []), ident))
        }
        found = [p for p in candidates if p.slug in reasons]
        folded, stemmed = fold(ident), stem(ident)
        kinds: dict[str, int] = {}
        for product in found:
            named = [
                k for k in self.keys.get(product.pk, []) if folded == k.key or stemmed == k.stem
            ]
            if named and all(k.kind_id is not None for k in named):
                kinds[product.slug] = named[0].kind_id  # type: ignore[assignment]
        return found, reasons, kinds

    def resolve(self, ident: str, dried: list[str]) -> ProductResolution:
        found, reasons, kinds = self.matches(ident)
        own = [p for p in found if p.slug not in kinds]
        if not own:  # named by a kind only: the covering product(s)
            return ProductResolution(
                ident, found, {**reasons, **dict.fromkeys(kinds, MatchReason.KIND)}, kinds=kinds
            )
        covering = [p for p in found if p.slug in kinds]
        own_reasons = {p.slug: reasons[p.slug] for p in own}
        if all(own_reasons[p.slug] in (MatchReason.NAME, MatchReason.PLURAL) for p in own):
            # A word naming a fresh product names its dried form too: both are offered.
            for form in dried:
                extra, _why, extra_kinds = self.matches(form)
                for product in extra:
                    if product.slug not in own_reasons:
                        own.append(product)
                        own_reasons[product.slug] = MatchReason.DRIED_FORM
                        if product.slug in extra_kinds:
                            kinds[product.slug] = extra_kinds[product.slug]
            covering = [p for p in covering if p.slug not in own_reasons]
        return ProductResolution(
            ident,
            own,
            own_reasons,
            kinds=kinds,
            covering=covering,
        )


# Statements `product_resolve_many` adds when some identifier names a covered kind: one read of
# the kinds of the products covering them (whatever the number of identifiers).
KIND_STATEMENTS = 1


def _load_kinds(resolutions: Iterable[ProductResolution]) -> None:
    """Put the covered kinds (read by id) in place of their ids, each with every kind of its
    product (`siblings`, in the source's order), in one query, only when some identifier named
    a kind."""
    resolutions = [r for r in resolutions if r.kinds]
    ids = {kind for r in resolutions for kind in r.kinds.values() if isinstance(kind, int)}
    if not ids:
        return
    rows = list(
        ProductKind.objects.filter(product__kinds__in=ids).order_by(
            "product_id", "position", "slug"
        )
    )
    by_product: dict[int, list[ProductKind]] = {}
    for kind in rows:
        by_product.setdefault(kind.product_id, []).append(kind)
    by_id = {kind.pk: kind for kind in rows}
    for kind in rows:
        kind.siblings = by_product[kind.product_id]  # type: ignore[attr-defined]
    for resolution in resolutions:
        for slug, kind in list(resolution.kinds.items()):
            resolution.kinds[slug] = by_id[kind] if isinstance(kind, int) else kind


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
# listed and the caller says the list is cut. On PostgreSQL each index probe reads at most this
# many + 1 rows (ten pages of 20; the probes' work is linear in it: bench/RESULTS.md).
MAX_MATCHES = 200
# Room for the resolver's own matches (an identifier names a handful of products at most).
EXACT_MATCHES_KEPT = 50


def hs_prefix(query: str) -> str:
    """'1005', '1005.90' or '10 05 90' as an HS prefix; '' when the query is not a code."""
    if not HS_QUERY.match(query):
        return ""
    digits = re.sub(r"[ .]", "", query)
    return digits if 2 <= len(digits) <= 6 else ""


def hs_prefix_q(prefix: str, path: str = "") -> Q:
    """Products whose HS code starts with `prefix`, their further HS codes (aliases of kind
    hs_code) included: the one rule every HS filter, subscription and fan-out follows (`path`
    leads from the queried model to the product, e.g. "product__"). Add `.distinct()`: the alias
    arm joins."""
    return Q(**{f"{path}hs_code__startswith": prefix}) | Q(
        **{f"{path}aliases__kind": AliasKind.HS_CODE, f"{path}aliases__alias__startswith": prefix}
    )


def hs_prefix_match_sql(product: str, prefix: str) -> str:
    """The raw-SQL form of `hs_prefix_q`: the product row aliased `product` matches the prefix
    expression `prefix` by its own code or a further HS code (for the notification fan-out)."""
    aliases = ProductAlias._meta.db_table
    # Constant text: table and column names of this code, no input.
    return (
        f"({product}.hs_code LIKE {prefix} || '%%' OR EXISTS (SELECT 1 FROM {aliases} pa "  # noqa: S608
        f"WHERE pa.product_id = {product}.id AND pa.kind = '{AliasKind.HS_CODE.value}' "
        f"AND pa.alias LIKE {prefix} || '%%'))"
    )


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
    db = read_connection()  # the node the request reads (registry.replicas)
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
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
    if not prefix and trigram_available():
        return _ranked_search(query)
    arms = _hs_arms(prefix) if prefix else _substring_arms(query)
    # One statement: the forgiving arms, and the resolver's own probes flagged, so whatever the
    # resolver names is always listed, and first.
    flagged = [arm.annotate(exact=Value(0)) for arm in arms]
    flagged += [probe.annotate(exact=Value(1)) for probe in _identifier_probes(query)]
    union = flagged[0].union(*flagged[1:]).order_by("-exact")
    rows = list(union.values_list("pk", "exact")[: MAX_MATCHES + EXACT_MATCHES_KEPT + 1])
    exact = [pk for pk, flag in rows if flag]
    found = list(dict.fromkeys(pk for pk, flag in rows if not flag))
    if not rows and not prefix:
        # Nothing by substring: the resolver's close words (typos, plurals, words of a longer
        # name), the same on SQLite and PostgreSQL ("mazie" -> maize).
        found = [p.pk for p in product_resolve(query).candidates]
    truncated = len(found) > MAX_MATCHES
    products = _flagged(exact, found[:MAX_MATCHES])
    if prefix:
        return ProductSearch(products.order_by("-exact", "hs_code", "name_en"), truncated)
    return ProductSearch(products.order_by("-exact", "name_en"), truncated)


def _flagged(exact: list[int], found: list[int]) -> QuerySet:
    """The products listed, `exact` (the resolver's) flagged 1."""
    return Product.objects.filter(pk__in={*exact, *found}).annotate(
        exact=Case(When(pk__in=exact or [0], then=Value(1)), default=Value(0))
    )


def _ranked_search(query: str) -> ProductSearch:
    """PostgreSQL: one statement reads each arm's best `MAX_MATCHES + 1` rows with their word
    similarity, and the resolver's own matches flagged; a product ranks by its best similarity in
    any arm, and ties by English name. Ranking only the rows the arms keep spares computing the
    similarity of the thousands of products a vague query matches (issue 13)."""
    arms = _similar_arms(query, MAX_MATCHES + 1)
    arms += [
        probe.annotate(score=Value(0.0, output_field=FloatField()), exact=Value(1))
        for probe in _identifier_probes(query)
    ]
    with _ranking_settings():
        rows = list(arms[0].union(*arms[1:], all=True))
    exact = list(dict.fromkeys(pk for pk, _score, flag in rows if flag))
    scores: dict[int, float] = {}
    for pk, score, _flag in rows:
        scores[pk] = max(score, scores.get(pk, 0.0))
    found = sorted((pk for pk in scores if pk not in exact), key=scores.__getitem__, reverse=True)
    if not rows:
        # Nothing by substring or trigram: the resolver's close words (typos, plurals, words of
        # a longer name) ranked by their similarity to the query ("mazie" -> maize).
        found = [p.pk for p in product_resolve(query).candidates]
        ranked = _flagged([], found).annotate(rank=_similarity_rank(query))
        return ProductSearch(ranked.order_by("-rank", "name_en"), False)
    truncated = len(found) > MAX_MATCHES
    exact, found = exact[:EXACT_MATCHES_KEPT], found[:MAX_MATCHES]
    kept = [*exact, *found]
    # The scores travel as one JSON object (a binary-searched key per row), not a CASE per id.
    rank = Func(
        Value(json.dumps({str(pk): scores[pk] for pk in kept})),
        Cast("pk", TextField()),
        arg_joiner="::jsonb ->> ",
        template="((%(expressions)s)::float)",
        output_field=FloatField(),
    )
    ranked = _flagged(exact, found).annotate(rank=rank)
    return ProductSearch(ranked.order_by("-exact", "-rank", "name_en"), truncated)


@contextlib.contextmanager
def _ranking_settings() -> Iterator[None]:
    """The similarity threshold, and index scans only, for the statements of the block.

    With `LIMIT` on an arm the planner reads a table in order and stops at the limit when it
    expects the matches to be many, and pg_trgm's estimates for `%>` often are (21,000 of
    100,000 for 3,000): a sequential scan computing the similarity of 17,000 rows, 55 ms, where
    the GIN index finds the 3,000 in a millisecond. One statement sets both in a transaction of
    its own; inside an enclosing `similarity_threshold` block the scan setting is put back after.
    """
    if _THRESHOLD_SET.get():
        with read_connection().cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), "
                "set_config('enable_seqscan', 'off', true)"
            )
            before = cursor.fetchone()[0]
            try:
                yield
            finally:
                cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])
        return
    db = read_connection()  # the node the request reads (registry.replicas)
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), "
            "set_config('enable_seqscan', 'off', true)",
            [str(WORD_SIMILARITY_THRESHOLD)],
        )
        token = _THRESHOLD_SET.set(True)
        try:
            yield
        finally:
            _THRESHOLD_SET.reset(token)


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
