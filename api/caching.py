"""HTTP caching of the API: ETag and Last-Modified from the registry's data version (the newest
history event of every tracked table, one indexed query) plus the request itself, so a
conditional request costs one query.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
from collections import OrderedDict
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, models
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.utils.translation import get_language
from rest_framework import status
from rest_framework.response import Response

from registry.history import history_supported
from registry.replicas import read_connection

logger = logging.getLogger(__name__)

_UNTRACKED_TABLES = (
    "registry.ProductAlias",
    "registry.Union",
    "registry.ReportedFigure",
    "regulations.Topic",
    "accessions.DiplomaticEvent",
)


def event_models() -> list[type[models.Model]]:
    from pghistory.models import Event

    return [
        model
        for model in apps.get_models()
        if issubclass(model, Event) and not model._meta.proxy and not model._meta.abstract
    ]


def _through_tables() -> list[type[models.Model]]:
    """Auto-created many-to-many tables of tracked models (allowed ports, registration products,
    regulation topics): pghistory does not track them."""
    tracked = {m.pgh_tracked_model for m in event_models()}  # type: ignore[attr-defined]
    return [
        field.remote_field.through
        for model in tracked
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]


def watched_tables() -> list[str]:
    """The tables whose writes change the data version: the tracked models', the small
    untracked ones and the many-to-many links (api.answer_cache watches writes to them)."""
    tracked = [m.pgh_tracked_model for m in event_models()]  # type: ignore[attr-defined]
    untracked = [apps.get_model(label) for label in _UNTRACKED_TABLES]
    return [m._meta.db_table for m in (*tracked, *untracked, *_through_tables())]


@functools.cache
def _data_version_sql() -> str:
    """One row per table, each an index-only probe; all in one statement.

    Tracked tables: the newest history event (id and time). Small untracked tables: row count and
    highest id. Many-to-many tables (possibly large): highest id, so a link added is seen; a link
    removed without touching its record is not (the admin and services save the record too).
    """
    # Table names come from model metadata (quoted), never from input: no injection possible.
    qn = connection.ops.quote_name
    parts = []
    for index, model in enumerate(event_models()):
        parts.append(
            f"(SELECT {index}, pgh_id, pgh_created_at FROM {qn(model._meta.db_table)} "  # noqa: S608
            f"ORDER BY pgh_id DESC LIMIT 1)"
        )
    offset = len(parts)
    for index, label in enumerate(_UNTRACKED_TABLES, start=offset):
        table = qn(apps.get_model(label)._meta.db_table)
        parts.append(
            f"(SELECT {index}, COUNT(*) * 4294967296 + COALESCE(MAX(id), 0), "  # noqa: S608
            f"NULL::timestamptz FROM {table})"
        )
    offset = len(parts)
    for index, through in enumerate(_through_tables(), start=offset):
        table = qn(through._meta.db_table)
        parts.append(f"(SELECT {index}, MAX(id), NULL::timestamptz FROM {table})")  # noqa: S608
    return " UNION ALL ".join(parts)


_SNAPSHOT_SQL = "SELECT pg_current_snapshot()::text, txid_current_if_assigned() IS NULL"
_VERSION_BY_SNAPSHOT: dict[tuple[str, str], tuple[str, dt.datetime | None]] = {}
_VERSION_MEMO_SIZE = 512


def data_version() -> tuple[str, dt.datetime | None]:
    """The registry's data version and when it last changed (pghistory triggers record every write
    to a tracked table, raw SQL included).

    First a probe of the current MVCC snapshot (as cheap as a primary-key lookup): two equal
    snapshots see exactly the same committed data, so a version already computed under this
    snapshot is reused and the request costs that one query. Only after a write has committed
    anywhere (or inside a transaction that has itself written) does the full version query run.

    Read on the node that serves the request's other reads (registry.replicas), so the version
    (in ETags and the answer cache's keys) always describes the data the answer was read from: a
    replica behind the primary gives its own older version, never the primary's newer one over
    older data. The version is computed from the rows alone, so every node holding the same
    data gives the same version; snapshots are remembered per node.
    """
    db = read_connection()
    with db.cursor() as cursor:
        cursor.execute(_SNAPSHOT_SQL)
        snapshot, clean = cursor.fetchone()
        memo_key = (db.alias, snapshot)
        if clean and memo_key in _VERSION_BY_SNAPSHOT:
            return _VERSION_BY_SNAPSHOT[memo_key]
        cursor.execute(_data_version_sql())
        rows = cursor.fetchall()
    version = ",".join(f"{index}:{value}" for index, value, _stamp in sorted(rows))
    stamps = [stamp for _index, _value, stamp in rows if stamp is not None]
    result = version, max(stamps) if stamps else None
    if clean:
        # Stored under the probe's snapshot: if a write committed between the two statements,
        # that snapshot can never be seen again (its xmax only grows), so nothing stale is served.
        if len(_VERSION_BY_SNAPSHOT) >= _VERSION_MEMO_SIZE:
            _VERSION_BY_SNAPSHOT.clear()
        _VERSION_BY_SNAPSHOT[memo_key] = result
    return result


def sqlite_data_version() -> tuple[str, dt.datetime | None] | None:
    """The embedded mode's data version: the SQLite file's size and modification time. Every
    committed write changes them (sign-ins included, which only makes a validator change more
    often than needed, never serve stale data). None for an in-memory database."""
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor != "sqlite" or not name or name == ":memory:" or "mode=memory" in name:
        return None
    try:
        stat = os.stat(name)
    except OSError:
        return None
    modified = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC).replace(microsecond=0)
    return f"sqlite:{stat.st_size}:{stat.st_mtime_ns}", modified


def conditional_headers(response, etag: str, last_modified: dt.datetime | None, *, private: bool):
    """The validators and caching headers of a read (ConditionalGetMixin)."""
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = (
        "private, no-cache" if private else "public, max-age=0, must-revalidate"
    )
    patch_vary_headers(response, ("Accept", "Accept-Language"))
    return response


class ConditionalGetMixin:
    """ETag and Last-Modified from the data version plus the request (path, parameters, format,
    language and today's date, since answers without `as_of` mean "today"); a matching
    If-None-Match or If-Modified-Since gets 304 for the price of one query.
    On PostgreSQL the version comes from the history tables; the embedded SQLite mode (no history)
    uses the database file's modification stamp instead (`sqlite_data_version`).
    """

    cache_privately = False

    def _validators(self, request) -> tuple[str, dt.datetime | None] | None:
        if history_supported():
            version, last_modified = data_version()
        else:
            stamp = sqlite_data_version()
            if stamp is None:
                return None
            version, last_modified = stamp
        params = sorted(request.query_params.lists())
        basis = json.dumps(
            [
                version,
                request.path,
                params,
                getattr(request, "accepted_media_type", ""),
                get_language(),
                timezone.localdate().isoformat(),
            ],
            default=str,
        )
        etag = quote_etag(hashlib.sha256(basis.encode()).hexdigest()[:32])
        return etag, last_modified

    @staticmethod
    def _not_modified(request, etag: str, last_modified: dt.datetime | None) -> bool:
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match:
            tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
            return "*" in tags or etag in tags
        ims = request.META.get("HTTP_IF_MODIFIED_SINCE")
        if ims and last_modified is not None:
            since = parse_http_date_safe(ims)
            return since is not None and int(last_modified.timestamp()) <= since
        return False

    def _decorate(self, response, etag: str, last_modified: dt.datetime | None):
        return conditional_headers(response, etag, last_modified, private=self.cache_privately)

    def get(self, request, *args, **kwargs):
        validators = self._validators(request)
        if validators and self._not_modified(request, *validators):
            return self._decorate(Response(status=status.HTTP_304_NOT_MODIFIED), *validators)
        self.conditional_validators = validators
        # The view this mixin is combined with has get() (list, retrieve, eligibility).
        response = super().get(request, *args, **kwargs)  # type: ignore[misc]
        if validators and response.status_code == 200:
            self._decorate(response, *validators)
        return response


# --- The answer cache: rendered eligibility answers, keyed by question and data version ------

# Rendered answers this process served lately, in front of the shared cache (Redis): the key holds
# the data version, so an entry is never stale; the size bounds memory (~3 KB an answer).
_LOCAL_ANSWERS: OrderedDict[str, bytes] = OrderedDict()
_LOCAL_ANSWERS_SIZE = 2048


def answer_cache_key(request: Any, version: str) -> str:
    """Keyed by the raw question, so a repeated question skips validation and rendering (only
    valid questions are ever stored); the data version in the key makes it exact, the answer's
    shape keeps a release that changes it from answers kept before."""
    from api.eligibility_answer import answer_shape

    basis = [
        version,
        answer_shape(),
        sorted(request.query_params.lists()),
        get_language(),
        request.build_absolute_uri("/"),
        timezone.localdate().isoformat(),  # no date given means today
    ]
    return "api:eligibility:" + hashlib.sha256(json.dumps(basis).encode()).hexdigest()


def _remember(key: str, rendered: bytes) -> None:
    _LOCAL_ANSWERS[key] = rendered
    _LOCAL_ANSWERS.move_to_end(key)
    while len(_LOCAL_ANSWERS) > _LOCAL_ANSWERS_SIZE:
        _LOCAL_ANSWERS.popitem(last=False)


def answer_cache_get(key: str) -> bytes | None:
    cached = _LOCAL_ANSWERS.get(key) or cache.get(key)
    if cached is not None:
        _remember(key, cached)
    return cached


def answer_cache_set(key: str, rendered: bytes) -> None:
    cache.set(key, rendered, settings.API_ANSWER_CACHE_SECONDS)
    _remember(key, rendered)
