"""Counts per country: what the registry records as in force on a day (from the entries' series
of legal states, accessions.validity), beside what was officially reported for the same scope on
that figure's own date: the home page's cards and headline figure, the about page's overview, and
the official counts a `not_recorded` answer sets beside the registry's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from accessions.models import Accession, AccessStatus, EstablishmentRegistration, MarketAccess
from accessions.validity import access_granted_on, granted_on_filter, status_on_annotations
from registry.dates import in_force_q
from registry.models import Country, Metric, Port, ReportedFigure
from registry.provenance import Confidence, DatePrecision
from regulations.models import Regulation


@dataclass
class FigureRow:
    """One official figure beside what the registry itself records for the same scope."""

    figure: ReportedFigure
    recorded: int | None
    recorded_illustrative: int = 0
    year: int | None = None
    on: dt.date | None = None  # the day the registry's count is taken: the figure's own date

    @property
    def gap(self) -> int | None:
        if self.recorded is None:
            return None
        return self.figure.value - self.recorded

    @property
    def thin_sources(self) -> bool:
        return self.figure.confidence != Confidence.HIGH


@dataclass
class CountryCoverage:
    country: Country | None  # None: the five Central Asian countries together
    access_in_force: int = 0
    regulations: int = 0
    accessions: int = 0
    green_channel_ports: int = 0
    registrations: int = 0
    registrations_illustrative: int = 0
    figures: list[FigureRow] = field(default_factory=list)


@dataclass
class CoverageOverview:
    today: dt.date
    accession_year: int
    rows: list[CountryCoverage]
    total: CountryCoverage


def reporting_year(figure: ReportedFigure, default: int) -> int:
    """The calendar year an annual figure counts. A year-precision date is that year. Annual
    results are announced early in the next year (Urumqi Customs gave the 2023 figures on
    23 Jan 2024), so an exact date in the first quarter counts the previous year.
    """
    if figure.as_of is None:
        return default
    if figure.as_of_precision == DatePrecision.YEAR or figure.as_of.month > 3:
        return figure.as_of.year
    return figure.as_of.year - 1


def recorded_counts_on(
    days: Sequence[dt.date], country_ids: Sequence[int]
) -> dict[tuple[dt.date, int | None], dict[str, int]]:
    """What the registry recorded as in force on each of `days`, per country (key None: the
    given countries together): access entries in force, regulations adopted (or undated),
    green-channel ports, establishment registrations valid. Four queries however many days.

    An access entry counts on a day when its state on that day lets the product in (its series
    of legal states, accessions.validity): a suspension, an end or a revocation counts from the
    day it took effect, whatever the entry's status today.
    """
    # One correlated subquery per day, aliased (never selected, so not grouped by).
    granted_alias = {day: f"granted_{i}" for i, day in enumerate(days)}
    access_entries = MarketAccess.objects.alias(
        **{name: access_granted_on(day) for day, name in granted_alias.items()}
    )
    tables: dict[str, tuple[QuerySet, str, Any]] = {
        Metric.PRODUCTS_WITH_ACCESS: (
            access_entries,
            "country_id",
            lambda day: Q(**{granted_alias[day]: True}),
        ),
        Metric.REGULATIONS_COLLECTED: (
            Regulation.objects.all(),
            "country_id",
            lambda day: Q(adopted_on__isnull=True) | Q(adopted_on__lte=day),
        ),
        Metric.GREEN_CHANNEL_PORTS: (
            Port.objects.filter(green_channel_since__isnull=False),
            "facing_country_id",
            lambda day: Q(green_channel_since__lte=day),
        ),
        Metric.REGISTERED_ENTERPRISES: (
            EstablishmentRegistration.objects.all(),
            "country_id",
            lambda day: in_force_q(day, "registered_on", "valid_until"),
        ),
    }
    counts: dict[tuple[dt.date, int | None], dict[str, int]] = {
        (day, None): dict.fromkeys([*tables, "illustrative"], 0) for day in days
    }
    for metric, (queryset, key, on_day) in tables.items():
        annotations = {f"d{i}": Count("pk", filter=on_day(day)) for i, day in enumerate(days)}
        if metric == Metric.REGISTERED_ENTERPRISES:  # how many of them are demo records
            annotations |= {
                f"i{i}": Count("pk", filter=on_day(day) & Q(is_illustrative=True))
                for i, day in enumerate(days)
            }
        for row in queryset.order_by().values(key).annotate(**annotations):
            for i, day in enumerate(days):
                scope = counts.setdefault((day, row[key]), {})
                total = counts[(day, None)]
                # Regulations of every jurisdiction count in the total; the rest only for
                # the given countries.
                in_total = metric == Metric.REGULATIONS_COLLECTED or row[key] in country_ids
                for name, n in ((metric, row[f"d{i}"]), ("illustrative", row.get(f"i{i}", 0))):
                    scope[name] = scope.get(name, 0) + n
                    if in_total:
                        total[name] += n
    return counts


def compare_figure(
    figure: ReportedFigure,
    recorded_on: Mapping[tuple[dt.date, int | None], Mapping[str, int]],
    accessions_in: Callable[[int, int | None], int] | None,
    countries_with_accessions: Callable[[int], int] | None,
    today: dt.date,
) -> FigureRow:
    """The one comparison rule: a reported figure beside the registry's count for the same scope
    on the figure's own date (today when the figure has none); annual accession figures beside
    the accessions of the year they report."""
    day = figure.as_of or today
    year = reporting_year(figure, day.year)
    recorded: int | None = recorded_on.get((day, figure.country_id), {}).get(figure.metric)
    if recorded is None and figure.metric in recorded_on[(day, None)]:
        recorded = 0  # the registry counts this metric; nothing recorded for this scope
    if figure.metric == Metric.NEW_ACCESSIONS and accessions_in:
        recorded = accessions_in(year, figure.country_id)
    elif figure.metric == Metric.ACCESSION_COUNTRIES and countries_with_accessions:
        recorded = countries_with_accessions(year)
    illustrative = 0
    if figure.metric == Metric.REGISTERED_ENTERPRISES:
        illustrative = recorded_on.get((day, figure.country_id), {}).get("illustrative", 0)
    return FigureRow(figure, recorded, illustrative, year, on=day)


def _counts(queryset: QuerySet, key: str, **extra) -> dict:
    rows = queryset.order_by().values(key).annotate(n=Count("pk"), **extra)
    return {row[key]: row for row in rows}


def coverage_overview(*, today: dt.date, accession_year: int = 2023) -> CoverageOverview:
    """What the registry records beside what was officially reported, per Central Asian country
    and in total. Seven queries whatever the size of the data (pinned in tests/web).
    """
    countries = list(Country.objects.filter(region="central_asia").order_by("name_en"))
    figures = list(ReportedFigure.objects.select_related("country").order_by("metric", "as_of"))
    in_force = _counts(granted_on_filter(MarketAccess.objects.all(), today), "country_id")
    regulations = _counts(Regulation.objects.all(), "country_id")
    accession_rows = list(
        Accession.objects.order_by()
        .values("market_access__country_id", "year")
        .annotate(n=Count("pk"))
    )
    green = _counts(
        Port.objects.filter(green_channel_since__isnull=False, green_channel_since__lte=today),
        "facing_country_id",
    )
    registrations = _counts(
        EstablishmentRegistration.objects.all(),
        "country_id",
        illustrative=Count("pk", filter=Q(is_illustrative=True)),
    )

    def accessions_in(year: int, country_id: int | None) -> int:
        return sum(
            row["n"]
            for row in accession_rows
            if row["year"] == year
            and (country_id is None or row["market_access__country_id"] == country_id)
        )

    def countries_with_accessions(year: int) -> int:
        ids = {r["market_access__country_id"] for r in accession_rows if r["year"] == year}
        return len(ids & {c.pk for c in countries})

    by_id = {}
    rows = []
    for country in countries:
        row = CountryCoverage(
            country=country,
            access_in_force=in_force.get(country.pk, {}).get("n", 0),
            regulations=regulations.get(country.pk, {}).get("n", 0),
            accessions=accessions_in(accession_year, country.pk),
            green_channel_ports=green.get(country.pk, {}).get("n", 0),
            registrations=registrations.get(country.pk, {}).get("n", 0),
            registrations_illustrative=registrations.get(country.pk, {}).get("illustrative", 0),
        )
        by_id[country.pk] = row
        rows.append(row)
    total = CountryCoverage(
        country=None,
        access_in_force=sum(r.access_in_force for r in rows),
        regulations=sum(row["n"] for row in regulations.values()),
        accessions=sum(r.accessions for r in rows),
        green_channel_ports=sum(r.green_channel_ports for r in rows),
        registrations=sum(r.registrations for r in rows),
        registrations_illustrative=sum(r.registrations_illustrative for r in rows),
    )

    recorded_on = recorded_counts_on(
        sorted({figure.as_of or today for figure in figures}), [c.pk for c in countries]
    )
    for figure in figures:
        scope = total if figure.country_id is None else by_id.get(figure.country_id)
        if scope is None:  # a figure about a country outside Central Asia: shown in the total
            scope = total
        scope.figures.append(
            compare_figure(figure, recorded_on, accessions_in, countries_with_accessions, today)
        )
    return CoverageOverview(today=today, accession_year=accession_year, rows=rows, total=total)


def headline_figure(*, today: dt.date) -> FigureRow | None:
    """The home page's one line: the latest reported count of products with access from the
    five countries together (on the seeds, Urumqi Customs' 96 for 2023), beside the registry's
    count on that figure's date."""
    figure = (
        ReportedFigure.objects.filter(metric=Metric.PRODUCTS_WITH_ACCESS, country__isnull=True)
        .order_by(F("as_of").desc(nulls_last=True), "key")
        .first()
    )
    if figure is None:
        return None
    countries = list(
        Country.objects.filter(region="central_asia").order_by().values_list("pk", flat=True)
    )
    day = figure.as_of or today
    return compare_figure(figure, recorded_counts_on([day], countries), None, None, today)


@dataclass
class CountryCard:
    country: Country
    in_force: int
    pending: int
    latest: MarketAccess | None


PENDING_STATUSES = (AccessStatus.NEGOTIATING, AccessStatus.PROTOCOL_SIGNED)


def country_cards(*, today: dt.date) -> list[CountryCard]:
    """One card per Central Asian country: access entries in force today, pending ones
    (negotiating or protocol signed) and the entry with the latest instrument. Both counts come
    from the entries' series of legal states on `today` (accessions.validity), not from the
    status kept for lists."""
    countries = list(Country.objects.filter(region="central_asia").order_by("name_en"))
    counts = _counts(
        MarketAccess.objects.filter(country__in=countries).alias(**status_on_annotations(today)),
        "country_id",
        in_force=Count("pk", filter=Q(granted_on=True)),
        pending=Count("pk", filter=Q(status_on__in=PENDING_STATUSES)),
    )
    dated = MarketAccess.objects.filter(instrument_date__isnull=False).select_related("product")
    latest = {  # one small indexed query per country (five), not every entry in memory
        country.pk: dated.filter(country=country).order_by("-instrument_date", "-pk").first()
        for country in countries
    }
    return [
        CountryCard(
            country=country,
            in_force=counts.get(country.pk, {}).get("in_force", 0),
            pending=counts.get(country.pk, {}).get("pending", 0),
            latest=latest.get(country.pk),
        )
        for country in countries
    ]


@dataclass
class CountryRecordCoverage:
    """What the registry records for one country on a date, beside the official counts of
    products with access that include it: the words a `not_recorded` answer gives a trader."""

    country: Country
    on: dt.date
    recorded: int
    figures: list[ReportedFigure]


def reported_access_figures(*, country_ids: Iterable[int]) -> list[ReportedFigure]:
    """The reported figures of products with access for these countries or for all countries
    together, latest first (what a `not_recorded` answer sets beside the registry's count)."""
    return list(
        ReportedFigure.objects.filter(metric=Metric.PRODUCTS_WITH_ACCESS)
        .filter(Q(country__isnull=True) | Q(country_id__in=list(country_ids)))
        .order_by(F("as_of").desc(nulls_last=True), "key")
    )
