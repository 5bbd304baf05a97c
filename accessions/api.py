"""API v1: the access list, its history, accessions, establishment registrations, the eligibility
question (single and bulk) and the change feed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import OrderedDict
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import F
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accessions.eligibility import EligibilityQuestion, check_eligibility, check_eligibility_batch
from accessions.filters import ApiAccessionFilter, EstablishmentFilter, MarketAccessFilter
from accessions.selectors import (
    accession_api_list,
    establishment_api_list,
    market_access_api_list,
)
from accessions.serializers import (
    MAX_BULK_CHECKS,
    AccessionSerializer,
    BulkInputSerializer,
    BulkResponseSerializer,
    ChangePageSerializer,
    EligibilityAnswerSerializer,
    EligibilityInputSerializer,
    EstablishmentSerializer,
    HistoryEntrySerializer,
    MarketAccessDetailSerializer,
    MarketAccessListSerializer,
)
from registry.api import (
    ApiView,
    BoundedCursorPagination,
    BoundedPageNumberPagination,
    ConditionalGetMixin,
    DetailApiView,
    HasApiKey,
    ListApiView,
    ParameterError,
    StrictOrderingFilter,
    _bounded_page_size,
    _event_models,
    decode_cursor,
    detail_schema,
    encode_cursor,
    list_schema,
    problem_responses,
)
from registry.common import DomainError

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

    def get_queryset(self):
        # Plain columns to order by: the cursor stores the value of the first ordering field.
        return market_access_api_list().annotate(
            country_iso2=F("country__iso2"), product_slug=F("product__slug")
        )


@extend_schema_view(get=detail_schema(MarketAccessDetailSerializer, summary="An access entry"))
class MarketAccessDetailView(DetailApiView):
    serializer_class = MarketAccessDetailSerializer

    def get_queryset(self):
        return market_access_api_list()


def _event_data(event) -> dict[str, Any]:
    data = {}
    for field in event._meta.concrete_fields:
        if field.name.startswith("pgh_"):
            continue
        data[field.attname] = getattr(event, field.attname)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


_ACTIONS = {
    "insert": "created",
    "update": "updated",
    "delete": "deleted",
    "link.add": "created",
    "link.remove": "deleted",
}


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
        event_model = apps.get_model("accessions", "MarketAccessEvent")
        return event_model.objects.filter(pgh_obj_id=self.kwargs["pk"]).order_by("pgh_id")

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        if not page:
            from accessions.models import MarketAccess

            if not MarketAccess.objects.filter(pk=self.kwargs["pk"]).exists():
                raise Http404
        previous = queryset.filter(pgh_id__lt=page[0].pgh_id).last() if page else None
        before = _event_data(previous) if previous is not None else None
        entries = []
        for event in page:
            data = _event_data(event)
            changes = {}
            if before is not None and event.pgh_label == "update":
                changes = {
                    name: [before.get(name), value]
                    for name, value in data.items()
                    if before.get(name) != value and name != "updated_at"
                }
            entries.append(
                {
                    "id": event.pgh_id,
                    "occurred_at": event.pgh_created_at,
                    "action": _ACTIONS.get(event.pgh_label, event.pgh_label),
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


# --- Eligibility ---------------------------------------------------------------------------------

ELIGIBILITY_PARAMETERS = [
    OpenApiParameter(
        "product", str, required=True, description="Slug, HS code (6 digits) or product name."
    ),
    OpenApiParameter(
        "country", str, required=True, pattern="^[A-Za-z]{2}$", description="ISO alpha-2."
    ),
    OpenApiParameter("port", str, pattern="^[A-Za-z0-9_-]{1,40}$", description="Port code."),
    OpenApiParameter("date", OpenApiTypes.DATE, description="The date asked about; default today."),
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="Alias of `date`."),
    OpenApiParameter(
        "establishment",
        str,
        pattern="^[Cc][A-Za-z]{3}[0-9]{14}$",
        description="GACC registration number of the producer.",
    ),
]


# Rendered answers this process served lately, in front of the shared cache (Redis): the key holds
# the data version, so an entry is never stale; the size bounds memory (~3 KB an answer).
_LOCAL_ANSWERS: OrderedDict[str, bytes] = OrderedDict()
_LOCAL_ANSWERS_SIZE = 2048


def _remember(key: str, rendered: bytes) -> None:
    _LOCAL_ANSWERS[key] = rendered
    _LOCAL_ANSWERS.move_to_end(key)
    while len(_LOCAL_ANSWERS) > _LOCAL_ANSWERS_SIZE:
        _LOCAL_ANSWERS.popitem(last=False)


class _AnswerView(ApiView):
    def get(self, request, *args, **kwargs):
        return self._answer(request)


@extend_schema_view(
    get=extend_schema(
        summary="May this product enter China?",
        parameters=ELIGIBILITY_PARAMETERS,
        responses={
            200: EligibilityAnswerSerializer,
            **problem_responses(304, 400, 429),
        },
    )
)
class EligibilityView(ConditionalGetMixin, _AnswerView):
    """The eligibility answer: verdict, reasons (stable codes, translated messages), conditions,
    the access record, applicable regulations (a union's acts included), allowed ports, sources
    and a permalink. An HS code or name matching several products is a 400 listing them.

    Answers are cached per data version, so a repeated question costs one query and a change to
    the registry is never answered from a stale cache.
    """

    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def _answer(self, request):
        # Keyed by the raw question, so a repeated question skips validation and rendering:
        # only valid questions are ever stored. The data version in the key makes it exact.
        validators = getattr(self, "conditional_validators", None)
        cache_key = None
        if validators is not None:
            basis = [
                validators[0],
                sorted(request.query_params.lists()),
                get_language(),
                request.build_absolute_uri("/"),
                timezone.localdate().isoformat(),  # no date given means today
            ]
            digest = hashlib.sha256(json.dumps(basis).encode()).hexdigest()
            cache_key = f"api:eligibility:{digest}"
            cached = _LOCAL_ANSWERS.get(cache_key) or cache.get(cache_key)
            if cached is not None:
                _remember(cache_key, cached)
                return HttpResponse(cached, content_type="application/json")
        question = EligibilityInputSerializer(data=request.query_params)
        question.is_valid(raise_exception=True)
        data = question.validated_data
        answer = check_eligibility(
            product=data["product"],
            country=data["country"],
            port=data["port"],
            on=data["date"] or timezone.localdate(),
            establishment=data["establishment"],
        )
        body = EligibilityAnswerSerializer(answer, context={"request": request}).data
        rendered = JSONRenderer().render(body)
        if cache_key is not None:
            cache.set(cache_key, rendered, settings.API_ANSWER_CACHE_SECONDS)
            _remember(cache_key, rendered)
        return HttpResponse(rendered, content_type="application/json")


@extend_schema_view(
    post=extend_schema(
        summary="Many eligibility questions at once (API key)",
        request=BulkInputSerializer,
        responses={200: BulkResponseSerializer, **problem_responses(400, 401, 429)},
        description=(
            f"Up to {MAX_BULK_CHECKS} questions in `checks`; one result per question, in order, "
            "each with its 1-based `line`. A malformed body is a 400 naming every bad line; a "
            "question that cannot be answered (an ambiguous product) has `ok: false` and an "
            "`error`. Answered with a fixed number of queries, whatever the number of lines."
        ),
    )
)
class EligibilityBulkView(ApiView):
    permission_classes = [HasApiKey]

    def post(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise ParameterError("checks", _('The body is an object: {"checks": [...]}.'))
        payload = BulkInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        today = timezone.localdate()
        questions = [
            EligibilityQuestion(
                product=item["product"],
                country=item["country"],
                port=item["port"],
                on=item["date"] or today,
                establishment=item["establishment"],
            )
            for item in payload.validated_data["checks"]
        ]
        results = []
        context = {"request": request}
        for line, (question, outcome) in enumerate(
            zip(questions, check_eligibility_batch(questions), strict=True), start=1
        ):
            if isinstance(outcome, DomainError):
                results.append(
                    {
                        "line": line,
                        "ok": False,
                        "error": {
                            "code": outcome.code,
                            "detail": outcome.message,
                            **(
                                {"candidates": outcome.extra["candidates"]}
                                if "candidates" in outcome.extra
                                else {}
                            ),
                        },
                        "verdict": "unknown",
                        "as_of": question.on,
                        "query": {
                            "product": question.product.strip(),
                            "country": question.country.strip().upper(),
                            "port": question.port.strip().lower(),
                            "date": question.on.isoformat(),
                            "establishment": question.establishment.strip().upper(),
                        },
                        "reasons": [],
                        "conditions": [],
                        "product": None,
                        "country": None,
                        "port": None,
                        "establishment": None,
                        "access": None,
                        "regulations": [],
                        "allowed_ports": [],
                        "sources": [],
                        "is_illustrative": False,
                        "permalink": "",
                    }
                )
                continue
            body = dict(EligibilityAnswerSerializer(outcome, context=context).data)
            results.append({"line": line, "ok": True, "error": None, **body})
        return Response({"count": len(results), "results": results})


# --- The change feed ----------------------------------------------------------------------------


def _feed_horizon() -> dt.datetime:
    """Changes are served only up to the start of the oldest transaction still running.

    History rows carry their transaction's start time (pghistory's NOW()), so a transaction that
    started earlier but commits later would insert rows *behind* a consumer's cursor. Holding the
    feed back to the oldest open transaction means nothing can ever appear behind a cursor.
    Read before the rows themselves, in its own statement.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT LEAST(
                clock_timestamp(),
                (SELECT MIN(xact_start) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()
                   AND xact_start IS NOT NULL)
            )
            """
        )
        return cursor.fetchone()[0]


def _tracked_models() -> dict[str, Any]:
    return {m.pgh_tracked_model._meta.label_lower: m for m in _event_models()}


@extend_schema_view(
    get=extend_schema(
        summary="Changes since a cursor or time (API key)",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="Start at this time (ISO 8601 date or date-time).",
            ),
            OpenApiParameter("cursor", str, description="Continue after this cursor."),
            OpenApiParameter(
                "model", str, enum=sorted(_tracked_models()), description="Only this record type."
            ),
            OpenApiParameter("page_size", int, description="1–1000, default 100."),
        ],
        responses={200: ChangePageSerializer, **problem_responses(400, 401, 429)},
    )
)
class ChangeFeedView(ApiView):
    """Every create, update and delete in order, after a cursor or a time, so a consumer can
    mirror the registry incrementally: store `cursor` and pass it back next time.

    Order: (time of the change's transaction, record type, event id). A change whose transaction
    is still open is held back until it commits, so a cursor never skips a late commit.
    """

    permission_classes = [HasApiKey]

    def get(self, request, *args, **kwargs):
        params = request.query_params
        size = _bounded_page_size(request, "page_size", 100, 1000)
        models_by_label = _tracked_models()
        model = params.get("model", "")
        if model and model not in models_by_label:
            raise ParameterError(
                "model", _("Choose one of: %(m)s.") % {"m": ", ".join(sorted(models_by_label))}
            )
        position = self._position(params)
        horizon = _feed_horizon()
        chosen = [models_by_label[model]] if model else list(models_by_label.values())
        qn = connection.ops.quote_name
        parts, args = [], []
        for event_model in chosen:
            label = event_model.pgh_tracked_model._meta.label_lower
            # Records point at their object; link rows (allowed ports, registration products)
            # are their own object, added and removed.
            obj = "pgh_obj_id" if hasattr(event_model, "pgh_obj") else "id"
            parts.append(
                f"(SELECT e.pgh_id, e.pgh_created_at, %s::text AS model, e.pgh_label, "  # noqa: S608
                f"e.{obj}::text AS obj, row_to_json(e)::text AS data "
                f"FROM {qn(event_model._meta.db_table)} e "
                f"WHERE (e.pgh_created_at, %s::text, e.pgh_id) > (%s, %s, %s) "
                f"AND e.pgh_created_at < %s "
                f"ORDER BY e.pgh_created_at, e.pgh_id LIMIT %s)"
            )
            args.extend([label, label, *position, horizon, size + 1])
        sql = f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS feed ORDER BY 2, 3, 1 LIMIT %s"  # noqa: S608
        args.append(size + 1)
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            rows = cursor.fetchall()
        has_more = len(rows) > size
        rows = rows[:size]
        results = []
        for pgh_id, created_at, label, action, obj, data in rows:
            record = {k: v for k, v in json.loads(data).items() if not k.startswith("pgh_")}
            results.append(
                {
                    "cursor": encode_cursor([created_at.isoformat(), label, pgh_id]),
                    "occurred_at": created_at,
                    "model": label,
                    "object_id": obj,
                    "action": _ACTIONS.get(action, action),
                    "data": record,
                }
            )
        cursor_token = (
            results[-1]["cursor"]
            if results
            else encode_cursor([position[0].isoformat(), position[1], position[2]])
        )
        next_url = None
        if has_more:
            query = params.copy()
            query.pop("since", None)
            query["cursor"] = cursor_token
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        response = Response(
            {"results": results, "cursor": cursor_token, "next": next_url, "has_more": has_more}
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @staticmethod
    def _position(params) -> tuple[dt.datetime, str, int]:
        token, since = params.get("cursor"), params.get("since")
        if token and since:
            raise ParameterError("since", _("Give since or cursor, not both."))
        if token:
            value = decode_cursor(token)
            try:
                stamp = parse_datetime(value[0]) if value else None
                label, pgh_id = str(value[1]), int(value[2])
                stamp = stamp.astimezone(dt.UTC) if stamp and stamp.tzinfo else None
            except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
                stamp = None
            if stamp is None or not 0 <= pgh_id < 2**63 or len(label) > 100:
                raise ParameterError("cursor", _("The cursor is not valid."))
            return stamp, label, pgh_id
        if since:
            try:
                stamp = parse_datetime(since)
                if stamp is None and (day := parse_date(since)) is not None:
                    stamp = dt.datetime.combine(day, dt.time.min)
            except ValueError:
                stamp = None
            if stamp is None:
                raise ParameterError(
                    "since", _("Give an ISO 8601 date or date-time, e.g. 2024-01-31T12:00:00Z.")
                )
            try:
                stamp = (
                    stamp.replace(tzinfo=dt.UTC)
                    if timezone.is_naive(stamp)
                    else stamp.astimezone(dt.UTC)
                )
            except (OverflowError, ValueError) as exc:
                raise ParameterError("since", _("The time is out of range.")) from exc
            return stamp, "", 0
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC), "", 0


# Response schemas for the catalogue's text/binary exports are declared in registry.api.
__all__ = [
    "AccessionListView",
    "ChangeFeedView",
    "EligibilityBulkView",
    "EligibilityView",
    "EstablishmentListView",
    "MarketAccessDetailView",
    "MarketAccessHistoryView",
    "MarketAccessListView",
    "OpenApiResponse",
]
