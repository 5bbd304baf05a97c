"""Shared reads of the regulations app, and its two rules: "a regulation in force on a date" and
"the regulations that apply to a product from a country on a date".

Each rule is a SQL predicate with its Python twin beside it (the bulk eligibility check applies
the twins to rows it read in batch); tests/regulations/test_rules.py proves each pair equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from registry.models import Country, Product, UnionKind
from registry.selectors import binding_union_ids
from regulations.models import Regulation, RegulationProduct, RegulationStatus

# Never in force, whatever their dates say.
NOT_IN_FORCE_STATUSES = (RegulationStatus.DRAFT, RegulationStatus.REPEALED)


def regulation_api_list() -> QuerySet[Regulation]:
    links = RegulationProduct.objects.select_related("product").order_by("product__slug")
    return (
        Regulation.objects.select_related("country", "union")
        .prefetch_related("topics", Prefetch("product_links", queryset=links))
        .order_by("code", "slug")
    )


# --- In force on a date ----------------------------------------------------------------------


def regulation_in_force_q(on: dt.date) -> Q:
    """In force on `on`: started by then (or in force with no known start date), not yet ended,
    and neither a draft nor repealed."""
    started = Q(in_force_from__lte=on) | Q(
        in_force_from__isnull=True, status=RegulationStatus.IN_FORCE
    )
    not_ended = Q(in_force_until__isnull=True) | Q(in_force_until__gte=on)
    return started & not_ended & ~Q(status__in=NOT_IN_FORCE_STATUSES)


def regulation_in_force(regulation: Regulation, on: dt.date) -> bool:
    """The Python twin of `regulation_in_force_q`."""
    start, end = regulation.in_force_from, regulation.in_force_until
    started = (start is not None and start <= on) or (
        start is None and regulation.status == RegulationStatus.IN_FORCE
    )
    not_ended = end is None or end >= on
    return started and not_ended and regulation.status not in NOT_IN_FORCE_STATUSES


# --- Binding a country on a date -------------------------------------------------------------


def regulation_of_country_q(country: Country | str, on: dt.date) -> Q:
    """A country's acts on `on` (a Country or its ISO code): its own, and those of a union it is
    a binding member of on that date (EAEU acts bind KZ and KG, never observer UZ)."""
    own = Q(country=country) if isinstance(country, Country) else Q(country__iso2=country)
    return own | Q(union__in=binding_union_ids(country, on))


def regulation_binds_q(country: Country | str, on: dt.date) -> Q:
    """Acts that bind an exporter from `country` on `on`: the country's acts, and the standards
    of an international standards body (Codex)."""
    return regulation_of_country_q(country, on) | Q(union__kind=UnionKind.STANDARDS_BODY)


def regulation_binds(regulation: Regulation, country: Country, binding_unions: set[int]) -> bool:
    """The Python twin of `regulation_binds_q`; `binding_unions` holds the ids of the unions
    whose acts bind `country` on the date (registry.selectors.membership_binds)."""
    return (
        regulation.country_id == country.pk
        or regulation.union_id in binding_unions
        or (regulation.union is not None and regulation.union.kind == UnionKind.STANDARDS_BODY)
    )


def applicable_regulations(*, product: Product, country: Country, on: dt.date) -> list[Regulation]:
    """The product's regulations in force on `on` binding an exporter from `country` (1 query)."""
    return list(
        Regulation.objects.filter(product_links__product=product)
        .filter(regulation_binds_q(country, on), regulation_in_force_q(on))
        .select_related("country", "union")
        .distinct()
        .order_by("union__code", "country__iso2", "code")
    )


def applicable_regulations_among(
    regulations: Iterable[Regulation], *, country: Country, binding_unions: set[int], on: dt.date
) -> list[Regulation]:
    """`applicable_regulations` over a product's regulations already read (the bulk path), in the
    same order and by the twins of the same rules."""
    chosen: list[Regulation] = []
    for regulation in regulations:
        if (
            regulation_binds(regulation, country, binding_unions)
            and regulation_in_force(regulation, on)
            and regulation not in chosen
        ):
            chosen.append(regulation)
    return chosen
