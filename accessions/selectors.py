"""Shared reads of the accessions app: querysets with their joins set, so no caller forgets them."""

from __future__ import annotations

from django.db.models import QuerySet

from accessions.models import Accession, EstablishmentRegistration, MarketAccess


# --- The public API's lists (issue 4) ---------------------------------------------------------


def market_access_api_list() -> QuerySet[MarketAccess]:
    from django.db.models import Prefetch

    from registry.models import Port

    return MarketAccess.objects.select_related("product", "country").prefetch_related(
        Prefetch("allowed_ports", queryset=Port.objects.order_by("code"))
    )


def accession_api_list() -> QuerySet[Accession]:
    from django.db.models import Prefetch

    from accessions.models import AccessionStage

    return (
        Accession.objects.select_related(
            "market_access__product", "market_access__country", "event"
        )
        .prefetch_related(
            Prefetch("stages", queryset=AccessionStage.objects.order_by("occurred_on", "pk"))
        )
        .order_by("-year", "id")
    )


def establishment_api_list() -> QuerySet[EstablishmentRegistration]:
    from django.db.models import Prefetch

    from registry.models import Product

    return (
        EstablishmentRegistration.objects.select_related("country", "regime")
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("slug")))
        .order_by("valid_until", "registration_number")
    )
