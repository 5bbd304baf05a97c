"""Shared reads of the regulations app: querysets with their joins set."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from regulations.models import Regulation, RegulationProduct


def regulation_api_list() -> QuerySet[Regulation]:
    links = RegulationProduct.objects.select_related("product").order_by("product__slug")
    return (
        Regulation.objects.select_related("country", "union")
        .prefetch_related("topics", Prefetch("product_links", queryset=links))
        .order_by("code", "slug")
    )
