"""HS codes: an identifier that is a product's HS code (six digits) or a heading (four digits),
a query that is an HS prefix, and the one rule every HS filter, subscription and fan-out follows
(a product's own code and its further HS codes, aliases of kind hs_code).
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from registry.models import AliasKind, Product, ProductAlias

HS6 = re.compile(r"^[0-9]{6}$")
HS4 = re.compile(r"^[0-9]{4}$")
HS_QUERY = re.compile(r"^[0-9][0-9 .]{1,8}$")


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


def hs_prefix_products_sql(prefix: str) -> str:
    """The raw-SQL form of `hs_prefix_q` as a subquery of the matching products' ids (their own
    code or a further HS code starts with the prefix expression `prefix`): PostgreSQL finds the
    few products first, where a condition on each row of a long list would read all of it (the
    access list's page)."""
    products, aliases = Product._meta.db_table, ProductAlias._meta.db_table
    # Constant text: table and column names of this code, no input.
    return (
        f"SELECT hp.id FROM {products} hp WHERE hp.hs_code LIKE {prefix} || '%%' "  # noqa: S608
        f"UNION SELECT pa.product_id FROM {aliases} pa "
        f"WHERE pa.kind = '{AliasKind.HS_CODE.value}' AND pa.alias LIKE {prefix} || '%%'"
    )


def hs_prefix_arms(prefix: str) -> list[QuerySet]:
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
