"""The records the answers to a batch of eligibility questions read, in two round trips on
PostgreSQL: the product resolver's statement (registry.selectors.resolver), then one hand-written
statement (records.sql, runnable in psql) returning everything else as one JSON document, run
through a plain cursor that binds its parameters on the server (so PostgreSQL plans it once per
connection). The embedded SQLite mode builds the same document with the ORM, question by
question (accessions.eligibility.records_orm: slower, the same answers).

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

from accessions.eligibility.kinds import product_resolve_in_countries
from accessions.eligibility.records_orm import Row, document_orm
from accessions.models import EstablishmentRegistration, MarketAccess
from accessions.validity import series_states, state_on
from accessions.windows import change_days
from registry.models import CATEGORY_SITE_KINDS, Country, Port, ReportedFigure, Union
from registry.replicas import read_alias, read_connection
from registry.selectors.resolution import ProductResolution
from registry.sql import server_bound
from regulations.models import Regulation

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
        rows.append(
            (n, product_id, question.country, question.on, question.establishment, question.port)
        )
    if not rows:
        return found
    document = _document_sql(rows) if connection.vendor == "postgresql" else document_orm(rows)
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
        "port": list(columns[5]),
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


def _to_date(value: Any) -> Any:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _to_datetime(value: Any) -> Any:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _to_decimal(value: Any) -> Any:
    return decimal.Decimal(str(value)) if isinstance(value, str | int | float) else value


# How a column's JSON value becomes the field's Python value, by the field's type (others are
# kept as they are).
CONVERTERS = {"DateField": _to_date, "DateTimeField": _to_datetime, "DecimalField": _to_decimal}


@functools.cache
def _columns(model: type[models.Model]) -> tuple[list[str], list[tuple[str, Any]]]:
    """A model's attribute names and, in the same order, each column with its converter: read
    once per model, not once per row (a batch of 1,000 builds ~3,000 instances)."""
    fields = model._meta.concrete_fields
    columns = [(str(f.column), CONVERTERS.get(f.get_internal_type())) for f in fields]
    return [f.attname for f in fields], columns


def instance(model: type[models.Model], row: dict[str, Any] | None) -> Any:
    """A model instance from a row as a dict of its columns (to_jsonb, or `.values()`)."""
    if row is None:
        return None
    attnames, columns = _columns(model)
    values = []
    for column, convert in columns:
        value = row.get(column)
        values.append(value if convert is None or value is None else convert(value))
    return model.from_db(read_alias(), attnames, values)


def as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:  # past year 9999 (the day after an open-ended far date): no change day
        return None


def _build(document: dict[str, Any], found: list[Records], questions: Sequence[Any]) -> None:
    """The records of every question from the document: the records answers share (countries,
    ports, regulations, figures) built once, each question's own (its entry, its registration)
    once for it."""
    countries = {row["id"]: instance(Country, row) for row in document.get("countries") or []}
    ports = []
    for item in document.get("ports") or []:
        port = instance(Port, item["row"])
        port.facing_country = instance(Country, item["facing_country"])
        ports.append(port)
    regulations = {}
    for item in document.get("regulations") or []:
        regulation = instance(Regulation, item["row"])
        regulation.country = instance(Country, item["country"])
        regulation.union = instance(Union, item["union"])
        regulations[regulation.pk] = regulation
    figures = [instance(ReportedFigure, row) for row in document.get("figures") or []]
    ports_on: dict[tuple[frozenset[int], frozenset[int], bool], list[Port]] = {}
    for item in document.get("answers") or []:
        n = item["n"]
        records, question = found[n], questions[n]
        records.country = countries.get(item["country"]) if item["country"] else None
        records.regulations = [regulations[pk] for pk in item.get("regulations") or []]
        records.days = [d for d in (as_date(v) for v in item.get("days") or []) if d is not None]
        if item.get("coverage") is not None:
            country_id = records.country.pk if records.country else None
            records.coverage = item["coverage"]
            records.figures = [f for f in figures if f.country_id in (None, country_id)]
            records.days += [d for d in map(as_date, item.get("coverage_days") or []) if d]
        if item.get("access") is not None:
            _build_access(item, records, question, ports, ports_on)


def _build_access(
    item: dict[str, Any],
    records: Records,
    question: Any,
    ports: list[Port],
    ports_on: dict[tuple[frozenset[int], frozenset[int], bool], list[Port]],
) -> None:
    """The access entry of one question, its state on the date, its ports as the question sees
    them (shared by every question of the batch that sees them alike: the rules only read them)
    and the registration asked about."""
    row = item["access"]
    access = instance(MarketAccess, row)
    access.has_listed_ports = item["has_listed_ports"]
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
    flags = (
        frozenset(item.get("listed_ports") or []),
        frozenset(item.get("site_ports") or []),
        bool(item["sites_incomplete"]),
    )
    if flags not in ports_on:
        ports_on[flags] = _ports_on_question(ports, *flags)
    records.ports = ports_on[flags]
    registration = item.get("establishment")
    if registration is not None:
        establishment = instance(EstablishmentRegistration, registration["row"])
        establishment.covers_product = registration["covers_product"]
        establishment.effective_end = as_date(registration["effective_end"])
        establishment.country = instance(Country, registration["country"])
        records.establishment = establishment


def _ports_on_question(
    ports: list[Port], listed: frozenset[int], with_site: frozenset[int], incomplete: bool
) -> list[Port]:
    """Every port, each marked as the question sees it: listed by the entry, holding a
    designated site of the kind on the date, the list of such sites incomplete."""
    found = []
    for port in ports:
        on_question = Port.__new__(Port)
        on_question.__dict__.update(port.__dict__)
        on_question.is_listed = port.pk in listed  # type: ignore[attr-defined]
        on_question.has_site = port.pk in with_site  # type: ignore[attr-defined]
        on_question.sites_incomplete = incomplete  # type: ignore[attr-defined]
        found.append(on_question)
    return found
