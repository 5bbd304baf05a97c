"""The window of an answer: the dates over which the same records give the same answer (beside
accessions.validity, the home of the temporal rules it follows).

An answer about a date reads dated records: the access entry's states, its conditions, the
designated sites of ports, the product's regulations and the country's union memberships, the
producer's registration, and (for `not_recorded` answers) the states of every entry of the
country. What the answer says can change only on a **change day**: the start of one of those
records, or the day after its end. A state whose start is known only to the year or the month
also changes the answer at the bounds of that year or month (the answer warns that on a date in
that span the state may not yet have applied), and a start known from a repost at the first day it
may have applied (before a stored start, the answer says the state may already have applied).

The window runs from the latest change day on or before the date asked (open when none) to the
day before the first change day after it (open when none). Any date inside gives the same
verdict, reasons and conditions, only the date asked differs in their words; the answer cache
serves every date of a known window as a repeated question.
tests/accessions/test_engine_differential.py proves it: the answer on every day of a window
equals the answer on its first day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from accessions.validity import earliest_start
from registry.provenance import DatePrecision

# How many change days of the country's coverage a `not_recorded` answer carries on either side
# of the date asked (records.sql's `coverage_days`): its own window needs the nearest two; the
# rest let the answer's timeline hold as many windows around it. At scale a country's coverage
# changes on thousands of days; the answer reads only these.
COVERAGE_DAYS = 32


@dataclass(frozen=True)
class Window:
    """[starts, ends], both days included; None is open (no change day recorded that way)."""

    starts: dt.date | None
    ends: dt.date | None

    def __contains__(self, day: dt.date) -> bool:
        started = self.starts is None or self.starts <= day
        return started and (self.ends is None or day <= self.ends)


def _next_year(day: dt.date) -> dt.date | None:
    return dt.date(day.year + 1, 1, 1) if day.year < dt.MAXYEAR else None


def _next_month(day: dt.date) -> dt.date | None:
    if day.month == 12:
        return _next_year(day)
    return dt.date(day.year, day.month + 1, 1)


def change_days(series: Iterable) -> list[dt.date]:
    """The change days of an entry's series of states (SeriesState rows): each start, the first
    day it may have applied (accessions.validity.earliest_start), and the bounds of the year or
    month of a start known only that precisely."""
    days: list[dt.date] = []
    for state in series:
        start = state.starts_on
        if start is None:
            continue
        days.append(start)
        precision = state.row.get("starts_on_precision")
        earliest = earliest_start(start, precision or "")
        if earliest is not None and earliest != start:
            days.append(earliest)  # from there on the state may already have applied
        if precision == DatePrecision.YEAR:
            days += [d for d in (dt.date(start.year, 1, 1), _next_year(start)) if d]
        elif precision == DatePrecision.MONTH:
            days += [d for d in (dt.date(start.year, start.month, 1), _next_month(start)) if d]
    return days


def answer_window(on: dt.date, days: Iterable[dt.date | None]) -> Window:
    """The window around `on` bounded by the nearest change days."""
    known = [d for d in days if d is not None]
    before = max((d for d in known if d <= on), default=None)
    after = min((d for d in known if d > on), default=None)
    return Window(before, after - dt.timedelta(days=1) if after is not None else None)


def window_starts(days: Iterable[dt.date | None], around: dt.date, limit: int) -> list[dt.date]:
    """A day inside every other window of the timeline the change days draw (the first day of
    each; the day before the first change day for the window open at its start), nearest to
    `around` first, at most `limit`: the dates that answer the rest of a question's timeline."""
    known = sorted({d for d in days if d is not None})
    starts = list(known)
    if known and known[0] > dt.date.min:
        starts.append(known[0] - dt.timedelta(days=1))
    own = answer_window(around, known)
    others = [d for d in starts if d not in own]
    others.sort(key=lambda d: abs((d - around).days))
    return others[:limit]
