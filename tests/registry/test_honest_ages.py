"""Honest ages and dates (issue 25, item 4): a duration from a date known only to the month or the
year is a range, from a repost date a lower bound, never one number; the pipeline page and an
access entry's timeline say so (one home: registry.dates.days_between and format_days)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from registry.dates import DaySpan, days_between, format_days
from tests import factories as f

TODAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("start", "precision", "end", "end_precision", "expected"),
    [
        (dt.date(2024, 1, 1), "year", TODAY, "exact", DaySpan(706, 1071)),
        (dt.date(2023, 5, 1), "month", dt.date(2023, 5, 14), "exact", DaySpan(0, 13)),
        (dt.date(2023, 5, 1), "month", dt.date(2023, 6, 13), "exact", DaySpan(13, 43)),
        (dt.date(2023, 5, 20), "exact", dt.date(2023, 6, 13), "exact", DaySpan(24, 24)),
        (dt.date(2023, 5, 20), "repost", dt.date(2023, 6, 13), "exact", DaySpan(24, None)),
        (dt.date(2023, 5, 20), "exact", dt.date(2023, 6, 13), "repost", DaySpan(0, 24)),
        (dt.date(2023, 5, 20), "inferred", dt.date(2023, 6, 13), "exact", DaySpan(24, 24, True)),
        (dt.date(2023, 1, 1), "year", dt.date(2023, 6, 1), "month", DaySpan(0, 180)),
    ],
)
def test_days_between_dates_of_any_precision(start, precision, end, end_precision, expected):
    assert days_between(start, precision, end, end_precision) == expected


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (DaySpan(706, 1071), "between 706 and 1,071 days"),
        (DaySpan(13, 13), "13 days"),
        (DaySpan(1, 1), "1 day"),
        (DaySpan(0, 13), "at most 13 days"),
        (DaySpan(40, None), "at least 40 days"),
        (DaySpan(24, 24, True), "about 24 days"),
        (DaySpan(0, None), "time unknown"),
        (None, "time unknown"),
    ],
)
def test_a_span_in_words(span, words):
    with translation.override("en"):
        assert format_days(span) == words


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.django_db
def test_the_pipeline_page_gives_a_range_for_a_year_only_date(monkeypatch):
    from web.views import clock

    monkeypatch.setattr(clock, "today", lambda: TODAY)
    f.MarketAccessFactory(
        status="protocol_signed",
        instrument_kind="protocol",
        valid_from=None,
        protocol_signed_on=dt.date(2024, 1, 1),
        protocol_signed_precision="year",
    )
    page = _text(Client().get(reverse("accession-pipeline")).content.decode())
    assert "about 706 days" not in page and "about 1,071 days" not in page
    assert "2024 (year only) (between 706 and 1,071 days)" in page


@pytest.mark.django_db
def test_the_timeline_gives_a_range_for_a_month_only_protocol():
    access = f.MarketAccessFactory()
    accession = f.AccessionFactory(market_access=access)
    f.AccessionStageFactory(
        accession=accession,
        stage="protocol",
        occurred_on=dt.date(2023, 5, 1),
        occurred_on_precision="month",
    )
    f.AccessionStageFactory(
        accession=accession, stage="announcement", occurred_on=dt.date(2023, 5, 14)
    )
    page = _text(Client().get(reverse("access-detail", args=[access.pk])).content.decode())
    assert "about 13 days" not in page
    assert "2023-05 · at most 13 days" in page
