"""Shared reads of the catalogue: querysets with their joins set, so no caller forgets them."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from registry.models import Country, Port, Product, UnionMembership


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
