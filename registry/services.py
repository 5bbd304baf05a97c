"""Writes of the catalogue that have a rule of their own."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from registry.models import AliasKind, Product, ProductAlias, ProductKind, ProductSearchKey
from registry.text import RELATED_MARK, fold, name_variants, stem


def product_search_key_texts(product: Product, aliases: Iterable[ProductAlias]) -> list[str]:
    """The folded texts a product is found by: its slug, its names in three languages (whole and
    without a parenthesis), its name aliases and its HS codes (its own and further ones). A
    related word is kept marked (`RELATED_MARK`): no identifier folds to it, so it only ever
    suggests the product (registry.selectors.close_words, stage two)."""
    texts = [fold(product.slug), product.hs_code]
    for name in (product.name_en, product.name_zh, product.name_ru):
        texts += name_variants(name)
    for alias in aliases:
        if alias.kind == AliasKind.NAME:
            texts.append(fold(alias.alias))
        elif alias.kind == AliasKind.RELATED:
            texts.append(RELATED_MARK + fold(alias.alias))
        else:
            texts.append(alias.alias)
    return [t for t in dict.fromkeys(texts) if t and t != RELATED_MARK]


def kind_search_key_texts(kind: ProductKind) -> list[str]:
    """The folded texts a covered kind is found by: its names and its aliases."""
    texts: list[str] = []
    for name in (kind.name_en, kind.name_zh, kind.name_ru):
        texts += name_variants(name)
    texts += [fold(alias.alias) for alias in kind.aliases.all()]
    return [t for t in dict.fromkeys(texts) if t]


def _keys_of(product: Product) -> list[ProductSearchKey]:
    """A product's keys: a text a covered kind is found by names the kind (so the answer says
    which entry covers it), even where it is also one of the product's own aliases."""
    by_text: dict[str, ProductKind | None] = {}
    for text in product_search_key_texts(product, product.aliases.all()):
        by_text[text] = None
    for kind in product.kinds.all():
        for text in kind_search_key_texts(kind):
            if by_text.get(text) is None:
                by_text[text] = kind
    return [
        ProductSearchKey(product=product, kind=kind, key=text[:200], stem=_stem_key(text)[:200])
        for text, kind in by_text.items()
    ]


def _stem_key(text: str) -> str:
    if text.startswith(RELATED_MARK):
        return RELATED_MARK + stem(text[len(RELATED_MARK) :])
    return stem(text)


def product_search_keys_refresh(*, products: Iterable[Product] | None = None) -> int:
    """Rebuild the stored search keys of `products` (all products when None) from their names,
    aliases and covered kinds; returns the number of keys written. Every writer of products,
    aliases or kinds calls it (the seed loader, the admin, the benchmark generator, the test
    factories)."""
    with transaction.atomic():
        chosen = (
            Product.objects.all()
            if products is None
            else Product.objects.filter(pk__in=[p.pk for p in products])
        )
        chosen_list = list(chosen.prefetch_related("aliases", "kinds__aliases"))
        ProductSearchKey.objects.filter(product__in=[p.pk for p in chosen_list]).delete()
        keys = [key for product in chosen_list for key in _keys_of(product)]
        ProductSearchKey.objects.bulk_create(keys, batch_size=2000)
    return len(keys)
