"""What an identifier names: the product resolver's answer (`ProductResolution`), why each
candidate matched (`MatchReason`), and the error of an identifier that names several products or
none exactly (`ambiguous_product`). The resolver itself is in resolver.py (stage one, the batch)
and close_words.py (stage two).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from registry.errors import DomainError
from registry.localize import names_list
from registry.models import Product, ProductKind


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
    names = names_list(candidate_name(resolution, p) for p in resolution.candidates)
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
