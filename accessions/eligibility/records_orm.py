"""The embedded mode (SQLite): the document accessions/eligibility/records.sql returns, built
with the ORM question by question. Slower, the same answers: the rules read only the document
(accessions.eligibility.records builds the records from it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.models import Exists, F, OuterRef

from accessions.models import (
    AccessCondition,
    AccessState,
    EstablishmentRegistration,
    MarketAccess,
    StateKind,
)
from accessions.registration_validity import registration_effective_end
from accessions.validity import (
    STATE_FIELDS,
    access_granted_on,
    series_states,
    state_on,
)
from accessions.windows import COVERAGE_DAYS
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
    UnionMembership,
)
from regulations.models import Regulation
from regulations.selectors import regulation_binds_q, regulation_in_force_q

# A question as the statement takes it: position, product id, ISO code, date, registration number,
# port code ('' when none).
Row = tuple[int, int | None, str, dt.date, str, str]


def document_orm(rows: Sequence[Row]) -> dict[str, Any]:
    """The document records.sql returns, built with the ORM question by question."""
    iso2s = {row[2] for row in rows}
    countries: dict[str, Any] = {
        c["iso2"]: c for c in Country.objects.filter(iso2__in=iso2s).values()
    }
    answers = [_answer_orm(row, countries.get(row[2])) for row in rows]
    regulation_ids = {pk for a in answers for pk in a["regulations"] or []}
    regulations = [
        {"row": _row(r), "country": _row(r.country), "union": _row(r.union)}
        for r in Regulation.objects.filter(pk__in=regulation_ids).select_related("country", "union")
    ]
    needing = {a["country"] for a in answers if a["coverage"] is not None}
    figures = [
        _row(f)
        for f in ReportedFigure.objects.filter(metric=Metric.PRODUCTS_WITH_ACCESS)
        .filter(models.Q(country__isnull=True) | models.Q(country_id__in=needing))
        .order_by(F("as_of").desc(nulls_last=True), "key")
    ]
    # The ports the port rules read: listed by an entry, holding a site of its kind, asked about.
    with_access = [(a, row) for a, row in zip(answers, rows, strict=True) if a["access"]]
    seen = {pk for a, _row in with_access for pk in a["listed_ports"] + a["site_ports"]}
    asked = {row[5] for _a, row in with_access if row[5]}
    ports = [
        {"row": _row(port), "facing_country": _row(port.facing_country)}
        for port in Port.objects.filter(models.Q(pk__in=seen) | models.Q(code__in=asked))
        .select_related("facing_country")
        .order_by("name_en")
    ]
    return {
        "answers": answers,
        "countries": list(countries.values()),
        "ports": ports,
        "regulations": regulations,
        "figures": figures if needing else [],
    }


def _row(record: models.Model | None) -> Any:
    """A record as a dict of its columns (what row_to_json gives), None for none."""
    if record is None:
        return None
    return {str(f.column): getattr(record, f.attname) for f in record._meta.concrete_fields}


def _answer_orm(row: Row, country: dict[str, Any] | None) -> dict[str, Any]:
    n, product_id, _iso2, on, number, _port = row
    answer: dict[str, Any] = {"n": n, "country": None, "access": None, "regulations": None}
    answer.update(has_listed_ports=False, coverage=None, days=[], coverage_days=None)
    if country is None:
        return answer
    answer["country"] = country["id"]
    if product_id is None:
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
        _coverage_orm(answer, country_id, on)
    return answer


def _coverage_orm(answer: dict[str, Any], country_id: int, on: dt.date) -> None:
    answer["coverage"] = (
        MarketAccess.objects.filter(country_id=country_id)
        .alias(granted=access_granted_on(on))
        .filter(granted=True)
        .count()
    )
    starts = (
        AccessState.objects.filter(market_access__country_id=country_id)
        .exclude(starts_on__isnull=True)
        .values_list("starts_on", flat=True)
        .distinct()
    )
    days = sorted({d for d in starts if d is not None})
    before = [d for d in days if d <= on][-COVERAGE_DAYS:]
    answer["coverage_days"] = before + [d for d in days if d > on][:COVERAGE_DAYS]


def _access_orm(answer: dict[str, Any], access: MarketAccess, product_id: int, on, number: str):
    category = Product.objects.filter(pk=product_id).values_list("category", flat=True).first()
    kind = access.required_site_kind or CATEGORY_SITE_KINDS.get(category or "", "")
    answer["access"] = _row(access)
    answer["has_listed_ports"] = access.has_listed_ports  # type: ignore[attr-defined]
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
            "instrument_ref",
            "instrument_ref_zh",
            "instrument_ref_ru",
            "source",
            "source_zh",
            "source_ru",
            "valid_from",
            "valid_from_precision",
            "valid_until",
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
        _establishment_orm(answer, product_id, number)


def _establishment_orm(answer: dict[str, Any], product_id: int, number: str) -> None:
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
    if found is None:
        return
    answer["establishment"] = {
        "row": _row(found),
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
