"""Helpers shared by every app: the domain error, provenance, dated validity, history context.

Nothing here imports an app's models, so every app may import it.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pghistory
from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
# What a Redis outage raises: the client's own errors, and OSError from the socket.
REDIS_ERRORS = (RedisError, OSError)

HS6_REGEX = r"^[0-9]{6}$"
hs6_validator = RegexValidator(HS6_REGEX, _("An HS code has exactly six digits, e.g. 100590."))


class DomainError(Exception):
    """A broken business rule. `code` is stable and machine-readable; `message` is for people."""

    def __init__(self, code: str, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}


class Confidence(models.TextChoices):
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class DatePrecision(models.TextChoices):
    EXACT = "exact", _("exact date")
    REPOST = "repost", _("repost date (the real date is the same day or a few days earlier)")
    MONTH = "month", _("month only")
    YEAR = "year", _("year only")
    INFERRED = "inferred", _("inferred")


class Provenance(models.Model):
    """Why a record can be trusted: shown wherever the record is shown (DESIGN.md, Provenance)."""

    source = models.TextField(_("source"), help_text=_("Citation of the public source."))
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    confidence = models.CharField(_("confidence"), max_length=8, choices=Confidence.choices)
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Demo or synthetic data, not a fact. Never part of the seeds."),
    )
    # Two kinds of note (DESIGN.md, "Public pages show only public notes"): the public note is
    # written for traders and inspectors; the internal note holds sources, reasoning and research
    # references and is shown only in the admin and to inspectors (roles.Ability.INTERNAL_NOTES).
    public_note = models.TextField(
        _("public note"),
        blank=True,
        help_text=_("Shown on public pages: plain words for traders and inspectors."),
    )
    notes = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("Sources, reasoning, research references. Shown only to inspectors."),
    )

    class Meta:
        abstract = True

    @classmethod
    def provenance_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(
                condition=models.Q(confidence__in=Confidence.values),
                name=f"{prefix}_confidence_valid",
                violation_error_message=_("Confidence must be high, medium or low."),
            ),
            models.CheckConstraint(
                condition=~models.Q(source=""),
                name=f"{prefix}_source_required",
                violation_error_message=_("Every record needs a source."),
            ),
        ]


def validity_constraint(prefix: str, start: str = "valid_from", end: str = "valid_until"):
    """valid_from <= valid_until, enforced by the database (either may be open)."""
    return models.CheckConstraint(
        condition=(
            models.Q(**{f"{start}__isnull": True})
            | models.Q(**{f"{end}__isnull": True})
            | models.Q(**{f"{start}__lte": models.F(end)})
        ),
        name=f"{prefix}_{start}_before_{end}",
        violation_error_message=_("The end date cannot be before the start date."),
    )


def choices_constraint(prefix: str, field: str, choices: type[models.TextChoices], blank=False):
    allowed = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": allowed}),
        name=f"{prefix}_{field}_valid",
        violation_error_message=_("%(field)s must be one of: %(values)s.")
        % {"field": field, "values": ", ".join(choices.values)},
    )


# --- The validity rule: a dated record is in force on D when D lies between its (open) ends ------
# The SQL predicate and its Python twin stand side by side; tests/registry/test_rules.py proves
# them equal.


def exactly_one_of(*fields: str) -> models.Q:
    """Exactly one of `fields` is set (a CheckConstraint condition)."""
    condition = models.Q()
    for chosen in fields:
        case = models.Q(**{f"{chosen}__isnull": False})
        for other in fields:
            if other != chosen:
                case &= models.Q(**{f"{other}__isnull": True})
        condition |= case
    return condition


def in_force_q(
    on: dt.date | models.Expression, start: str = "valid_from", end: str = "valid_until"
) -> models.Q:
    """Records whose validity covers `on` (an empty end is open); `on` may be a date column."""
    return (models.Q(**{f"{start}__isnull": True}) | models.Q(**{f"{start}__lte": on})) & (
        models.Q(**{f"{end}__isnull": True}) | models.Q(**{f"{end}__gte": on})
    )


def covers(start: dt.date | None, end: dt.date | None, on: dt.date) -> bool:
    """The Python twin of `in_force_q`: does [start, end] (open where None) contain `on`?"""
    return (start is None or start <= on) and (end is None or on <= end)


def in_force(record: Any, on: dt.date, start: str = "valid_from", end: str = "valid_until") -> bool:
    """`covers` for a loaded record with the usual field names."""
    return covers(getattr(record, start), getattr(record, end), on)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the end of a shorter month (31 Aug - 6 = 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def localized(obj: Any, field: str, language: str | None = None) -> str:
    """obj.<field>_<lang> in the active language, falling back to English, then any filled one."""
    return localized_with_language(obj, field, language)[0]


def content_language(language: str | None = None) -> str:
    """The suffix of the translated fields for a UI language: "en", "zh" or "ru"."""
    lang = (language or get_language() or "en").lower()
    return {"zh-hans": "zh", "zh": "zh", "ru": "ru"}.get(lang, "en")


def localized_with_language(obj: Any, field: str, language: str | None = None) -> tuple[str, str]:
    """`localized` and the language the value is in, so a page can mark a fallback visibly
    ("(in English)") instead of passing it off as a translation (issue 11)."""
    suffix = content_language(language)
    for candidate in (suffix, "en", "zh", "ru"):
        value = getattr(obj, f"{field}_{candidate}", "")
        if value:
            return value, candidate
    return "", suffix


def format_dated(value: dt.date | None, precision: str) -> str:
    """A date as precise as the sources allow: '2023' for year precision, 'by 2023-06-13' for a
    repost date. Templates and serializers use this so nobody reads more into a date than is known.
    """
    if value is None:
        return str(_("unknown"))
    if precision == DatePrecision.YEAR:
        return str(_("%(year)s (year only)") % {"year": value.year})
    if precision == DatePrecision.MONTH:
        return value.strftime("%Y-%m")
    if precision == DatePrecision.REPOST:
        return str(_("by %(date)s (repost date)") % {"date": value.isoformat()})
    if precision == DatePrecision.INFERRED:
        return str(_("%(date)s (inferred)") % {"date": value.isoformat()})
    return value.isoformat()


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


PROVENANCE_FIELDS = (
    "source",
    "source_url",
    "confidence",
    "is_illustrative",
    "public_note",
    "notes",
)


_T = TypeVar("_T")


class RedisBreaker:
    """A circuit breaker in front of Redis, one per process: after a Redis call fails (a refused
    connection, or a read that waited out the short socket timeout), nothing asks Redis again for
    REDIS_BREAKER_SECONDS; then one caller probes it (half-open) while the others still skip.

    So a Redis that accepts connections and never answers costs one timeout per process per
    period, not one per cache call: a request waits for Redis at most once.
    """

    def __init__(self) -> None:
        self._open_until = 0.0
        self._lock = threading.Lock()

    def allows(self) -> bool:
        if not self._open_until:
            return True
        now = time.monotonic()
        with self._lock:
            if now < self._open_until:
                return False
            self._open_until = now + self._seconds()  # this caller probes; the others skip
            return True

    def trip(self, error: BaseException) -> None:
        self._open_until = time.monotonic() + self._seconds()
        logger.warning(
            "Redis unreachable (%s: %s); not asked again for %ss",
            type(error).__name__,
            error,
            self._seconds(),
        )

    def reset(self) -> None:
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        return bool(self._open_until) and time.monotonic() < self._open_until

    @staticmethod
    def _seconds() -> float:
        return float(getattr(settings, "REDIS_BREAKER_SECONDS", 5.0))

    def call(self, function: Callable[[], _T], default: _T) -> _T:
        """`function()` unless the breaker is open; `default` when it is, or when Redis fails."""
        if not self.allows():
            return default
        try:
            result = function()
        except REDIS_ERRORS as error:
            self.trip(error)
            return default
        if self._open_until:
            self.reset()
        return result


redis_breaker = RedisBreaker()


# One Redis client (and its connection pool) per server per process. Django builds a cache handle
# per thread, each with its own pools, and a new `redis.Redis` on every call (`get_client`); the
# rate limit and the answer cache run on every API request, so that was a client construction per
# request and a pool per thread. redis-py's clients and pools are thread-safe and reset their
# connections after a fork (gunicorn, Celery prefork), so one per process serves every thread.
_REDIS_CLIENTS: dict[tuple[str, str], Any] = {}
_REDIS_CLIENTS_LOCK = threading.Lock()


class SharedRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, its clients and pools shared by the whole process."""

    # Set by RedisCacheClient.__init__ (undeclared in the stubs).
    _pool_options: dict[str, Any]
    _client: Any
    _servers: list[str]
    _pool_class: Any
    _get_connection_pool_index: Callable[[bool], int]

    def get_client(self, key=None, *, write=False):
        server = self._servers[self._get_connection_pool_index(write)]
        ident = (server, repr(sorted(self._pool_options.items(), key=lambda item: item[0])))
        client = _REDIS_CLIENTS.get(ident)
        if client is None:
            with _REDIS_CLIENTS_LOCK:
                client = _REDIS_CLIENTS.get(ident)
                if client is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    client = _REDIS_CLIENTS[ident] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, except that a Redis outage reads as a cache miss instead of a 500,
    behind the process's circuit breaker (a hung Redis is waited for once, not per call).

    Redis is a cache and a broker here, never the source of truth: while it is down the web pages
    and the API keep answering from PostgreSQL (slower, unthrottled), and the outbox keeps the
    events until the broker is back.
    """

    @staticmethod
    def _guarded(name: str, default: Any = None):  # a class-body helper
        def method(self, *args, **kwargs):
            return redis_breaker.call(
                lambda: getattr(RedisCache, name)(self, *args, **kwargs),
                default() if callable(default) else default,
            )

        method.__name__ = name
        return method

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    get = _guarded("get")
    get_many = _guarded("get_many", dict)
    has_key = _guarded("has_key", False)
    set = _guarded("set")
    set_many = _guarded("set_many", list)
    add = _guarded("add", False)
    touch = _guarded("touch", False)
    delete = _guarded("delete", False)
    delete_many = _guarded("delete_many")
    clear = _guarded("clear", False)
    del _guarded


# --- Raw SQL of the set-based jobs (the sweep, the fan-out), for PostgreSQL and SQLite alike ------


def sql_in_ids(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """`column` in `ids`: one array parameter on PostgreSQL (cheap to bind), a plain list on
    SQLite."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def sql_execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def sql_date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def sql_now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())
