"""The validity rule of a dated record (in force on D when D lies between its open ends), in SQL
and in Python side by side (tests/registry/test_rules.py proves them equal), and date helpers."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.provenance import DatePrecision


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
