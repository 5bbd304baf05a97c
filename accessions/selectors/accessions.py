"""Accessions: the latest ones, the web list and the API's list (each with its stages in procedure
order), and the count per year and country.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet

from accessions.models import Accession, AccessionStage


def recent_accessions(*, limit: int = 8) -> list[Accession]:
    return list(
        Accession.objects.select_related(
            "market_access__product", "market_access__country", "event"
        ).order_by("-year", "-pk")[:limit]
    )


def accession_list() -> QuerySet[Accession]:
    """Accessions with their product, country, event and stages (in procedure order)."""
    return Accession.objects.select_related(
        "market_access__product", "market_access__country", "event"
    ).prefetch_related(
        Prefetch("stages", queryset=AccessionStage.objects.order_by("occurred_on", "pk"))
    )


def accessions_per_year_and_country() -> list[Mapping[str, Any]]:
    return list(
        Accession.objects.order_by()
        .values("year", iso2=F("market_access__country__iso2"))
        .annotate(n=Count("pk"))
        .order_by("year", "iso2")
    )


def accession_api_list() -> QuerySet[Accession]:
    return (
        Accession.objects.select_related(
            "market_access__product", "market_access__country", "event"
        )
        .prefetch_related(
            Prefetch("stages", queryset=AccessionStage.objects.order_by("occurred_on", "pk"))
        )
        .order_by("-year", "id")
    )
