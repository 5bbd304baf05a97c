"""Kinds inside entries (issue 24): which entry answers for a covered kind in each country, and
the note an answer carries when the product asked about is a kind a broader entry covers
("Dried apricot is covered by Kyrgyzstan's entry for Dried fruits (9 kinds), which lists 9
kinds"). The resolver (registry.selectors.resolver) finds the kind; this module adds what only
the access entries know, outside the engine's statements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accessions.models import MarketAccess
from registry.localize import gettext as _
from registry.localize import names_list
from registry.models import Country, Product, ProductKind
from registry.selectors.resolution import ProductResolution
from registry.selectors.resolver import product_resolve_many

# Statements `product_resolve_in_countries` adds when a word names both a product and a kind
# another product covers: one read of the countries' entries for those products.
COUNTRY_KIND_STATEMENTS = 1


def product_resolve_in_countries(
    pairs: Iterable[tuple[str, str]],
) -> dict[tuple[str, str], ProductResolution]:
    """`product_resolve_many` for (identifier, country ISO code) pairs, each resolution made the
    country's own (`ProductResolution.for_entries`): a word naming a product and a kind another
    product covers is the one the country has an entry for. One more query, only when some
    identifier names both."""
    pairs = list(dict.fromkeys(pairs))
    resolved = product_resolve_many(ident for ident, _iso2 in pairs)
    mixed = [(ident, iso2) for ident, iso2 in pairs if resolved[ident].covering]
    if not mixed:
        return {(ident, iso2): resolved[ident] for ident, iso2 in pairs}
    product_ids = {
        p.pk
        for ident, _iso2 in mixed
        for p in [*resolved[ident].candidates, *resolved[ident].covering]
    }
    entries: dict[str, set[int]] = {}
    rows = MarketAccess.objects.filter(
        country__iso2__in={iso2 for _ident, iso2 in mixed}, product_id__in=product_ids
    ).values_list("country__iso2", "product_id")
    for iso2, product_id in rows:
        entries.setdefault(iso2, set()).add(product_id)
    return {
        (ident, iso2): resolved[ident].for_entries(entries.get(iso2, set()))
        for ident, iso2 in pairs
    }


@dataclass(frozen=True)
class CoveredKind:
    """The kind an answer is about, the product covering it, and whether the country asked
    about has an entry for that product."""

    kind: ProductKind
    product: Product
    country: Country | None
    has_entry: bool

    @property
    def kinds(self) -> list[ProductKind]:
        """Every kind of the covering product, read with the kind (registry.selectors.resolver)."""
        return list(getattr(self.kind, "siblings", None) or self.product.kinds.all())

    @property
    def note(self) -> str:
        values = {
            "kind": self.kind.name,
            "product": self.product.name,
            "country": self.country.name if self.country else "",
            "n": len(self.kinds),
            "kinds": names_list(kind.name for kind in self.kinds),
        }
        if self.has_entry:
            return (
                _(
                    "%(kind)s is covered by %(country)s's entry for %(product)s, which lists "
                    "%(n)d kinds: %(kinds)s."
                )
                % values
            )
        return (
            _(
                "%(kind)s is one of the %(n)d kinds the registry records under %(product)s "
                "(%(kinds)s); it records no entry of %(product)s for %(country)s."
            )
            % values
        )


def covered_kind_add(answer, resolution: ProductResolution) -> None:
    """Carry the covered kind beside the answer, and keep it in the permalink (the kind's own
    name, so the link asks the same question and gets the same note)."""
    kind = resolution.kind
    if kind is None or answer.product is None:
        return
    answer.covered_kind = CoveredKind(
        kind=kind,
        product=answer.product,
        country=answer.country,
        has_entry=answer.access is not None,
    )
    answer.query["product"] = kind.name_en
