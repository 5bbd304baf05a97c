"""API v1: the access list and the history of its entries, accessions, establishment
registrations."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db.models import F
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics

from accessions.filters import ApiAccessionFilter, EstablishmentFilter, MarketAccessFilter
from accessions.models import MarketAccess
from accessions.selectors import (
    accession_api_list,
    establishment_api_list,
    market_access_api_list,
    market_access_events,
    market_access_page_ports,
    market_access_rows,
)
from api.base import (
    ApiView,
    DetailApiView,
    ListApiView,
    detail_schema,
    list_schema,
    problem_responses,
)
from api.paging import (
    BoundedCursorPagination,
    BoundedPageNumberPagination,
    StrictOrderingFilter,
)
from api.serializers import (
    AccessionSerializer,
    EstablishmentSerializer,
    HistoryEntrySerializer,
    MarketAccessDetailSerializer,
    MarketAccessListSerializer,
)
from registry.common import HISTORY_ACTIONS, content_language, event_data, history_changes

# --- The access list ----------------------------------------------------------------------------


class AccessCursorPagination(BoundedCursorPagination):
    ordering = "id"


# --- The access list's hot path: plain rows rendered without serializers ------------------------


@functools.cache
def _updated_at_representation() -> Callable[[Any], Any]:
    # The serializer's own field (time zone and ISO format as configured), built once.
    return MarketAccessListSerializer().fields["updated_at"].to_representation


def _day(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def access_entries(
    rows: Sequence[dict[str, Any]], ports: dict[int, list[str]], language: str | None = None
) -> list[dict[str, Any]]:
    """The access list's entries from plain rows (`market_access_rows`) and their ports, exactly
    as MarketAccessListSerializer renders them (tests/api/test_access_plain.py compares both for
    every seeded entry, in every language, and checks them against the schema). Names are in the
    active language with the model's fallback (`registry.common.localized`)."""
    suffix = content_language(language)
    order = list(dict.fromkeys((suffix, "en", "zh", "ru")))
    product_names = [f"product__name_{candidate}" for candidate in order]
    country_names = [f"country__name_{candidate}" for candidate in order]
    updated_at = _updated_at_representation()
    # One literal per row, in the serializer's field order (the order the JSON keeps).
    return [
        {
            "id": row["id"],
            "product": {
                "slug": row["product__slug"],
                "name": next((row[key] for key in product_names if row[key]), ""),
                "hs_code": row["product__hs_code"],
            },
            "country": {
                "iso2": row["country__iso2"],
                "name": next((row[key] for key in country_names if row[key]), ""),
            },
            "status": row["status"],
            "instrument_kind": row["instrument_kind"],
            "instrument_ref": row["instrument_ref"],
            "instrument_date": _day(row["instrument_date"]),
            "instrument_date_precision": row["instrument_date_precision"],
            "protocol_signed_on": _day(row["protocol_signed_on"]),
            "valid_from": _day(row["valid_from"]),
            "valid_from_precision": row["valid_from_precision"],
            "valid_until": _day(row["valid_until"]),
            "requires_registered_establishments": row["requires_registered_establishments"],
            "required_site_kind": row["required_site_kind"],
            "allowed_ports": ports[row["id"]],
            "treatment": row["treatment"],
            "pest_free_areas": row["pest_free_areas"],
            "conditions": row["conditions"],
            "source": row["source"],
            "source_url": row["source_url"],
            "confidence": row["confidence"],
            "is_illustrative": row["is_illustrative"],
            "public_note": row["public_note"],
            "updated_at": updated_at(row["updated_at"]),
        }
        for row in rows
    ]


@extend_schema_view(
    get=list_schema(
        MarketAccessListSerializer(many=True),
        summary="The access list",
        parameters=[
            OpenApiParameter(
                "ordering",
                str,
                enum=[
                    "id",
                    "-id",
                    "updated_at",
                    "-updated_at",
                    "country_iso2",
                    "-country_iso2",
                    "product_slug",
                    "-product_slug",
                ],
                description="Sort order (cursor paging follows it).",
            ),
        ],
    )
)
class MarketAccessListView(ListApiView):
    """China's access list: one entry per product and exporting country, with its instrument,
    validity, conditions and allowed ports. `as_of` keeps what was in force on that date.
    Cursor-paged: follow `next`; rows inserted meanwhile never shift a page.
    """

    serializer_class = MarketAccessListSerializer
    filterset_class = MarketAccessFilter
    pagination_class = AccessCursorPagination
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ["id", "updated_at", "country_iso2", "product_slug"]
    ordering = ["id"]
    export_title = "access"
    # 500,000 rows stream from plain values (bench/scale.py): the serializer per row was ~95%
    # of the export's time.
    export_paths = {"product": "product__slug", "country": "country__iso2"}  # noqa: RUF012
    export_many = {"allowed_ports": ("allowed_ports", "code")}  # noqa: RUF012

    def get_queryset(self):
        # Plain columns to order by: the cursor stores the value of the first ordering field.
        return market_access_api_list().annotate(
            country_iso2=F("country__iso2"), product_slug=F("product__slug")
        )

    def list(self, request, *args, **kwargs):
        """A JSON page from plain rows (no model instances, no nested serializers: ~75% of the
        page's time at 500,000 entries, bench/RESULTS.md): on PostgreSQL one statement reads
        the page's rows with their ports (the data-version probe is the other query)."""
        if getattr(request.accepted_renderer, "format", "json") != "json":
            return super().list(request, *args, **kwargs)  # the exports
        queryset = self.filter_queryset(self.get_queryset())
        rows = market_access_rows(queryset, "country_iso2", "product_slug")
        page = cast(list, self.paginate_queryset(rows))  # the view is cursor-paged
        ports = market_access_page_ports(page)  # read with the rows on PostgreSQL
        return self.get_paginated_response(access_entries(page, ports))


@extend_schema_view(get=detail_schema(MarketAccessDetailSerializer, summary="An access entry"))
class MarketAccessDetailView(DetailApiView):
    serializer_class = MarketAccessDetailSerializer

    def get_queryset(self):
        return market_access_api_list()


@extend_schema_view(
    get=extend_schema(
        summary="History of an access entry",
        responses={200: HistoryEntrySerializer(many=True), **problem_responses(400, 404, 429)},
    )
)
class MarketAccessHistoryView(ApiView, generics.ListAPIView):
    """Every change to the entry (who changed it is not public), oldest first, with the fields
    that changed. Recorded by database triggers, so bulk updates and scripts appear too."""

    serializer_class = HistoryEntrySerializer
    pagination_class = BoundedPageNumberPagination
    filter_backends: list = []

    def get_queryset(self):
        return market_access_events(self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = cast(list, self.paginate_queryset(queryset))  # the view is paginated
        if not page and not MarketAccess.objects.filter(pk=self.kwargs["pk"]).exists():
            raise Http404
        previous = queryset.filter(pgh_id__lt=page[0].pgh_id).last() if page else None
        before = event_data(previous) if previous is not None else None
        entries = []
        for event in page:
            data = event_data(event)
            changes = history_changes(before, data) if event.pgh_label == "update" else {}
            entries.append(
                {
                    "id": event.pgh_id,
                    "occurred_at": event.pgh_created_at,
                    "action": HISTORY_ACTIONS.get(event.pgh_label, event.pgh_label),
                    "changes": changes,
                    "data": data,
                }
            )
            before = data
        return self.get_paginated_response(HistoryEntrySerializer(entries, many=True).data)


# --- Accessions and registrations -------------------------------------------------------------


@extend_schema_view(get=list_schema(AccessionSerializer(many=True), summary="Accessions"))
class AccessionListView(ListApiView):
    """How product/country pairs gained access: the GACC procedure's dated stages and the event
    (e.g. the China–Central Asia Summit)."""

    serializer_class = AccessionSerializer
    filterset_class = ApiAccessionFilter
    export_title = "accessions"

    def get_queryset(self):
        return accession_api_list()


@extend_schema_view(
    get=list_schema(EstablishmentSerializer(many=True), summary="Establishment registrations")
)
class EstablishmentListView(ListApiView):
    """Overseas producers registered with GACC; find one by `registration_number`. Records marked
    `is_illustrative` are demo data, not facts."""

    serializer_class = EstablishmentSerializer
    filterset_class = EstablishmentFilter
    export_title = "establishments"

    def get_queryset(self):
        return establishment_api_list()
