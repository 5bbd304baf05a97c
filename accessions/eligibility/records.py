"""The records the answers to a batch of eligibility questions read, in two round trips on
PostgreSQL: the product resolver's statement (registry.selectors.resolver), then one hand-written
statement (records.sql, runnable in psql) returning everything else as one JSON document, run
through a plain cursor that binds its parameters on the server (so PostgreSQL plans it once per
connection). The embedded SQLite mode builds the same document with the ORM, question by
question (slower, the same answers: the rules read only the document).

The document's rows become model instances through `Model.from_db` (public API), their related
records set through the relation's own attribute.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, models
from django.db.models import Exists, F, OuterRef

from accessions.eligibility.kinds import product_resolve_in_countries
from accessions.models import (
    AccessCondition,
    AccessState,
    EstablishmentRegistration,
    MarketAccess,
    StateKind,
)
from accessions.validity import (
    STATE_FIELDS,
    access_granted_on,
    registration_effective_end,
    series_states,
    state_on,
)
from accessions.windows import change_days
from registry.dates import in_force_q
from registry.models import (
    CATEGORY_SITE_KINDS,
    Country,
    Metric,
    Port,
    Product,
    ReportedFigure,
    ReportedSiteCount,
    SupervisionSite,
    Union,
)
from registry.replicas import read_alias, read_connection
from registry.selectors.resolution import ProductResolution
from registry.sql import server_bound
from regulations.models import Regulation
from regulations.selectors import regulation_binds_q, regulation_in_force_q

STATEMENT = Path(__file__).with_name("records.sql")


@functools.cache
def statement_sql() -> str:
    return STATEMENT.read_text()


@dataclass
class Records:
    """What the statement found for one question."""

    resolution: ProductResolution
    country: Country | None = None
    access: MarketAccess | None = None
    regulations: list[Regulation] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    establishment: EstablishmentRegistration | None = None
    coverage: int | None = None
    figures: list[ReportedFigure] = field(default_factory=list)
    # The days on which what the answer reads may change (accessions.windows).
    days: list[dt.date] = field(default_factory=list)


# A question as the statement takes it: position, product id, ISO code, date, registration number.
Row = tuple[int, int | None, str, dt.date, str]


def records_read(questions: Sequence[Any]) -> list[Records]:
    """The records of every question: the products (the resolver: 1 statement, a second only for
    words it must guess), then everything else (1 statement on PostgreSQL)."""
    # Each word resolved for its country: a word naming a product and a kind another product
    # covers is the one the country has an entry for (accessions.eligibility.kinds, issue 24).
    resolutions = product_resolve_in_countries(
        (q.product, q.country) for q in questions if q.product
    )
    found = [
        Records(resolutions.get((q.product, q.country)) or ProductResolution(q.product))
        for q in questions
    ]
    rows: list[Row] = []
    for n, (question, records) in enumerate(zip(questions, found, strict=True)):
        product = records.resolution.product
        product_id = product.pk if product else None
        rows.append((n, product_id, question.country, question.on, question.establishment))
    if not rows:
        return found
    document = _document_sql(rows) if connection.vendor == "postgresql" else _document_orm(rows)
    _build(document, found, questions)
    return found


def statement_params(rows: Sequence[Row]) -> dict[str, Any]:
    columns = list(zip(*rows, strict=True))
    return {
        "n": list(columns[0]),
        "product": list(columns[1]),
        "iso2": list(columns[2]),
        "on": list(columns[3]),
        "number": list(columns[4]),
        "site_kinds": _site_kinds_json(),
    }


@functools.cache
def _site_kinds_json() -> str:
    import json

    return json.dumps({k: str(v) for k, v in CATEGORY_SITE_KINDS.items()})


def _document_sql(rows: Sequence[Row]) -> dict[str, Any]:
    with server_bound(read_connection()).cursor() as cursor:  # a replica's, if routed
        cursor.execute(statement_sql(), statement_params(rows))
        (document,) = cursor.fetchone()
    if isinstance(document, str):  # a client-side cursor returns the text
        import json

        document = json.loads(document)
    return document


# --- Rows to model instances ------------------------------------------------------------------


def _value(field_: models.Field, value: Any) -> Any:
    if value is None or not isinstance(value, str | int | float):
        return value
    kind = field_.get_internal_type()
    if kind == "DateField" and isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if kind == "DateTimeField" and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if kind == "DecimalField":
        return decimal.Decimal(str(value))
    return value


def instance(model: type[models.Model], row: dict[str, Any] | None) -> Any:
    """A model instance from a row as a dict of its columns (to_jsonb, or `.values()`)."""
    if row is None:
        return None
    fields = model._meta.concrete_fields
    return model.from_db(
        read_alias(),
        [f.attname for f in fields],
        [_value(f, row.get(str(f.column))) for f in fields],
    )


def as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:  # past year 9999 (the day after an open-ended far date): no change day
        return None


def _build(document: dict[str, Any], found: list[Records], questions: Sequence[Any]) -> None:
    ports = []
    for row in document.get("ports") or []:
        port = instance(Port, row)
        port.facing_country = instance(Country, row.get("facing_country"))
        ports.append(port)
    regulations = {}
    for row in document.get("regulations") or []:
        regulation = instance(Regulation, row)
        regulation.country = instance(Country, row.get("country"))
        regulation.union = instance(Union, row.get("union"))
        regulations[regulation.pk] = regulation
    figures = [instance(ReportedFigure, row) for row in document.get("figures") or []]
    countries: dict[int, Country] = {}
    for item in document.get("answers") or []:
        n = item["n"]
        records, question = found[n], questions[n]
        row = item.get("country")
        if row is not None:
            records.country = countries.setdefault(row["id"], instance(Country, row))
        records.regulations = [regulations[pk] for pk in item.get("regulations") or []]
        records.days = [d for d in (as_date(v) for v in item.get("days") or []) if d is not None]
        if item.get("coverage") is not None:
            country_id = records.country.pk if records.country else None
            records.coverage = item["coverage"]
            records.figures = [f for f in figures if f.country_id in (None, country_id)]
            records.days += [d for d in map(as_date, item.get("coverage_days") or []) if d]
        if item.get("access") is not None:
            _build_access(item, records, question, ports)


def _build_access(item: dict[str, Any], records: Records, question: Any, ports: list[Port]):
    row = item["access"]
    access = instance(MarketAccess, row)
    access.has_listed_ports = row["has_listed_ports"]
    access.product = records.resolution.product
    access.country = records.country
    access.state_series_data = item.get("states") or []
    access.dated_conditions_data = item.get("conditions") or []
    # The state on the date asked, by the Python twin of accessions.validity over the series
    # read with the entry (accessions.eligibility.state reads the rest of the series).
    series = series_states(access.state_series_data)
    current = state_on(series, question.on)
    access.state_on_data = current.row if current else None
    records.access = access
    records.days += change_days(series)
    listed, with_site = set(item.get("listed_ports") or []), set(item.get("site_ports") or [])
    for port in ports:
        on_question = Port.__new__(Port)
        on_question.__dict__.update(port.__dict__)
        on_question.is_listed = port.pk in listed  # type: ignore[attr-defined]
        on_question.has_site = port.pk in with_site  # type: ignore[attr-defined]
        on_question.sites_incomplete = item["sites_incomplete"]  # type: ignore[attr-defined]
        records.ports.append(on_question)
    registration = item.get("establishment")
    if registration is not None:
        establishment = instance(EstablishmentRegistration, registration)
        establishment.covers_product = registration["covers_product"]
        establishment.effective_end = as_date(registration["effective_end"])
        establishment.country = instance(Country, registration["country"])
        records.establishment = establishment


# --- The embedded mode: the same document through the ORM ---------------------------------------


def _document_orm(rows: Sequence[Row]) -> dict[str, Any]:
    """The document records.sql returns, built with the ORM question by question (SQLite)."""
    iso2s = {row[2] for row in rows}
    countries: dict[str, Any] = {
        c["iso2"]: c for c in Country.objects.filter(iso2__in=iso2s).values()
    }
    answers = [_answer_orm(row, countries.get(row[2])) for row in rows]
    regulation_ids = {pk for a in answers for pk in a["regulations"] or []}
    regulations = []
    for regulation in Regulation.objects.filter(pk__in=regulation_ids).select_related(
        "country", "union"
    ):
        regulations.append(
            {
                **_row(regulation),
                "country": _row(regulation.country),
                "union": _row(regulation.union),
            }
        )
    needing = {a["country"]["id"] for a in answers if a["coverage"] is not None}
    figures = [
        _row(f)
        for f in ReportedFigure.objects.filter(metric=Metric.PRODUCTS_WITH_ACCESS)
        .filter(models.Q(country__isnull=True) | models.Q(country_id__in=needing))
        .order_by(F("as_of").desc(nulls_last=True), "key")
    ]
    ports = [
        {**_row(port), "facing_country": _row(port.facing_country)}
        for port in Port.objects.select_related("facing_country").order_by("name_en")
    ]
    return {
        "answers": answers,
        "ports": ports if any(a["access"] for a in answers) else [],
        "regulations": regulations,
        "figures": figures if needing else [],
    }


def _row(record: models.Model | None) -> Any:
    """A record as a dict of its columns (what to_jsonb gives), None for none."""
    if record is None:
        return None
    return {str(f.column): getattr(record, f.attname) for f in record._meta.concrete_fields}


def _answer_orm(row: Row, country: dict[str, Any] | None) -> dict[str, Any]:
    n, product_id, _iso2, on, number = row
    answer: dict[str, Any] = {"n": n, "country": country, "access": None, "regulations": None}
    answer.update(coverage=None, days=[], coverage_days=None)
    if country is None or product_id is None:
        return answer
    country_id: int = country["id"]
    answer["regulations"] = list(
        Regulation.objects.filter(product_links__product_id=product_id)
        .filter(regulation_binds_q(country["iso2"], on), regulation_in_force_q(on))
        .distinct()
        .order_by("union__code", "country__iso2", "code")
        .values_list("pk", flat=True)
    )
    answer["days"] = change_days_orm(product_id, country_id)
    access = (
        MarketAccess.objects.filter(product_id=product_id, country_id=country_id)
        .annotate(
            has_listed_ports=Exists(
                MarketAccess.allowed_ports.through.objects.filter(marketaccess_id=OuterRef("pk"))
            )
        )
        .first()
    )
    kind_on = None
    if access is not None:
        _access_orm(answer, access, product_id, on, number)
        current = state_on(series_states(answer["states"]), on)
        kind_on = current.kind if current else None
    if access is None or kind_on in (None, StateKind.PROTOCOL_SIGNED):
        answer["coverage"] = (
            MarketAccess.objects.filter(country_id=country_id)
            .alias(granted=access_granted_on(on))
            .filter(granted=True)
            .count()
        )
        starts: list[dt.date] = [
            d
            for d in AccessState.objects.filter(market_access__country_id=country_id)
            .exclude(starts_on__isnull=True)
            .values_list("starts_on", flat=True)
            if d is not None
        ]
        answer["coverage_days"] = [
            max((d for d in starts if d <= on), default=None),
            min((d for d in starts if d > on), default=None),
        ]
    return answer


def _access_orm(answer: dict[str, Any], access: MarketAccess, product_id: int, on, number: str):
    category = Product.objects.filter(pk=product_id).values_list("category", flat=True).first()
    kind = access.required_site_kind or CATEGORY_SITE_KINDS.get(category or "", "")
    answer["access"] = {**_row(access), "has_listed_ports": access.has_listed_ports}  # type: ignore[attr-defined]
    answer["states"] = list(AccessState.objects.filter(market_access=access).values(*STATE_FIELDS))
    answer["conditions"] = list(
        AccessCondition.objects.filter(market_access=access)
        .filter(in_force_q(on))
        .values(
            "kind",
            "text",
            "text_zh",
            "text_ru",
            "translated_by_registry",
            "source",
            "valid_from",
            "valid_from_precision",
            "valid_until",
            instrument=F("instrument_ref"),
        )
    )
    answer["listed_ports"] = list(access.allowed_ports.values_list("pk", flat=True))
    sites = SupervisionSite.objects.filter(kind=kind)
    answer["site_ports"] = list(sites.filter(in_force_q(on)).values_list("port_id", flat=True))
    answer["sites_incomplete"] = ReportedSiteCount.objects.filter(
        kind=kind, ports_reported__gt=sites.count()
    ).exists()
    for site in sites.values("valid_from", "valid_until"):
        answer["days"] += _span_days(site["valid_from"], site["valid_until"])
    for condition in AccessCondition.objects.filter(market_access=access).values(
        "valid_from", "valid_until"
    ):
        answer["days"] += _span_days(condition["valid_from"], condition["valid_until"])
    answer["establishment"] = None
    if number:
        found = (
            EstablishmentRegistration.objects.filter(registration_number=number)
            .annotate(
                covers_product=Exists(
                    EstablishmentRegistration.products.through.objects.filter(
                        establishmentregistration_id=OuterRef("pk"), product_id=product_id
                    )
                ),
                effective_end=registration_effective_end(),
            )
            .first()
        )
        if found is not None:
            answer["establishment"] = {
                **_row(found),
                "covers_product": found.covers_product,
                "effective_end": found.effective_end,
                "country": _row(found.country),
            }
            answer["days"] += [found.registered_on, found.stopped_on]
            answer["days"] += _span_days(None, found.valid_until)
            answer["days"] += _span_days(None, found.extended_until)


def _span_days(start: dt.date | None, end: dt.date | None) -> list[dt.date | None]:
    """The change days of a validity [start, end]: its start and the day after its end."""
    after = end + dt.timedelta(days=1) if end is not None and end < dt.date.max else None
    return [start, after]


def change_days_orm(product_id: int, country_id: int) -> list[dt.date | None]:
    """The change days of the regulations of the product and the country's memberships."""
    from registry.models import UnionMembership

    days: list[dt.date | None] = []
    for start, end in Regulation.objects.filter(product_links__product_id=product_id).values_list(
        "in_force_from", "in_force_until"
    ):
        days += _span_days(start, end)
    for start, end in UnionMembership.objects.filter(country_id=country_id).values_list(
        "valid_from", "valid_until"
    ):
        days += _span_days(start, end)
    return days
