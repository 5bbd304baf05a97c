"""Access entries: the latest legal changes, an entry's detail and recorded history, the public
API's list and its plain rows (the hot path), and the entries of some products.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, Prefetch, QuerySet

from accessions.lists import ACCESS
from accessions.models import Accession, AccessionStage, MarketAccess
from registry.models import Port


def latest_changes(*, limit: int = 6) -> list[MarketAccess]:
    """Access entries by their latest instrument (the newest legal change first)."""
    return list(
        MarketAccess.objects.filter(instrument_date__isnull=False)
        .select_related("product", "country")
        .order_by("-instrument_date", "-pk")[:limit]
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


def market_access_events(access_id: int) -> QuerySet:
    """The recorded changes of one access entry (pghistory events), oldest first."""
    events = MarketAccess.pgh_event_model  # type: ignore[attr-defined]  # set by pghistory
    return events.objects.filter(pgh_obj_id=access_id).order_by("pgh_id")


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
