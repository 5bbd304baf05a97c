"""API v1: the access list and the history of its entries, accessions, establishment
registrations."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Sequence
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

from accessions.filters import ApiAccessionFilter, EstablishmentFilter, MarketAccessFilter
from accessions.lists import ACCESS
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
from api.base import (
    ApiView,
    DetailApiView,
    ListApiView,
    detail_schema,
    list_schema,
    problem_responses,
)
from api.export_serializers import EstablishmentExportSerializer
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
from registry.lists import DATE
from registry.localize import content_language

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


Render = Callable[[dict[str, Any]], Any]


def _date_of(key: str) -> Render:
    return lambda row: _day(row[key])


def _renderers(
    product_names: list[str],
    country_names: list[str],
    ports: dict[int, list[str]],
    states: dict[int, list[dict[str, Any]]],
) -> list[tuple[str, Render]]:
    """How each declared column of the access list (accessions.lists.ACCESS, in its order) is
    rendered from a plain row: a date as ISO text, the product and country as their objects,
    the ports and states from their own reads, any other column as the row holds it."""
    updated_at = _updated_at_representation()
    special: dict[str, Render] = {
        "product": lambda row: {
            "slug": row["product__slug"],
            "name": next((row[key] for key in product_names if row[key]), ""),
            "hs_code": row["product__hs_code"],
        },
        "country": lambda row: {
            "iso2": row["country__iso2"],
            "name": next((row[key] for key in country_names if row[key]), ""),
        },
        "status": lambda row: row.get("status_shown") or row["status"],
        "allowed_ports": lambda row: ports[row["id"]],
        "updated_at": lambda row: updated_at(row["updated_at"]),
        "states": lambda row: states[row["id"]],
    }
    dates = {column.name for column in ACCESS.columns if column.format == DATE}
    renderers: list[tuple[str, Render]] = []
    for name in ACCESS.public_names():
        if name in special:
            renderers.append((name, special[name]))
        elif name in dates:
            renderers.append((name, _date_of(name)))
        else:
            renderers.append((name, operator.itemgetter(name)))
    return renderers


def access_entries(
    rows: Sequence[dict[str, Any]],
    ports: dict[int, list[str]],
    states: dict[int, list[dict[str, Any]]] | None = None,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """The access list's entries from plain rows (`market_access_rows`), their ports and their
    series of states (`state_series_by_entry`; read here with one query when not given), exactly
    as MarketAccessListSerializer renders them: both read the list's one declaration
    (accessions.lists.ACCESS), and tests/api/test_access_plain.py compares them for every seeded
    entry, in every language, and checks them against the schema. Names are in the active
    language with the model's fallback (`registry.localize.localized`). A row that carries
    `status_shown` (the status on the date a list is asked `as_of`) shows it as its status."""
    if states is None:
        states = state_series_by_entry([row["id"] for row in rows])
    suffix = content_language(language)
    order = list(dict.fromkeys((suffix, "en", "zh", "ru")))
    renderers = _renderers(
        [f"product__name_{candidate}" for candidate in order],
        [f"country__name_{candidate}" for candidate in order],
        ports,
        states,
    )
    return [{name: render(row) for name, render in renderers} for row in rows]


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
        """A JSON page from plain rows (no model instances, no nested serializers: ~75% of the
        page's time at 500,000 entries, bench/RESULTS.md): on PostgreSQL one statement reads
        the page's rows with their ports, one more their series of states (the data-version
        probe is the other query)."""
        if getattr(request.accepted_renderer, "format", "json") != "json":
            return super().list(request, *args, **kwargs)  # the exports
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
