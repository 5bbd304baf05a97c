"""The validity rule of a dated record (in force on D when D lies between its open ends), in SQL
and in Python side by side (tests/registry/test_rules.py proves them equal), and date helpers."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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


# --- Ages and durations from dates of any precision (issue 25, item 4) -------------------------
# A date known to the month or the year is a span of days, a repost date a latest day (the act is
# that day or earlier), an inferred date an estimate. A duration between two such dates is a
# range, never one number read more precisely than the dates allow.


@dataclass(frozen=True)
class DateBounds:
    """The earliest and latest day a recorded date can be (None: not bounded on that side)."""

    earliest: dt.date | None
    latest: dt.date | None
    estimated: bool = False  # an inferred date: the bounds are the estimate itself


def date_bounds(value: dt.date, precision: str) -> DateBounds:
    if precision == DatePrecision.YEAR:
        return DateBounds(dt.date(value.year, 1, 1), dt.date(value.year, 12, 31))
    if precision == DatePrecision.MONTH:
        last = calendar.monthrange(value.year, value.month)[1]
        return DateBounds(value.replace(day=1), value.replace(day=last))
    if precision == DatePrecision.REPOST:
        return DateBounds(None, value)
    if precision == DatePrecision.INFERRED:
        return DateBounds(value, value, estimated=True)
    return DateBounds(value, value)


@dataclass(frozen=True)
class DaySpan:
    """How many days lie between two recorded dates: at least `low`, at most `high` (None: no
    upper bound known); `estimated` when either date is inferred."""

    low: int
    high: int | None
    estimated: bool = False


def days_between(
    start: dt.date, start_precision: str, end: dt.date, end_precision: str = DatePrecision.EXACT
) -> DaySpan:
    """The days from a start to an end date as the precision of both allows (a year-only start in
    2024 and today 2026-12-07: between 706 and 1,071 days)."""
    first, last = date_bounds(start, start_precision), date_bounds(end, end_precision)
    low = 0
    if last.earliest is not None and first.latest is not None:
        low = max(0, (last.earliest - first.latest).days)
    high = None
    if last.latest is not None and first.earliest is not None:
        high = max(low, (last.latest - first.earliest).days)
    return DaySpan(low, high, first.estimated or last.estimated)


def format_days(span: DaySpan | None) -> str:
    """A DaySpan in words: '13 days', 'between 706 and 1,071 days', 'at least 40 days', 'at most
    12 days', 'about 30 days' (an inferred date), 'unknown'."""
    if span is None or (span.high is None and span.low == 0):
        return str(_("time unknown"))
    low = number_format(span.low, force_grouping=True)
    if span.high is None:
        return ngettext("at least %(n)s day", "at least %(n)s days", span.low) % {"n": low}
    high = number_format(span.high, force_grouping=True)
    if span.estimated and span.low == span.high:
        return ngettext("about %(n)s day", "about %(n)s days", span.high) % {"n": high}
    if span.low == span.high:
        return ngettext("%(n)s day", "%(n)s days", span.high) % {"n": high}
    if span.low == 0:
        return ngettext("at most %(n)s day", "at most %(n)s days", span.high) % {"n": high}
    return ngettext(
        "between %(low)s and %(high)s day", "between %(low)s and %(high)s days", span.high
    ) % {"low": low, "high": high}
