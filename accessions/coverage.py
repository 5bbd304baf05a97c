"""Coverage per country and product category (issue 22, the about page): what the registry
records as in force on a day, what it records that is not in force then (a protocol only, a
suspension), and what an official statement names that the registry could not source
(registry.CoverageGap). Three queries whatever the size of the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.functional import Promise

from accessions.models import MarketAccess
from accessions.validity import granted_on_filter
from registry.models import Category, Country, CoverageGap


@dataclass
class CategoryLine:
    category: str
    label: str | Promise  # lazy: rendered in the reader's language
    in_force: int = 0
    recorded: int = 0  # every entry of the category, in force or not
    gaps: list[CoverageGap] = field(default_factory=list)

    @property
    def not_in_force(self) -> int:
        return self.recorded - self.in_force


@dataclass
class CountryCategories:
    country: Country
    lines: list[CategoryLine]

    @property
    def in_force(self) -> int:
        return sum(line.in_force for line in self.lines)

    @property
    def gaps(self) -> int:
        return sum(len(line.gaps) for line in self.lines)


@dataclass
class CategoryCoverage:
    today: dt.date
    rows: list[CountryCategories]


def _by_country_category(queryset) -> dict[tuple[int, str], int]:
    rows = queryset.order_by().values("country_id", "product__category").annotate(n=Count("pk"))
    return {(row["country_id"], row["product__category"]): row["n"] for row in rows}


def coverage_by_category(*, today: dt.date) -> CategoryCoverage:
    """Per Central Asian country, one line per category with a record or a gap, in the
    catalogue's category order; a country with neither has no lines (the page says so)."""
    countries = list(Country.objects.filter(region="central_asia").order_by("name_en"))
    in_force = _by_country_category(granted_on_filter(MarketAccess.objects.all(), today))
    recorded = _by_country_category(MarketAccess.objects.all())
    gaps: dict[tuple[int, str], list[CoverageGap]] = {}
    for gap in CoverageGap.objects.order_by("country_id", "category", "name_en"):
        gaps.setdefault((gap.country_id, gap.category), []).append(gap)
    rows = []
    for country in countries:
        lines = [
            CategoryLine(
                category=category.value,
                label=category.label,
                in_force=in_force.get((country.pk, category.value), 0),
                recorded=recorded.get((country.pk, category.value), 0),
                gaps=gaps.get((country.pk, category.value), []),
            )
            for category in Category
        ]
        rows.append(
            CountryCategories(country, [line for line in lines if line.recorded or line.gaps])
        )
    return CategoryCoverage(today=today, rows=rows)
