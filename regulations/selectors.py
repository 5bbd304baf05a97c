"""Shared reads of the regulations app, and its two rules: "a regulation in force on a date" and
"the regulations that apply to a product from a country on a date".

Each rule is one SQL predicate; the eligibility engine applies them to a whole batch of questions
(the date and the country may be columns of its table of questions).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Expression, Prefetch, Q, QuerySet

from registry.models import Country, Product, UnionKind
from registry.selectors.countries import binding_union_ids
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


def regulation_in_force_q(on: dt.date | Expression) -> Q:
    """In force on `on` (a date, or a date column): started by then (or in force with no known
    start date), not yet ended, and neither a draft nor repealed."""
    started = Q(in_force_from__lte=on) | Q(
        in_force_from__isnull=True, status=RegulationStatus.IN_FORCE
    )
    not_ended = Q(in_force_until__isnull=True) | Q(in_force_until__gte=on)
    return started & not_ended & ~Q(status__in=NOT_IN_FORCE_STATUSES)


# --- Binding a country on a date -------------------------------------------------------------


def regulation_of_country_q(country: Country | str | Expression, on: dt.date | Expression) -> Q:
    """A country's acts on `on` (a Country or its ISO code): its own, and those of a union it is
    a binding member of on that date (EAEU acts bind KZ and KG, never observer UZ)."""
    own = Q(country__iso2=country) if isinstance(country, str) else Q(country=country)
    return own | Q(union__in=binding_union_ids(country, on))


def regulation_binds_q(country: Country | str | Expression, on: dt.date | Expression) -> Q:
    """Acts that bind an exporter from `country` on `on`: the country's acts, and the standards
    of an international standards body (Codex)."""
    return regulation_of_country_q(country, on) | Q(union__kind=UnionKind.STANDARDS_BODY)


def applicable_regulations(*, product: Product, country: Country, on: dt.date) -> list[Regulation]:
    """The product's regulations in force on `on` binding an exporter from `country` (1 query)."""
    return list(
        Regulation.objects.filter(product_links__product=product)
        .filter(regulation_binds_q(country, on), regulation_in_force_q(on))
        .select_related("country", "union")
        .distinct()
        .order_by("union__code", "country__iso2", "code")
    )
