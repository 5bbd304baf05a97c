"""Helpers shared by every app: the domain error, provenance, dated validity, history context.

Nothing here imports an app's models, so every app may import it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pghistory
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
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
    notes = models.TextField(_("notes"), blank=True)

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


def in_force_q(on: dt.date, start: str = "valid_from", end: str = "valid_until") -> models.Q:
    """Records whose validity covers `on` (open ends count as open)."""
    return (models.Q(**{f"{start}__isnull": True}) | models.Q(**{f"{start}__lte": on})) & (
        models.Q(**{f"{end}__isnull": True}) | models.Q(**{f"{end}__gte": on})
    )


def localized(obj: Any, field: str, language: str | None = None) -> str:
    """obj.<field>_<lang> in the active language, falling back to English, then any filled one."""
    lang = (language or get_language() or "en").lower()
    suffix = {"zh-hans": "zh", "zh": "zh", "ru": "ru"}.get(lang, "en")
    for candidate in (suffix, "en", "zh", "ru"):
        value = getattr(obj, f"{field}_{candidate}", "")
        if value:
            return value
    return ""


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


def full_clean_or_raise(instance: models.Model) -> None:
    """Model validation before every service write, so forms, API and code see the same errors."""
    instance.full_clean()


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


__all__ = [
    "Confidence",
    "DatePrecision",
    "DomainError",
    "HistoryContextMiddleware",
    "Provenance",
    "ValidationError",
    "choices_constraint",
    "format_dated",
    "history_context",
    "hs6_validator",
    "in_force_q",
    "localized",
    "validity_constraint",
]


def tracked():
    """History for a model with legal effect: every insert, update and delete, written by
    PostgreSQL triggers (django-pghistory), so `QuerySet.update()` and raw SQL are recorded too.
    """
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent()
    )


PROVENANCE_FIELDS = ("source", "source_url", "confidence", "is_illustrative", "notes")


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, except that a Redis outage reads as a cache miss instead of a 500.

    Redis is a cache and a broker here, never the source of truth: while it is down the web pages
    and the API keep answering from PostgreSQL (slower, unthrottled), and the outbox keeps the
    events until the broker is back.
    """

    def _guarded(name: str, default: Any = None):  # noqa: N805 - a class-body helper
        def method(self, *args, **kwargs):
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except REDIS_ERRORS as error:
                logger.warning("cache %s failed, Redis unreachable: %s", name, error)
                return default() if callable(default) else default

        method.__name__ = name
        return method

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
