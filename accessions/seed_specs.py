"""The seed files as the loader (accessions.seeding) reads them: one Spec a file, naming its model,
its natural key and how each column becomes a field, in the order the files load; and the cell
converters the specs use, each taking the raw cell and returning a value or raising RowError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from accessions.models import (
    AccessCondition,
    Accession,
    AccessionStage,
    AccessState,
    DiplomaticEvent,
    MarketAccess,
    RegistrationRegime,
)
from accessions.seed_rules import TRANSLATED_ACCESS, TRANSLATED_CONDITION, TRANSLATED_NOTE
from registry.models import (
    Country,
    CountryAlias,
    CoverageGap,
    HsHeading,
    Port,
    PortRegime,
    Product,
    ProductAlias,
    ProductKind,
    ProductKindAlias,
    ReportedFigure,
    ReportedSiteCount,
    SupervisionSite,
    Union,
    UnionMembership,
)
from regulations.models import Regulation, RegulationProduct, Topic


class RowError(Exception):
    pass


# --- cell converters: each takes the raw cell and returns a value or raises RowError ----------


def text(value: str) -> str:
    return value.strip()


def optional_date(value: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RowError(f"'{value}' is not a date (YYYY-MM-DD)") from None


def required_date(value: str) -> dt.date:
    parsed = optional_date(value)
    if parsed is None:
        raise RowError("a date is required")
    return parsed


def boolean(value: str) -> bool:
    value = value.strip().lower()
    if value not in {"true", "false"}:
        raise RowError(f"'{value}' is not true/false")
    return value == "true"


# "registered establishments required": stated yes, stated no, or the sources are silent.
TRI_STATE = {"true": True, "false": False, "not_stated": None}


def tri_state(value: str) -> bool | None:
    value = value.strip().lower()
    if value not in TRI_STATE:
        raise RowError(f"'{value}' is not true/false/not_stated")
    return TRI_STATE[value]


def optional_int(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise RowError(f"'{value}' is not a whole number") from None


def required_int(value: str) -> int:
    parsed = optional_int(value)
    if parsed is None:
        raise RowError("a number is required")
    return parsed


def ref(model: type[models.Model], lookup: str, label: str, optional: bool = False):
    def convert(value: str):
        value = value.strip()
        if not value:
            if optional:
                return None
            raise RowError(f"{label} is required")
        try:
            return model._default_manager.get(**{lookup: value})
        except ObjectDoesNotExist:
            raise RowError(f"unknown {label} '{value}'") from None

    return convert


def refs(model: type[models.Model], lookup: str, label: str):
    def convert(value: str) -> list:
        keys = [k.strip() for k in value.split(";") if k.strip()]
        found = {
            getattr(o, lookup): o for o in model._default_manager.filter(**{f"{lookup}__in": keys})
        }
        missing = [k for k in keys if k not in found]
        if missing:
            raise RowError(f"unknown {label} {', '.join(repr(m) for m in missing)}")
        return [found[k] for k in keys]

    return convert


def market_access_ref(row: dict[str, str]) -> MarketAccess:
    try:
        return MarketAccess.objects.get(
            country__iso2=row["country"].strip(), product__slug=row["product"].strip()
        )
    except MarketAccess.DoesNotExist:
        raise RowError(f"no market_access row for {row['country']}/{row['product']}") from None


def kind_ref(row: dict[str, str]) -> ProductKind:
    try:
        return ProductKind.objects.get(
            product__slug=row["product"].strip(), slug=row["kind"].strip()
        )
    except ProductKind.DoesNotExist:
        raise RowError(f"no covered kind {row['product']}/{row['kind']}") from None


def accession_ref(row: dict[str, str]) -> Accession:
    accessions = list(
        Accession.objects.filter(
            market_access__country__iso2=row["country"].strip(),
            market_access__product__slug=row["product"].strip(),
        )
    )
    if len(accessions) != 1:
        raise RowError(
            f"expected one accession for {row['country']}/{row['product']}, found {len(accessions)}"
        )
    return accessions[0]


def jurisdiction(row: dict[str, str]) -> dict[str, Any]:
    code = row["jurisdiction"].strip()
    union = Union.objects.filter(code=code).first()
    if union:
        return {"union": union, "country": None}
    country = Country.objects.filter(iso2=code).first()
    if country:
        return {"country": country, "union": None}
    raise RowError(f"unknown jurisdiction '{code}' (a country ISO2 or a union code)")


PROVENANCE = "source source_url confidence notes public_note"


# Columns a file may leave out: OPTIONAL_COLUMNS in accessions/seed_rules.py.


@dataclass
class Spec:
    """One seed file: its model, natural key, and how each column becomes a field.

    `text` names the columns copied as stripped text; `typed` maps the other columns to their
    converters; `derived` computes fields from the whole row; `deferred` fields are set once every
    row of the file exists (self-references).
    """

    file: str
    model: type[models.Model]
    key: tuple[str, ...]
    text: str
    typed: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    derived: Callable[[dict[str, str]], dict[str, Any]] | None = None
    m2m: dict[str, Callable[[str], list]] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    deferred: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    # A file added later than seed directories still in use (an absent file: no rows).
    optional: bool = False

    @property
    def columns(self) -> dict[str, Callable[[str], Any]]:
        return {**dict.fromkeys(self.text.split(), text), **self.typed}

    @property
    def header(self) -> set[str]:
        return set(self.columns) | set(self.m2m) | set(self.ignored) | set(self.deferred)


COUNTRY = ref(Country, "iso2", "country")
PRODUCT = ref(Product, "slug", "product")
PORT = ref(Port, "code", "port")

# fmt: off
SPECS: list[Spec] = [
    Spec("countries.csv", Country, ("iso2",),
         f"iso2 iso3 name_en name_zh name_ru region {PROVENANCE}"),
    Spec("country_aliases.csv", CountryAlias, ("country", "alias"),
         f"alias language {PROVENANCE}", {"country": COUNTRY}),
    Spec("unions.csv", Union, ("code",), f"code name_en name_zh name_ru kind {PROVENANCE}"),
    Spec("union_memberships.csv", UnionMembership, ("union", "country", "valid_from"),
         f"role valid_from_precision {PROVENANCE}",
         {"union": ref(Union, "code", "union"), "country": COUNTRY, "binding": boolean,
          "valid_from": required_date, "valid_until": optional_date},
         ignored=("valid_until_precision",)),
    Spec("products.csv", Product, ("slug",),
         f"slug name_en name_zh name_ru category origin_type hs_code hs_basis {PROVENANCE}"),
    Spec("product_aliases.csv", ProductAlias, ("product", "alias"), "alias language kind",
         {"product": PRODUCT}),
    # The named kinds a product covers (issue 24), and the other names they are found by.
    Spec("product_kinds.csv", ProductKind, ("product", "slug"),
         f"slug name_en name_zh name_ru hs_code {PROVENANCE}",
         {"product": PRODUCT, "position": required_int}, optional=True),
    Spec("product_kind_aliases.csv", ProductKindAlias, ("kind", "alias"), "alias language",
         derived=lambda row: {"kind": kind_ref(row)}, ignored=("product", "kind"), optional=True),
    # HS 2022 chapters and headings of the recorded products, named in three languages.
    Spec("hs_headings.csv", HsHeading, ("code",), f"code name_en name_zh name_ru {PROVENANCE}",
         optional=True),
    Spec("ports.csv", Port, ("code",),
         "code name_en name_pinyin name_zh name_ru counterpart_port green_channel_precision "
         f"green_channel_source green_channel_confidence location {PROVENANCE} {TRANSLATED_NOTE}",
         {"facing_country": COUNTRY, "road": boolean, "rail": boolean, "air": boolean,
          "green_channel_since": optional_date}),
    Spec("port_regimes.csv", PortRegime, ("port", "regime", "valid_from"),
         f"regime valid_from_precision {PROVENANCE} {TRANSLATED_NOTE}",
         {"port": PORT, "valid_from": required_date, "valid_until": optional_date,
          "is_pilot": boolean},
         ignored=("valid_until_precision",)),
    Spec("supervision_sites.csv", SupervisionSite, ("port", "kind"),
         f"kind valid_from_precision {PROVENANCE} {TRANSLATED_NOTE}",
         {"port": PORT, "valid_from": optional_date}),
    Spec("site_counts.csv", ReportedSiteCount, ("kind", "area", "as_of"),
         f"kind area as_of_precision {PROVENANCE}",
         {"ports_reported": required_int, "as_of": required_date}),
    Spec("topics.csv", Topic, ("slug",), "slug name_en name_zh name_ru"),
    Spec("regulations.csv", Regulation, ("slug",),
         "slug code title_en title_ru title_zh title_original_language "
         "title_translated_by_registry kind adopted_by adopted_on_precision "
         f"in_force_from_precision status scope {PROVENANCE} {TRANSLATED_NOTE}",
         {"adopted_on": optional_date, "in_force_from": optional_date,
          "in_force_until": optional_date},
         derived=jurisdiction,
         m2m={"topics": refs(Topic, "slug", "topic")},
         ignored=("jurisdiction",),
         deferred={"superseded_by": ref(Regulation, "slug", "regulation", optional=True)}),
    Spec("regulation_products.csv", RegulationProduct, ("regulation", "product"),
         "clause note source confidence",
         {"regulation": ref(Regulation, "slug", "regulation"), "product": PRODUCT}),
    Spec("registration_regimes.csv", RegistrationRegime, ("code",),
         f"code name_en name_zh name_ru exclusions {PROVENANCE}",
         {"issued_on": optional_date, "validity_years": required_int,
          "window_min_months": required_int, "window_max_months": required_int,
          "auto_extend": boolean, "auto_extend_years": optional_int},
         derived=lambda row: {
             "valid_from": required_date(row["in_force_from"]),
             "valid_until": optional_date(row["in_force_until"]),
         },
         ignored=("in_force_from", "in_force_until")),
    Spec("events.csv", DiplomaticEvent, ("slug",),
         "slug name_en name_zh name_ru place source confidence notes public_note",
         {"starts_on": optional_date, "ends_on": optional_date}),
    Spec("market_access.csv", MarketAccess, ("country", "product"),
         "status instrument_kind instrument_ref instrument_date_precision "
         "protocol_signed_precision valid_from_precision required_site_kind treatment "
         f"pest_free_areas conditions registered_establishments_basis {PROVENANCE} "
         f"{TRANSLATED_ACCESS}",
         {"country": COUNTRY, "product": PRODUCT, "instrument_date": optional_date,
          "protocol_signed_on": optional_date, "valid_from": optional_date,
          "valid_until": optional_date, "requires_registered_establishments": tri_state},
         m2m={"allowed_ports": refs(Port, "code", "port")}),
    # Dated legal states recorded on their own (suspensions, restorations, revocations); the
    # protocol, start and end of each entry come from market_access.csv (access_states_sync).
    Spec("access_states.csv", AccessState, ("market_access", "kind", "starts_on"),
         "kind starts_on_precision limited_to instrument_kind instrument_ref "
         f"{PROVENANCE} {TRANSLATED_NOTE}",
         {"starts_on": optional_date},
         derived=lambda row: {"market_access": market_access_ref(row), "origin": "recorded"},
         ignored=("country", "product"), optional=True),
    Spec("access_conditions.csv", AccessCondition, ("market_access", "kind", "valid_from"),
         f"kind text instrument_ref valid_from_precision {PROVENANCE} {TRANSLATED_CONDITION}",
         {"valid_from": required_date, "valid_until": optional_date},
         derived=lambda row: {"market_access": market_access_ref(row)},
         ignored=("country", "product")),
    # Certificates, packaging and labelling per entry (the same model, kept in their own file).
    Spec("access_requirements.csv", AccessCondition, ("market_access", "kind", "valid_from"),
         f"kind text instrument_ref valid_from_precision {PROVENANCE} {TRANSLATED_CONDITION}",
         {"valid_from": required_date, "valid_until": optional_date},
         derived=lambda row: {"market_access": market_access_ref(row)},
         ignored=("country", "product")),
    Spec("accessions.csv", Accession, ("market_access", "year"),
         f"basis {PROVENANCE} {TRANSLATED_NOTE}",
         {"year": required_int, "event": ref(DiplomaticEvent, "slug", "event", optional=True),
          "event_inferred": boolean},
         derived=lambda row: {"market_access": market_access_ref(row)},
         ignored=("country", "product")),
    Spec("accession_stages.csv", AccessionStage, ("accession", "stage"),
         f"stage occurred_on_precision {PROVENANCE}",
         {"occurred_on": optional_date},
         derived=lambda row: {"accession": accession_ref(row)},
         ignored=("country", "product")),
    # Products a statement names that the registry could not source (issue 22; the about page).
    Spec("coverage_gaps.csv", CoverageGap, ("country", "name_en"),
         "category name_en name_zh name_ru reported_on_precision reason reason_zh reason_ru "
         f"translated_by_registry {PROVENANCE}",
         {"country": COUNTRY, "reported_on": optional_date}, optional=True),
    Spec("reported_figures.csv", ReportedFigure, ("key",),
         "key metric qualifier as_of_precision label_en label_zh label_ru "
         f"{PROVENANCE} {TRANSLATED_NOTE}",
         {"country": ref(Country, "iso2", "country", optional=True), "value": required_int,
          "as_of": optional_date}),
]
# fmt: on
