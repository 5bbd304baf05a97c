"""The registry-edit history (django-pghistory): who changed what and why, the context of a
request or job, the diff of two events."""

from __future__ import annotations

import contextlib
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
    (api/changes.py; 100,000 events: bench/RESULTS.md). A new Index per model (Django names it)."""
    return {"indexes": [models.Index(fields=["pgh_created_at", "pgh_id"])]}


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
