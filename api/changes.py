"""API v1: the change feed, every create, update and delete in order, so a consumer can
mirror the registry."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accessions.changes.base import (
    Change,
    ChangeKind,
    ChangesBetween,
    Meaning,
    RecordKind,
)
from accessions.changes.between import changes_between
from accessions.filters import ChangesBetweenForm
from api.auth import HasApiKey
from api.base import (
    FORMAT_PARAMETER,
    ApiView,
    problem_responses,
)
from api.caching import ConditionalGetMixin, event_models
from api.errors import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, ParameterError
from api.exports import CSVRenderer, XLSXRenderer, export_cell, stream_csv, stream_xlsx
from api.paging import (
    bounded_page_size,
    decode_cursor,
    encode_cursor,
)
from registry.history import HISTORY_ACTIONS, history_feed_rows, history_horizon
from registry.replicas import read_connection, wal_replayed


class ChangeSerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text="Resume after this change.")
    occurred_at = serializers.DateTimeField()
    model = serializers.CharField(help_text="app.Model of the record, e.g. accessions.marketaccess")
    object_id = serializers.CharField()
    action = serializers.ChoiceField(choices=["created", "updated", "deleted"])
    # Shadows Serializer.data in the stubs only: the metaclass takes declared fields off.
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="The record after the change (before, for deletes)."
    )


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    cursor = serializers.CharField(
        help_text="Opaque: pass as `cursor` to continue (also when this page was empty)."
    )
    next = serializers.URLField(allow_null=True, help_text="The next page, when there is more.")
    has_more = serializers.BooleanField()


# --- The change feed ----------------------------------------------------------------------------


def _feed_horizon() -> tuple[dt.datetime, Any]:
    """Changes are served only up to the start of the oldest transaction still running; returns
    that horizon and the connection to read the changes on.

    History rows carry their transaction's start time (pghistory's NOW()), so a transaction that
    started earlier but commits later would insert rows *behind* a consumer's cursor. Holding the
    feed back to the oldest open transaction means nothing can ever appear behind a cursor.
    Read before the rows themselves, in its own statement.

    Only the primary sees its open transactions, so the horizon is always read there; the rows
    may then be read on the request's replica (registry.replicas) once it has replayed the
    primary's WAL up to the point where the horizon was taken (every transaction that started
    before the horizon had committed by then), else on the primary. Without the primary the
    feed cannot know its horizon: 503, never a page that could skip a change.
    """
    rows_on = read_connection()
    primary = connections[DEFAULT_DB_ALIAS]
    try:
        horizon, position = history_horizon(primary)
    except OperationalError as error:
        raise FeedUnavailable() from error
    if rows_on.alias != DEFAULT_DB_ALIAS and not wal_replayed(rows_on, position):
        rows_on = primary
    return horizon, rows_on


class FeedUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = gettext_lazy("The change feed is unavailable for a moment; try again.")
    default_code = "feed_unavailable"


def _tracked_models() -> dict[str, Any]:
    # pgh_tracked_model is set on each event model by pghistory.
    return {m.pgh_tracked_model._meta.label_lower: m for m in event_models()}  # type: ignore[attr-defined]


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
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": 1000},
                description="1–1000, default 100.",
            ),
        ],
        responses={200: ChangePageSerializer, **problem_responses(400, 401, 429, 503)},
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
        size = bounded_page_size(request, "page_size", 100, 1000)
        models_by_label = _tracked_models()
        model = params.get("model", "")
        if model and model not in models_by_label:
            raise ParameterError(
                "model", _("Choose one of: %(m)s.") % {"m": ", ".join(sorted(models_by_label))}
            )
        position = self._position(params)
        horizon, db = _feed_horizon()
        chosen = [models_by_label[model]] if model else list(models_by_label.values())
        rows = history_feed_rows(db, chosen, position, horizon, size + 1)
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
                    "action": HISTORY_ACTIONS.get(action, action),
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
        # Rendered here, so the page's objects are freed as soon as the bytes exist: a DRF
        # Response keeps its data until the request/view reference cycle (below) is collected.
        page = {"results": results, "cursor": cursor_token, "next": next_url, "has_more": has_more}
        response = HttpResponse(
            request.accepted_renderer.render(
                page,
                request.accepted_media_type,
                self.get_renderer_context(),
            ),
            content_type=request.accepted_media_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        # DRF's view and request point at each other (request.parser_context["view"]), a cycle
        # that waits for Python's collector; the view also keeps the response. Without that
        # link the page's bytes are freed when the server is done with the response, so a
        # consumer catching up 100 pages of 1,000 changes costs no memory per page.
        del self.response
        return response

    @staticmethod
    def _position(params) -> tuple[dt.datetime, str, int]:
        token, since = params.get("cursor"), params.get("since")
        if token:  # a cursor continues a feed; a `since` kept from its first page is moot
            value = decode_cursor(token) or []
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


# --- What changed between two dates -------------------------------------------------------------


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The record's field, e.g. valid_from.")
    # Declared fields shadow Field attributes only in the stubs: the metaclass takes them off.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="The field's name in the requested language."
    )
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class BetweenChangeSerializer(serializers.Serializer):
    meaning = serializers.ChoiceField(choices=Meaning.choices)
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    kind_label = serializers.CharField()
    record = serializers.ChoiceField(choices=RecordKind.choices)
    record_id = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    on = serializers.DateField(
        allow_null=True,
        help_text="legal: the first day of the new state; edits: the day it was recorded; "
        "null for a status whose date is not recorded.",
    )
    on_precision = serializers.CharField(allow_blank=True)
    recorded_at = serializers.DateTimeField(allow_null=True, help_text="edits: when recorded.")
    country = serializers.CharField(allow_null=True, source="country.iso2", default=None)
    products = serializers.SerializerMethodField()
    fields = FieldChangeSerializer(many=True)  # type: ignore[assignment]  # see above
    instrument = serializers.CharField(
        allow_blank=True, help_text="The instrument, its reference in the answer's language."
    )
    instrument_language = serializers.CharField(
        help_text="The language of the instrument's reference as given: en, zh or ru."
    )
    instrument_translated_by_registry = serializers.BooleanField(
        help_text="The reference is the registry's translation, not an official text."
    )
    instrument_date = serializers.DateField(allow_null=True)
    source = serializers.CharField(allow_blank=True)  # type: ignore[assignment]  # see above
    source_zh = serializers.CharField(
        allow_blank=True, help_text="The source in Chinese: the registry's translation."
    )
    source_ru = serializers.CharField(
        allow_blank=True, help_text="The source in Russian: the registry's translation."
    )
    source_url = serializers.CharField(allow_blank=True)
    confidence = serializers.CharField(allow_blank=True)
    is_illustrative = serializers.BooleanField()
    access_id = serializers.IntegerField(allow_null=True)
    regulation_id = serializers.IntegerField(allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_products(self, change: Change) -> list[str]:
        return [product.slug for product in change.products]


class ChangesBetweenSerializer(serializers.Serializer):
    meaning = serializers.ChoiceField(choices=Meaning.choices)
    meaning_label = serializers.SerializerMethodField()
    start = serializers.DateField(help_text="`from`, included.")
    end = serializers.DateField(help_text="`to`, included.")
    country = serializers.CharField(allow_null=True, source="country.iso2", default=None)
    product = serializers.CharField(allow_null=True, source="product.slug", default=None)
    hs_chapter = serializers.CharField(allow_blank=True)
    in_force_before = serializers.IntegerField(
        allow_null=True,
        help_text="legal: access entries in force on the day before `from` (null for edits).",
    )
    in_force_after = serializers.IntegerField(
        allow_null=True, help_text="legal: access entries in force on `to` (null for edits)."
    )
    history_supported = serializers.BooleanField(
        help_text="edits: false where no history is recorded (the embedded SQLite mode)."
    )
    truncated = serializers.BooleanField(help_text="edits: the answer was cut at 5,000 changes.")
    changes = BetweenChangeSerializer(many=True)
    undated = BetweenChangeSerializer(
        many=True, help_text="legal: status changes whose date the records do not hold."
    )

    @extend_schema_field(serializers.CharField())
    def get_meaning_label(self, result: ChangesBetween) -> str:
        return str(Meaning(result.meaning).label)


BETWEEN_COLUMNS = [
    "meaning",
    "on",
    "on_precision",
    "recorded_at",
    "kind",
    "record",
    "record_id",
    "title",
    "country",
    "products",
    "field",
    "old",
    "new",
    "instrument",
    "instrument_date",
    "source",
    "source_url",
    "confidence",
    "is_illustrative",
]


def between_rows(result: ChangesBetween) -> Iterator[list[Any]]:
    """One export row per changed field (a change without fields is one row), undated last."""
    for change in [*result.changes, *result.undated]:
        data = BetweenChangeSerializer(change).data
        for item in data["fields"] or [{"field": "", "old": None, "new": None}]:
            row = {**data, "field": item["field"], "old": item["old"], "new": item["new"]}
            yield [export_cell(row.get(name)) for name in BETWEEN_COLUMNS]


def between_question(params) -> dict[str, Any]:
    """The validated question; each invalid parameter is a 400 naming it."""
    form = ChangesBetweenForm(params)
    if not form.is_valid():
        raise serializers.ValidationError(
            {name: [str(message) for message in messages] for name, messages in form.errors.items()}
        )
    data = form.cleaned_data
    return {
        "start": data["from"],
        "end": data["to"],
        "meaning": data["meaning"],
        "country": data["country"],
        "product": data["product"],
        "hs_chapter": data["hs_chapter"],
    }


@extend_schema_view(
    get=extend_schema(
        summary="What changed between two dates",
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter(
                "from", OpenApiTypes.DATE, required=True, description="First day (included)."
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, required=True, description="Last day (included)."
            ),
            OpenApiParameter(
                "meaning",
                str,
                enum=Meaning.values,
                description="legal (default): what took legal effect, by the records' validity "
                "dates; edits: what was recorded in the registry between the dates.",
            ),
            OpenApiParameter("country", str, pattern="^[A-Za-z]{2}$", description="ISO alpha-2."),
            OpenApiParameter(
                "product",
                {"type": "string", "minLength": 1, "maxLength": 200},
                description="Slug, name in any language, alias or HS code.",
            ),
            OpenApiParameter(
                "hs_chapter", str, pattern="^[0-9]{2}$", description="Two-digit HS chapter."
            ),
        ],
        responses={
            (200, "application/json"): ChangesBetweenSerializer,
            (200, CSV_CONTENT_TYPE): OpenApiTypes.STR,
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            **problem_responses(304, 400, 429),
        },
    )
)
class ChangesBetweenView(ConditionalGetMixin, ApiView):
    """What changed between `from` and `to` (both included), for a country, a product, an HS
    chapter or everything, field by field with the instrument of each change. Two meanings,
    never mixed: `legal` compares what was in force (by the records' validity dates: access that
    came into force or ended, protocols signed, dated conditions, regulations in force or
    superseded, registrations registered, extended or expired); `edits` lists what was recorded
    in the registry between the dates (history events), whatever legal date it carries.
    """

    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]

    def get(self, request, *args, **kwargs):
        question = between_question(request.query_params)
        result = changes_between(**question)
        fmt = getattr(request.accepted_renderer, "format", "json")
        if fmt not in ("csv", "xlsx"):
            return Response(ChangesBetweenSerializer(result).data)
        title = f"changes-{result.meaning}-{result.start}-{result.end}"
        if fmt == "csv":
            response = StreamingHttpResponse(
                stream_csv(BETWEEN_COLUMNS, between_rows(result)),
                content_type=f"{CSV_CONTENT_TYPE}; charset=utf-8",
            )
        else:
            response = StreamingHttpResponse(
                stream_xlsx(BETWEEN_COLUMNS, between_rows(result), "changes"),
                content_type=XLSX_CONTENT_TYPE,
            )
        response["Content-Disposition"] = f'attachment; filename="{title}.{fmt}"'
        return response
