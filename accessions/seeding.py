"""The seed loader: upserts seeds/*.csv by natural key, all or nothing.

Every row of every file is checked (parsed, its references resolved, `full_clean()` with the
model's constraints) before anything is kept. One bad row anywhere means the whole load is rolled
back and every bad row is reported as file:line with the reason. A second run over unchanged files
reports nothing changed and writes nothing (so history records nothing either).

Rows are never deleted because they are missing from a file (an inspector's additions survive a
reload). A seeded row that a correction retires is named in `removed.csv` (file, natural key,
reason) and deleted when present, under the same `load_seeds` history context as every other
change.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accessions.models import (
    AccessCondition,
    Accession,
    AccessionStage,
    AccessState,
    DiplomaticEvent,
    MarketAccess,
    RegistrationRegime,
)
from accessions.seed_rules import (
    OPTIONAL_COLUMNS,
    TRANSLATED_ACCESS,
    TRANSLATED_CONDITION,
    source_url_problem,
)
from accessions.services.market_access import public_note_stamp
from accessions.validity import access_states_sync
from registry.history import history_context
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
from registry.services import product_search_keys_refresh
from regulations.models import Regulation, RegulationProduct, Topic

SEEDS_DIR = settings.BASE_DIR / "seeds"


class RowError(Exception):
    pass


@dataclass
class FileReport:
    name: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass
class SeedReport:
    files: list[FileReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(f.created + f.updated + f.removed for f in self.files)


class SeedError(Exception):
    def __init__(self, report: SeedReport):
        super().__init__(f"{len(report.errors)} bad rows")
        self.report = report


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
         f"green_channel_source green_channel_confidence location {PROVENANCE}",
         {"facing_country": COUNTRY, "road": boolean, "rail": boolean, "air": boolean,
          "green_channel_since": optional_date}),
    Spec("port_regimes.csv", PortRegime, ("port", "regime", "valid_from"),
         f"regime valid_from_precision {PROVENANCE}",
         {"port": PORT, "valid_from": required_date, "valid_until": optional_date,
          "is_pilot": boolean},
         ignored=("valid_until_precision",)),
    Spec("supervision_sites.csv", SupervisionSite, ("port", "kind"),
         f"kind valid_from_precision {PROVENANCE}",
         {"port": PORT, "valid_from": optional_date}),
    Spec("site_counts.csv", ReportedSiteCount, ("kind", "area", "as_of"),
         f"kind area as_of_precision {PROVENANCE}",
         {"ports_reported": required_int, "as_of": required_date}),
    Spec("topics.csv", Topic, ("slug",), "slug name_en name_zh name_ru"),
    Spec("regulations.csv", Regulation, ("slug",),
         "slug code title_en title_ru title_zh title_original_language "
         "title_translated_by_registry kind adopted_by adopted_on_precision "
         f"in_force_from_precision status scope {PROVENANCE}",
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
         f"kind starts_on_precision limited_to instrument_kind instrument_ref {PROVENANCE}",
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
    Spec("accessions.csv", Accession, ("market_access", "year"), f"basis {PROVENANCE}",
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
         f"key metric qualifier as_of_precision label_en label_zh label_ru {PROVENANCE}",
         {"country": ref(Country, "iso2", "country", optional=True), "value": required_int,
          "as_of": optional_date}),
]
# fmt: on


def _read(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = [(reader.line_num, row) for row in reader]
    return header, rows


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(msgs)}" if name != "__all__" else " ".join(msgs)
            for name, msgs in error.message_dict.items()
        )
    return " ".join(error.messages)


def _lookup(spec: Spec, values: dict[str, Any]) -> dict[str, Any]:
    lookup = {}
    for key in spec.key:
        value = values[key]
        if spec.model is ProductAlias and key == "alias":
            lookup["alias__iexact"] = value
        else:
            lookup[key] = value
    return lookup


def _upsert(spec: Spec, values: dict[str, Any], m2m: dict[str, list], today: dt.date) -> str:
    instance = spec.model._default_manager.filter(**_lookup(spec, values)).first()
    outcome = "unchanged"
    previous_note = None
    if instance is None:
        instance = spec.model(**values)
        outcome = "created"
    else:
        previous_note = getattr(instance, "public_note", None)
        for name, value in values.items():
            current = getattr(instance, name)
            if current != value:
                setattr(instance, name, value)
                outcome = "updated"
    if outcome != "unchanged":
        # A note the seeds write (new or changed) is dated the day they are loaded.
        public_note_stamp(instance, previous=previous_note, today=today)
        instance.full_clean()
        instance.save()
    for name, targets in m2m.items():
        manager = getattr(instance, name)
        if {o.pk for o in manager.all()} != {o.pk for o in targets}:
            manager.set(targets)
            outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


def _load_file(spec: Spec, directory: Path, report: SeedReport, today: dt.date) -> list[tuple]:
    path = directory / spec.file
    file_report = FileReport(spec.file)
    report.files.append(file_report)
    if not path.exists():
        if not spec.optional:
            report.errors.append(f"{path}: file missing")
        return []
    header, rows = _read(path)
    missing = spec.header - set(header) - OPTIONAL_COLUMNS
    unknown = set(header) - spec.header
    if missing or unknown:
        detail = []
        if missing:
            detail.append(f"missing columns {sorted(missing)}")
        if unknown:
            detail.append(f"unknown columns {sorted(unknown)}")
        report.errors.append(f"{path}:1: {'; '.join(detail)}")
        return []
    deferred_rows = []
    seen_keys: dict[tuple, int] = {}
    for line, row in rows:
        location = f"{path}:{line}"
        try:
            values = {name: convert(row.get(name) or "") for name, convert in spec.columns.items()}
            if spec.derived:
                values.update(spec.derived(row))
            m2m = {name: convert(row[name] or "") for name, convert in spec.m2m.items()}
            natural_key = tuple(str(getattr(values[k], "pk", values[k])).upper() for k in spec.key)
            if natural_key in seen_keys:
                raise RowError(f"duplicate of line {seen_keys[natural_key]} (same natural key)")
            seen_keys[natural_key] = line
            if problem := source_url_problem(str(values.get("source_url") or "")):
                raise RowError(problem)
            with transaction.atomic():
                outcome = _upsert(spec, values, m2m, today)
            setattr(file_report, outcome, getattr(file_report, outcome) + 1)
            if spec.deferred:
                deferred_rows.append((location, spec, values, row))
        except RowError as error:
            report.errors.append(f"{location}: {error}")
        except ValidationError as error:
            report.errors.append(f"{location}: {_messages(error)}")
        except IntegrityError as error:
            report.errors.append(f"{location}: refused by the database: {error}".strip())
    return deferred_rows


def _load_deferred(deferred: Iterable[tuple], report: SeedReport) -> None:
    """Self-references (a regulation superseded by a later row) once every row exists."""
    for location, spec, values, row in deferred:
        file_report = next(f for f in report.files if f.name == spec.file)
        try:
            instance = spec.model.objects.get(**_lookup(spec, values))
            changed = False
            for name, convert in spec.deferred.items():
                value = convert(row[name] or "")
                if getattr(instance, name) != value:
                    setattr(instance, name, value)
                    changed = True
            if changed:
                with transaction.atomic():
                    instance.full_clean()
                    instance.save()
                file_report.updated += 1
        except RowError as error:
            report.errors.append(f"{location}: {error}")
        except ValidationError as error:
            report.errors.append(f"{location}: {_messages(error)}")


REMOVED_FILE = "removed.csv"
REMOVED_HEADER = ["file", "key", "reason"]


def _load_removals(directory: Path, report: SeedReport) -> None:
    """Delete the seeded rows a correction retired (removed.csv: file, natural key, reason).

    The key is the file's natural-key columns, in order, joined by ';' (e.g. `beef;020220` for
    product_aliases.csv). A row already gone is skipped, so a second run removes nothing.
    """
    path = directory / REMOVED_FILE
    if not path.exists():
        return
    header, rows = _read(path)
    if header != REMOVED_HEADER:
        report.errors.append(f"{path}:1: expected columns {REMOVED_HEADER}")
        return
    specs = {spec.file: spec for spec in SPECS}
    for line, row in rows:
        location = f"{path}:{line}"
        try:
            spec = specs.get(row["file"].strip())
            if spec is None:
                raise RowError(f"unknown seed file '{row['file']}'")
            if not row["reason"].strip():
                raise RowError("a reason is required")
            if not all(key in spec.columns for key in spec.key):
                raise RowError(f"{spec.file} rows cannot be removed by key")
            parts = row["key"].split(";")
            if len(parts) != len(spec.key):
                raise RowError(f"the key of {spec.file} is {';'.join(spec.key)}")
            values = {
                key: spec.columns[key](part) for key, part in zip(spec.key, parts, strict=True)
            }
            found = spec.model._default_manager.filter(**_lookup(spec, values))
            file_report = next(f for f in report.files if f.name == spec.file)
            for instance in found:
                instance.delete()
                file_report.removed += 1
        except RowError as error:
            report.errors.append(f"{location}: {error}")
        except IntegrityError as error:
            report.errors.append(f"{location}: refused by the database: {error}".strip())


def seeds_load(*, directory: Path = SEEDS_DIR, dry_run: bool = False) -> SeedReport:
    """Upsert every seed file by natural key; all or nothing.

    Raises SeedError (carrying the report with every bad row) and leaves the database exactly as
    it was when any row is bad. With dry_run the load is checked and rolled back.
    """
    report = SeedReport()
    try:
        with history_context(actor="load_seeds"), transaction.atomic():
            today = timezone.localdate()
            deferred: list[tuple] = []
            for spec in SPECS:
                deferred += _load_file(spec, Path(directory), report, today)
            _load_deferred(deferred, report)
            _load_removals(Path(directory), report)
            # Derived, not seeded: each entry's own dates in its series, its status for today.
            for access in MarketAccess.objects.order_by("pk"):
                access_states_sync(access, today=today)
            # Derived, not seeded: rebuilt from the names and aliases just loaded.
            product_search_keys_refresh()
            if report.errors:
                raise SeedError(report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


class _DryRun(Exception):
    pass
