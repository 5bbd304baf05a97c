"""The product resolver: identifier -> product. The only place that decides which product an
identifier means: the checker (single and bulk), search, the API filters (`products/?q=`,
`access/?product=`, `regulations/?product=`) and subscriptions all ask it, so the same words find
the same product everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import QuerySet

from registry.models import AliasKind, Product, ProductAlias, ProductKind, ProductSearchKey
from registry.replicas import read_connection
from registry.selectors.close_words import close_keys, close_matches, rank_close
from registry.selectors.hs_codes import HS4, HS6, hs_prefix_arms
from registry.selectors.resolution import MatchReason, ProductResolution, normalise_identifier
from registry.sql import server_bound
from registry.text import dried_forms, fold, stem, stem_folded

# Stage one (SQL index probes, the same on SQLite and PostgreSQL): the identifier folded
# (registry.text.fold) or stemmed equals a stored search key of a name, alias or slug in any
# language; or it is a product's HS code (six digits), or an HS heading (four digits) whose
# products are the candidates. Stage two, only when stage one finds nothing: close words (a typo
# within `typo_limit`) or every word of the identifier within a longer name ("peppers"), ranked
# in Python over the keys read in one query: all of them on SQLite (bounded by the registry's
# size), those pg_trgm calls similar (or that contain the words) on PostgreSQL.


def product_ids_matching(identifier: str) -> QuerySet:
    """The SQL side of stage one: ids of the products an identifier names, by a stored search
    key (name, alias or slug, folded or stemmed) or an HS code or heading.

    A UNION of index probes, so matching costs the same with 50 products or 100,000.
    """
    first, *rest = identifier_probes(normalise_identifier(identifier))
    return first.union(*rest)


def identifier_probes(ident: str) -> list[QuerySet]:
    """The index probes of `product_ids_matching`, one column each (the product's id)."""
    probes: list[QuerySet] = [Product.objects.filter(slug=ident.lower()).values("pk")]
    if HS6.match(ident):
        probes += [
            Product.objects.filter(hs_code=ident).values("pk"),
            ProductAlias.objects.filter(alias=ident, kind=AliasKind.HS_CODE).values("product_id"),
        ]
    elif HS4.match(ident):
        probes += hs_prefix_arms(ident)
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


def _needs_stage_two(ident: str) -> bool:
    return bool(ident) and not ident.isdigit()


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
    folded = None if digits else fold(ident)
    return (
        ident.lower(),
        ident if HS6.match(ident) else None,
        folded,
        None if folded is None else stem_folded(folded),
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
    resolved = _resolve_stage_one(idents)
    unmatched = [i for i in idents if not resolved[i].candidates and _needs_stage_two(i)]
    if unmatched:
        rows = close_keys(unmatched)
        close = {ident: close_matches(ident, rows) for ident in unmatched}
        near = {row.product_id: row.product for row in rows}
        for ident in unmatched:
            resolved[ident] = rank_close(ident, close[ident], near)
    _load_kinds(resolved.values())
    return {raw: resolved.get(ident, ProductResolution(ident)) for raw, ident in given.items()}


def product_resolve_exact(identifier: str) -> ProductResolution:
    """What an identifier names exactly (stage one of `product_resolve`: names, aliases, slugs,
    HS codes and headings, covered kinds, dried forms), in one statement; no close words, and a
    covered kind is left as its id. Search ranks these products first, the resolver's own
    candidates above the products that cover the word as a kind."""
    ident = normalise_identifier(identifier)
    return _resolve_stage_one({ident})[ident] if ident else ProductResolution(ident)


def _resolve_stage_one(idents: set[str]) -> dict[str, ProductResolution]:
    dried = {ident: dried_forms(ident) for ident in idents if _needs_stage_two(ident)}
    # A UNION of index probes (as `product_ids_matching`), not an OR across joined aliases and
    # keys with DISTINCT, which scanned every product (~50 ms at 20,000 products; issue 13); its
    # SQL is written once, and its rows are read as plain tuples (building and compiling the
    # probes' querysets was a third of a new question's time; issue 13). The dried forms of
    # every word ride in the same statement.
    products, keys = _stage_one(idents | {form for forms in dried.values() for form in forms})
    matcher = _StageOne(products, keys)
    return {ident: matcher.resolve(ident, dried.get(ident, [])) for ident in idents}


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
        folded = fold(ident)
        stemmed = stem_folded(folded)
        tokens = {ident.lower(), ident, folded, stemmed}
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
    # Every kind of the products covering them, each once: a join through the product's kinds
    # would repeat a product's kinds once per kind of it asked in the batch.
    covering = ProductKind.objects.filter(pk__in=ids).values("product_id")
    rows = list(
        ProductKind.objects.filter(product_id__in=covering).order_by(
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
