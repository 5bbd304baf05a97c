"""The registry-edit history (django-pghistory): who changed what and why, the context of a
request or job, the diff of two events."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pghistory
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models


def history_supported() -> bool:
    """History triggers exist only on PostgreSQL; the embedded SQLite mode records none."""
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def history_context(**metadata: Any) -> Iterator[None]:
    """Attach who/why to every change recorded inside the block (bulk updates by code included)."""
    if not history_supported():
        yield
        return
    with pghistory.context(**metadata):
        yield


def event_data(event: models.Model) -> dict[str, Any]:
    """A history event's copy of its record, as JSON values (the pgh_* bookkeeping left out)."""
    data = {
        field.attname: getattr(event, field.attname)
        for field in event._meta.concrete_fields
        if not field.name.startswith("pgh_")
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# What a recorded event did, as the API names it (link rows are added and removed).
HISTORY_ACTIONS = {
    "insert": "created",
    "update": "updated",
    "delete": "deleted",
    "link.add": "created",
    "link.remove": "deleted",
}
# Bookkeeping columns that change with every save and say nothing about the record.
HISTORY_IGNORED_FIELDS = frozenset({"updated_at"})


def history_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, list[Any]]:
    """What one recorded change changed: field -> [before, after]. The one history diff, read by
    the API's history endpoint and the web page of an access entry."""
    if before is None:
        return {}
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if name not in HISTORY_IGNORED_FIELDS and before.get(name) != value
    }


class HistoryContextMiddleware:
    """pghistory's middleware, but a no-op on SQLite (where it would inject PostgreSQL SQL)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in {"GET", "HEAD", "OPTIONS"} or not history_supported():
            return self.get_response(request)
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        with pghistory.context(user=user_id, url=request.path):
            return self.get_response(request)


def history_meta() -> dict[str, Any]:
    """The Meta of every history event model: an index in the change feed's order (time, then
    event id), so each feed page is an index range scan, not a sort of the whole event table
    (history_feed_rows; 100,000 events: bench/RESULTS.md). A new Index per model (Django names
    it)."""
    return {"indexes": [models.Index(fields=["pgh_created_at", "pgh_id"])]}


def history_horizon(primary: Any) -> tuple[dt.datetime, str | None]:
    """Read on the primary: the start of the oldest transaction still running on its database
    (now, when none is), and its WAL insert position then (None on a standby). The change feed
    serves no event at or past that time, so a transaction that commits late cannot insert rows
    behind a consumer's cursor (api.changes)."""
    with primary.cursor() as cursor:
        cursor.execute(
            """
            SELECT LEAST(
                clock_timestamp(),
                (SELECT MIN(xact_start) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()
                   AND xact_start IS NOT NULL)
            ), CASE WHEN pg_is_in_recovery() THEN NULL
               ELSE pg_current_wal_insert_lsn()::text END
            """
        )
        horizon, position = cursor.fetchone()
    return horizon, position


def history_feed_rows(
    db: Any,
    event_models: list[type[models.Model]],
    after: tuple[dt.datetime, str, int],
    horizon: dt.datetime,
    limit: int,
) -> list[tuple[Any, ...]]:
    """The change feed's rows on connection `db`: up to `limit` events of the given event models
    after the position `after` (time, record type, event id) and before `horizon`, in the feed's
    order, each (event id, time, record type, pgh_label, object id, the event row as JSON)."""
    qn = db.ops.quote_name
    parts: list[str] = []
    sql_args: list[Any] = []
    for event_model in event_models:
        label = event_model.pgh_tracked_model._meta.label_lower  # type: ignore[attr-defined]
        # Records point at their object; link rows (allowed ports, registration products)
        # are their own object, added and removed.
        obj = "pgh_obj_id" if hasattr(event_model, "pgh_obj") else "id"
        # The feed's order is (time, record type, event id); within one table the type is
        # fixed, so "after the position" is a (time, event id) bound on the index
        # `history_meta` adds: at the position's time every event for a type after the
        # position's, none for a type before it (types compared by the database, as the
        # outer ORDER BY compares them; the CASE of parameters is folded before planning).
        parts.append(
            f"(SELECT e.pgh_id, e.pgh_created_at, %s::text AS model, e.pgh_label, "  # noqa: S608
            f"e.{obj}::text AS obj, row_to_json(e)::text AS data "
            f"FROM {qn(event_model._meta.db_table)} e "
            f"WHERE (e.pgh_created_at, e.pgh_id) > (%s, CASE WHEN %s::text > %s::text "
            f"THEN -1 WHEN %s::text < %s::text THEN {2**63 - 1} ELSE %s::bigint END) "
            f"AND e.pgh_created_at < %s "
            f"ORDER BY e.pgh_created_at, e.pgh_id LIMIT %s)"
        )
        stamp, after_label, after_id = after
        sql_args.extend(
            [label, stamp, label, after_label, label, after_label, after_id, horizon, limit]
        )
    sql = f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS feed ORDER BY 2, 3, 1 LIMIT %s"  # noqa: S608
    sql_args.append(limit)
    with db.cursor() as cursor:
        cursor.execute(sql, sql_args)
        return cursor.fetchall()


def tracked():
    """History for a model with legal effect: every insert, update and delete, written by
    PostgreSQL triggers (django-pghistory), so `QuerySet.update()` and raw SQL are recorded too.
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        meta=history_meta(),
    )
