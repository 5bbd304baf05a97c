"""The HS tree of the catalogue (issue 24): the HS 2022 chapters and headings that recorded
products and covered kinds use, each named in three languages (HsHeading, seeds/hs_headings.csv),
with the products and kinds under each heading. A product sits under every heading of its own HS
code and its further HS codes; a covered kind under the heading of its own code. One shared read
for the web pages and the API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from registry.localize import localized_with_language
from registry.models import AliasKind, HsHeading, Product, ProductKind

HS_NODE = re.compile(r"^([0-9]{2}|[0-9]{4})$")


@dataclass
class HsNode:
    """A chapter (two digits) or a heading (four digits)."""

    code: str
    heading: HsHeading | None  # its names; None when no source names it
    children: list[HsNode] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    kinds: list[ProductKind] = field(default_factory=list)

    @property
    def is_chapter(self) -> bool:
        return len(self.code) == 2

    @property
    def name(self) -> str:
        return self.heading.name if self.heading else ""

    @property
    def name_language(self) -> str:
        """The language `name` is in (a fallback to English is marked on the pages)."""
        return localized_with_language(self.heading, "name")[1] if self.heading else ""

    @property
    def product_count(self) -> int:
        if self.is_chapter:
            return len({p.pk for child in self.children for p in child.products})
        return len(self.products)


@dataclass
class HsTree:
    chapters: list[HsNode]
    unclassified: list[Product]  # products with no HS code recorded (the code is uncertain)

    def node(self, code: str) -> HsNode | None:
        for chapter in self.chapters:
            if chapter.code == code:
                return chapter
            for heading in chapter.children:
                if heading.code == code:
                    return heading
        return None


def _product_codes(product: Product) -> set[str]:
    codes = {product.hs_code} if product.hs_code else set()
    codes |= {a.alias for a in product.aliases.all() if a.kind == AliasKind.HS_CODE}
    return codes


def hs_tree() -> HsTree:
    """The whole tree, in three queries (headings; products with their aliases; kinds)."""
    names = {h.code: h for h in HsHeading.objects.all()}
    products = list(Product.objects.prefetch_related("aliases").order_by("name_en"))
    kinds = list(ProductKind.objects.select_related("product").exclude(hs_code=""))
    headings: dict[str, HsNode] = {}
    unclassified = []
    for product in products:
        codes = _product_codes(product)
        if not codes:
            unclassified.append(product)
        for code in sorted({c[:4] for c in codes}):
            node = headings.setdefault(code, HsNode(code, names.get(code)))
            node.products.append(product)
    for kind in kinds:
        node = headings.setdefault(
            kind.hs_code[:4], HsNode(kind.hs_code[:4], names.get(kind.hs_code[:4]))
        )
        node.kinds.append(kind)
    chapters: dict[str, HsNode] = {}
    for code in sorted(headings):
        chapter = chapters.setdefault(code[:2], HsNode(code[:2], names.get(code[:2])))
        chapter.children.append(headings[code])
    return HsTree([chapters[c] for c in sorted(chapters)], unclassified)
