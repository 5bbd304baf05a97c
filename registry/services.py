"""Writes of the catalogue that have a rule of their own."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from registry.models import AliasKind, Product, ProductAlias, ProductSearchKey
from registry.text import fold, name_variants, stem


def product_search_key_texts(product: Product, aliases: Iterable[ProductAlias]) -> list[str]:
    """The folded texts a product is found by: its slug, its names in three languages (whole and
    without a parenthesis), its name aliases and its HS codes (its own and further ones)."""
    texts = [fold(product.slug), product.hs_code]
    for name in (product.name_en, product.name_zh, product.name_ru):
        texts += name_variants(name)
    texts += [fold(a.alias) if a.kind == AliasKind.NAME else a.alias for a in aliases]
    return [t for t in dict.fromkeys(texts) if t]


def product_search_keys_refresh(*, products: Iterable[Product] | None = None) -> int:
    """Rebuild the stored search keys of `products` (all products when None) from their names and
    aliases; returns the number of keys written. Every writer of products or aliases calls it (the
    seed loader, the admin, the benchmark generator, the test factories)."""
    with transaction.atomic():
        chosen = (
            Product.objects.all()
            if products is None
            else Product.objects.filter(pk__in=[p.pk for p in products])
        )
        chosen_list = list(chosen.prefetch_related("aliases"))
        ProductSearchKey.objects.filter(product__in=[p.pk for p in chosen_list]).delete()
        keys = [
            ProductSearchKey(product=product, key=text[:200], stem=stem(text)[:200])
            for product in chosen_list
            for text in product_search_key_texts(product, product.aliases.all())
        ]
        ProductSearchKey.objects.bulk_create(keys, batch_size=2000)
    return len(keys)
