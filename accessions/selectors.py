"""Shared reads of the accessions app: querysets with their joins set, so no caller forgets them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth

from accessions.lists import ACCESS
from accessions.models import (
    ACTIVE_REGISTRATION_STATUSES,
    Accession,
    AccessionStage,
    AccessStatus,
    Alert,
    AnswerRecord,
    EstablishmentRegistration,
    MarketAccess,
    Proposal,
    ProposalBatch,
    ProposalState,
    RegistrationRegime,
    RegistrationStatus,
)
from accessions.services.proposing import proposal_is_stale
from accessions.validity import (
    access_granted_on,
    granted_on_filter,
    registration_effective_end,
    registration_recorded_end,
    status_on_annotations,
)
from registry.dates import add_months, in_force, in_force_q
from registry.models import Country, Metric, Port, Product, ReportedFigure
from registry.provenance import Confidence, DatePrecision
from regulations.models import Regulation

# --- Reported versus recorded (the home page) ------------------------------------------------


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


def latest_changes(*, limit: int = 6) -> list[MarketAccess]:
    """Access entries by their latest instrument (the newest legal change first)."""
    return list(
        MarketAccess.objects.filter(instrument_date__isnull=False)
        .select_related("product", "country")
        .order_by("-instrument_date", "-pk")[:limit]
    )


# --- Lists and details for the web pages -------------------------------------------------------


def recent_accessions(*, limit: int = 8) -> list[Accession]:
    return list(
        Accession.objects.select_related(
            "market_access__product", "market_access__country", "event"
        ).order_by("-year", "-pk")[:limit]
    )


def accession_list() -> QuerySet[Accession]:
    """Accessions with their product, country, event and stages (in procedure order)."""
    return Accession.objects.select_related(
        "market_access__product", "market_access__country", "event"
    ).prefetch_related(
        Prefetch("stages", queryset=AccessionStage.objects.order_by("occurred_on", "pk"))
    )


def market_access_detail() -> QuerySet[MarketAccess]:
    return MarketAccess.objects.select_related("product", "country").prefetch_related(
        Prefetch("allowed_ports", queryset=Port.objects.order_by("name_en")),
        "dated_conditions",
        Prefetch(
            "accessions",
            queryset=Accession.objects.select_related("event").prefetch_related(
                Prefetch("stages", queryset=AccessionStage.objects.order_by("occurred_on", "pk"))
            ),
        ),
    )


def answer_record_detail() -> QuerySet[AnswerRecord]:
    """Answers as given, with the access entry they name (its product and country)."""
    return AnswerRecord.objects.select_related("access__product", "access__country")


# --- Renewal windows and expiries (the dashboard) --------------------------------------------


def regime_at(regimes: list[RegistrationRegime], day: dt.date) -> RegistrationRegime | None:
    """The regime in force on `day` (regimes are few; the caller loads them once)."""
    return next((regime for regime in regimes if in_force(regime, day)), None)


RENEWAL_BUCKETS = ("open", "30", "90", "180")


def _window_opens_between(regimes: list[RegistrationRegime], start: dt.date, end: dt.date) -> Q:
    """Registrations whose renewal window (chosen by the regime in force at their valid_until)
    opens between `start` and `end`: the window opens `window_max_months` before expiry
    (Decree 248: 6 months; Decree 280: 12 months).
    """
    condition = Q(pk__in=[])
    for regime in regimes:
        in_regime = Q(valid_until__gte=regime.valid_from)
        if regime.valid_until is not None:
            in_regime &= Q(valid_until__lte=regime.valid_until)
        condition |= in_regime & Q(
            effective__gte=add_months(start, regime.window_max_months),
            effective__lte=add_months(end, regime.window_max_months),
        )
    return condition


def renewal_overview_queryset(*, today: dt.date, regimes: list[RegistrationRegime]):
    """Active registrations annotated with `effective` (extended or valid until) and `bucket`:
    'open' (window already open), '30', '90', '180' (opens within that many days), else None.
    """

    def opens(first_day: int, last_day: int) -> Q:
        return _window_opens_between(
            regimes, today + dt.timedelta(days=first_day), today + dt.timedelta(days=last_day)
        )

    bucket_q = {
        "open": Q(effective__gte=today)
        & _window_opens_between(regimes, dt.date(1900, 1, 1), today),
        "30": opens(1, 30),
        "90": opens(31, 90),
        "180": opens(91, 180),
    }
    return (
        EstablishmentRegistration.objects.filter(status__in=ACTIVE_REGISTRATION_STATUSES)
        .annotate(effective=registration_recorded_end())
        .annotate(
            bucket=Case(
                *(When(condition, then=Value(name)) for name, condition in bucket_q.items()),
                default=None,
            )
        )
    )


@dataclass
class RenewalOverview:
    today: dt.date
    counts: dict[str, int]
    expired_count: int
    upcoming: Sequence[EstablishmentRegistration]
    expired: Sequence[EstablishmentRegistration]


def renewal_overview(*, today: dt.date, limit: int = 100) -> RenewalOverview:
    """Registrations entering their renewal window within 30/90/180 days, those whose window is
    open, and expired ones. Five queries whatever the number of registrations.
    """
    regimes = list(RegistrationRegime.objects.order_by("valid_from"))
    base = renewal_overview_queryset(today=today, regimes=regimes)
    counts = {
        row["bucket"]: row["n"]
        for row in base.filter(bucket__isnull=False)
        .order_by()
        .values("bucket")
        .annotate(n=Count("pk"))
    }
    upcoming = list(
        base.filter(bucket__isnull=False)
        .select_related("country")
        .prefetch_related("products")
        .order_by("effective", "registration_number")[:limit]
    )
    expired_qs = (
        EstablishmentRegistration.objects.annotate(effective=registration_recorded_end())
        .filter(
            Q(status=RegistrationStatus.EXPIRED)
            | Q(effective__lt=today, status__in=ACTIVE_REGISTRATION_STATUSES)
        )
        .select_related("country")
    )
    expired = list(expired_qs.order_by("-effective", "registration_number")[:limit])
    for registration in upcoming:
        regime = regime_at(regimes, registration.valid_until)
        registration.window_opens = (
            add_months(registration.effective, -regime.window_max_months) if regime else None
        )
        registration.window_regime = regime
    return RenewalOverview(
        today=today,
        counts={name: counts.get(name, 0) for name in RENEWAL_BUCKETS},
        expired_count=expired_qs.count(),
        upcoming=upcoming,
        expired=expired,
    )


def accessions_per_year_and_country() -> list[Mapping[str, Any]]:
    return list(
        Accession.objects.order_by()
        .values("year", iso2=F("market_access__country__iso2"))
        .annotate(n=Count("pk"))
        .order_by("year", "iso2")
    )


def expiries_per_month(*, start: dt.date, months: int = 12) -> list[dict]:
    """Registrations expiring (extended or valid until) per month from `start`'s month on."""
    first = start.replace(day=1)
    end = add_months(first, months)
    rows = (
        EstablishmentRegistration.objects.annotate(effective=registration_recorded_end())
        .filter(effective__gte=first, effective__lt=end)
        .annotate(month=TruncMonth("effective"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    counts = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        counts[month] = row["n"]
    return [
        {"month": add_months(first, i), "n": counts.get(add_months(first, i), 0)}
        for i in range(months)
    ]


# --- Alerts and history ---------------------------------------------------------------------------


def alerts_for_dashboard(*, limit: int = 50) -> QuerySet[Alert]:
    """Open alerts first (soonest expiry first), then the latest acknowledged ones."""
    return Alert.objects.select_related(
        "registration__country",
        "market_access__product",
        "market_access__country",
        "acknowledged_by",
    ).order_by(F("acknowledged_at").desc(nulls_first=True), "due_on", "id")[:limit]


def market_access_events(access_id: int) -> QuerySet:
    """The recorded changes of one access entry (pghistory events), oldest first."""
    events = MarketAccess.pgh_event_model  # type: ignore[attr-defined]  # set by pghistory
    return events.objects.filter(pgh_obj_id=access_id).order_by("pgh_id")


# --- The public API's lists ------------------------------------------------------------------


def market_access_api_list() -> QuerySet[MarketAccess]:
    return MarketAccess.objects.select_related("product", "country").prefetch_related(
        Prefetch("allowed_ports", queryset=Port.objects.order_by("code"))
    )


ACCESS_RELATED = ("product", "country", "allowed_ports", "states")  # read apart

# The access list's hot path reads these plain values (no model instances): the entry's columns,
# its product and country, and the annotations the list may be ordered by (the cursor reads them).
MARKET_ACCESS_ROW_FIELDS = (
    # The declared columns that are the entry's own (accessions.lists.ACCESS), in its order ...
    *(name for name in ACCESS.public_names() if name not in ACCESS_RELATED),
    # ... and what the list shows of its product and country.
    "product__slug",
    "product__name_en",
    "product__name_zh",
    "product__name_ru",
    "product__hs_code",
    "country__iso2",
    "country__name_en",
    "country__name_zh",
    "country__name_ru",
)


def market_access_rows(queryset: QuerySet[MarketAccess], *extra: str) -> QuerySet:
    """The access list's rows as plain dicts (the queryset's filters and ordering kept); `extra`
    names annotations to read too. On PostgreSQL each row carries its allowed ports' codes
    (`port_codes`, ordered by code) from the same statement; elsewhere
    `market_access_page_ports` reads them with one more query."""
    rows = queryset.prefetch_related(None)
    if connection.vendor != "postgresql":
        return rows.values(*MARKET_ACCESS_ROW_FIELDS, *extra)
    links = MarketAccess.allowed_ports.through.objects.filter(marketaccess_id=OuterRef("pk"))
    codes = ArraySubquery(links.order_by("port__code").values("port__code"))
    return rows.annotate(port_codes=codes).values(*MARKET_ACCESS_ROW_FIELDS, *extra, "port_codes")


def market_access_page_ports(rows: Sequence[Mapping[str, Any]]) -> dict[int, list[str]]:
    """The allowed ports' codes of these rows (`market_access_rows`), by entry."""
    if rows and "port_codes" in rows[0]:
        return {row["id"]: row["port_codes"] for row in rows}
    return market_access_port_codes([row["id"] for row in rows])


def market_access_port_codes(ids: Sequence[int]) -> dict[int, list[str]]:
    """The allowed ports' codes of these entries, each list ordered by code: one query."""
    codes: dict[int, list[str]] = {pk: [] for pk in ids}
    links = MarketAccess.allowed_ports.through.objects.filter(marketaccess_id__in=ids)
    for pk, code in links.order_by("port__code").values_list("marketaccess_id", "port__code"):
        codes[pk].append(code)
    return codes


def accession_api_list() -> QuerySet[Accession]:
    return (
        Accession.objects.select_related(
            "market_access__product", "market_access__country", "event"
        )
        .prefetch_related(
            Prefetch("stages", queryset=AccessionStage.objects.order_by("occurred_on", "pk"))
        )
        .order_by("-year", "id")
    )


def establishment_api_list() -> QuerySet[EstablishmentRegistration]:
    """Registrations with their effective end on the one rule (accessions.validity)."""
    return (
        EstablishmentRegistration.objects.select_related("country", "regime")
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("slug")))
        .annotate(effective_end=registration_effective_end())
        .order_by("valid_until", "registration_number")
    )


# --- Proposals -----------------------------------------------------------------------------------


def proposals_queue(*, view: str, user: Any, limit: int = 200) -> list[Any]:
    """The reviewers' queue: `pending` (up to date), `stale` (the record changed since), `mine`
    (the user's own, any state), newest first, each marked `.stale`."""
    chosen = Proposal.objects.select_related("author", "reviewer", "content_type", "batch")
    if view == "mine":
        chosen = chosen.filter(author=user)
    else:
        chosen = chosen.filter(state=ProposalState.PENDING, batch__isnull=True)
    found: list[Any] = list(chosen.order_by("-created_at", "-id")[:limit])
    for proposal in found:
        proposal.stale = proposal.state == ProposalState.PENDING and proposal_is_stale(proposal)
    if view == "pending":
        return [p for p in found if not p.stale]
    if view == "stale":
        return [p for p in found if p.stale]
    return found


def proposal_batches_pending() -> QuerySet[Any]:
    return (
        ProposalBatch.objects.filter(state=ProposalState.PENDING)
        .select_related("author")
        .annotate(n=Count("proposals"))
        .order_by("-created_at")
    )


def proposal_counts() -> dict[str, int]:
    """For the dashboard: single proposals and imports waiting for review."""
    return {
        "pending": Proposal.objects.filter(state=ProposalState.PENDING, batch__isnull=True).count(),
        "imports": ProposalBatch.objects.filter(state=ProposalState.PENDING).count(),
    }


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


def access_entries_by_product(product_ids: Iterable[int]) -> dict[int, list[MarketAccess]]:
    """The access entries of some products, by product, each with its country, in country order
    (the HS tree lists them under each product and covered kind). One query."""
    entries: dict[int, list[MarketAccess]] = {}
    rows = (
        MarketAccess.objects.filter(product_id__in=set(product_ids))
        .select_related("country", "product")
        .order_by("country__name_en")
    )
    for access in rows:
        entries.setdefault(access.product_id, []).append(access)
    return entries
