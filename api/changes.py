"""API v1: the change feed, every create, update and delete in order, so a consumer can
mirror the registry."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.response import Response

from api.auth import HasApiKey
from api.base import (
    ApiView,
    problem_responses,
)
from api.caching import event_models
from api.errors import ParameterError
from api.paging import (
    bounded_page_size,
    decode_cursor,
    encode_cursor,
)
from registry.common import HISTORY_ACTIONS


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
        size = bounded_page_size(request, "page_size", 100, 1000)
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
        parts: list[str] = []
        sql_args: list[Any] = []
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
            sql_args.extend([label, label, *position, horizon, size + 1])
        sql = f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS feed ORDER BY 2, 3, 1 LIMIT %s"  # noqa: S608
        sql_args.append(size + 1)
        with connection.cursor() as cursor:
            cursor.execute(sql, sql_args)
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
        response = Response(
            {"results": results, "cursor": cursor_token, "next": next_url, "has_more": has_more}
        )
        response["Cache-Control"] = "private, no-store"
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
