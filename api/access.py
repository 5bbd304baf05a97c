"""API v1: the access list and the history of its entries, accessions, establishment
registrations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import ValidationError
from django.db.models import Case, F, Func, OuterRef, Subquery, TextField, Value, When
from django.db.models.functions import Concat
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.response import Response

from accessions.filters import (
    ApiAccessionFilter,
    EstablishmentFilter,
    MarketAccessFilter,
)
from accessions.models import AccessState, MarketAccess
from accessions.selectors.access import (
    market_access_api_list,
    market_access_events,
    market_access_page_ports,
    market_access_rows,
)
from accessions.selectors.accessions import accession_api_list
from accessions.selectors.registrations import establishment_api_list
from accessions.states_text import states_text
from accessions.validity import series_order, status_on_annotations
from api.access_page import PageJSONRenderer, access_entries, access_page_json, sql_page_applies
from api.base import (
    ApiView,
    DetailApiView,
    ListApiView,
    detail_schema,
    list_schema,
    problem_responses,
)
from api.export_serializers import EstablishmentExportSerializer
from api.exports import CSVRenderer, XLSXRenderer
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
    state_series_by_entry,
    state_series_prefetch,
)
from registry.history import HISTORY_ACTIONS, event_data, history_changes

# --- The access list ----------------------------------------------------------------------------


class AccessCursorPagination(BoundedCursorPagination):
    ordering = "id"


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
    validity, conditions, allowed ports and its dated legal states (`states`, oldest first).
    `as_of` keeps what was in force on that date, and `status` is then the status on that date.
    Cursor-paged: follow `next`; rows inserted meanwhile never shift a page.
    """

    serializer_class = MarketAccessListSerializer
    filterset_class = MarketAccessFilter
    pagination_class = AccessCursorPagination
    renderer_classes = [PageJSONRenderer, CSVRenderer, XLSXRenderer]
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ["id", "updated_at", "country_iso2", "product_slug"]
    ordering = ["id"]
    ordering_unique_field = "id"  # ties of another ordering in one order (exact cursors)
    export_title = "access"
    # 500,000 rows stream from plain values (bench/scale.py): the serializer per row was ~95%
    # of the export's time. The status is the one shown (on the date asked `as_of`).
    export_paths = {  # noqa: RUF012
        "product": "product__slug",
        "country": "country__iso2",
        "status": "status_shown",
    }
    export_many = {"allowed_ports": ("allowed_ports", "code")}  # noqa: RUF012
    export_computed = ("states",)

    def get_queryset(self):
        # Plain columns to order by: the cursor stores the value of the first ordering field.
        queryset = (
            market_access_api_list()
            .prefetch_related(state_series_prefetch())
            .annotate(country_iso2=F("country__iso2"), product_slug=F("product__slug"))
        )
        on = list_status_date(self.request)
        if on is None:
            return queryset.annotate(status_shown=F("status"))
        # Asked `as_of` a date: each entry shows its status on that date, read from its series
        # as accessions.validity reads it (the SQL form of `derived_status`).
        annotations = status_on_annotations(on)
        status_on = annotations.pop("status_on")
        return queryset.alias(**annotations).annotate(status_shown=status_on)

    def list(self, request, *args, **kwargs):
        """The JSON page: on PostgreSQL one hand-written statement whose rows are the entries'
        JSON (api.access_page: DRF's filter backends, its paging of querysets and rendering
        per row cost ~4× the statement, bench/RESULTS.md); the data-version probe is the other
        query. The embedded SQLite mode reads plain rows through the ORM (two more queries)
        and renders them without serializers."""
        if getattr(request.accepted_renderer, "format", "json") != "json":
            return super().list(request, *args, **kwargs)  # the exports
        if sql_page_applies():
            return Response(access_page_json(request, self))
        queryset = self.filter_queryset(self.get_queryset())
        rows = market_access_rows(queryset, "country_iso2", "product_slug", "status_shown")
        page = cast(list, self.paginate_queryset(rows))  # the view is cursor-paged
        ports = market_access_page_ports(page)  # read with the rows on PostgreSQL
        states = state_series_by_entry([row["id"] for row in page])
        return self.get_paginated_response(access_entries(page, ports, states))

    def export_value(self, name: str, value: Any) -> Any:
        return states_text(value) if name == "states" else value

    def export_batch(self, name: str, ids: Sequence[Any]) -> dict[Any, Any]:
        return {pk: states_text(found) for pk, found in state_series_by_entry(ids).items()}

    def export_expression(self, name: str) -> Any:
        return state_series_text_sql()


def list_status_date(request) -> dt.date | None:
    """The date the access list is asked `as_of` (None when not asked; a malformed value is the
    filter's 400)."""
    value = request.query_params.get("as_of") if request is not None else None
    if not value:
        return None
    try:
        return MarketAccessFilter.base_filters["as_of"].field.clean(value)
    except ValidationError:
        return None


def state_series_text_sql() -> Subquery:
    """`accessions.states_text.states_text` in SQL, over the outer access entry (the PostgreSQL
    export)."""
    day = Func(F("starts_on"), Value("YYYY-MM-DD"), function="to_char", output_field=TextField())
    text = Concat(
        F("kind"),
        Case(
            When(starts_on__isnull=True, then=Value("")),
            default=Concat(Value(" "), day, output_field=TextField()),
            output_field=TextField(),
        ),
        Case(
            When(limited_to="", then=Value("")),
            default=Concat(Value(" ("), F("limited_to"), Value(")"), output_field=TextField()),
            output_field=TextField(),
        ),
        output_field=TextField(),
    )
    return Subquery(
        AccessState.objects.filter(market_access=OuterRef("pk"))
        .order_by()
        .values("market_access")
        .annotate(text=StringAgg(text, delimiter="; ", order_by=series_order()))
        .values("text")[:1],
        output_field=TextField(),
    )


@extend_schema_view(get=detail_schema(MarketAccessDetailSerializer, summary="An access entry"))
class MarketAccessDetailView(DetailApiView):
    serializer_class = MarketAccessDetailSerializer

    def get_queryset(self):
        return market_access_api_list().prefetch_related(state_series_prefetch())


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
    export_serializer_class = EstablishmentExportSerializer  # the declared columns

    def get_queryset(self):
        return establishment_api_list()
