"""The seed loader: upserts seeds/*.csv by natural key, all or nothing.

Every row of every file is checked (parsed, its references resolved, `full_clean()` with the
model's constraints) before anything is kept. One bad row anywhere means the whole load is rolled
back and every bad row is reported as file:line with the reason. A second run over unchanged files
reports nothing changed and writes nothing (so history records nothing either).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from accessions.models import (
    Accession,
    AccessionStage,
    DiplomaticEvent,
    MarketAccess,
    RegistrationRegime,
)
from registry.common import history_context
from registry.models import (
    Country,
    Port,
    PortRegime,
    Product,
    ProductAlias,
    ReportedFigure,
    SupervisionSite,
    Union,
    UnionMembership,
)
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


@dataclass
class SeedReport:
    files: list[FileReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(f.created + f.updated for f in self.files)


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
            return model.objects.get(**{lookup: value})
        except model.DoesNotExist:
            raise RowError(f"unknown {label} '{value}'") from None

    return convert


def refs(model: type[models.Model], lookup: str, label: str):
    def convert(value: str) -> list:
        keys = [k.strip() for k in value.split(";") if k.strip()]
        found = {getattr(o, lookup): o for o in model.objects.filter(**{f"{lookup}__in": keys})}
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


PROVENANCE = {"source": text, "source_url": text, "confidence": text, "notes": text}


@dataclass
class Spec:
    """One seed file: its model, natural key, the columns and how each becomes a field."""

    file: str
    model: type[models.Model]
    key: tuple[str, ...]
    columns: dict[str, Callable[[str], Any]]
    derived: Callable[[dict[str, str]], dict[str, Any]] | None = None
    m2m: dict[str, Callable[[str], list]] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    deferred: dict[str, Callable[[str], Any]] = field(default_factory=dict)

    @property
    def header(self) -> set[str]:
        return set(self.columns) | set(self.m2m) | set(self.ignored) | set(self.deferred)


SPECS: list[Spec] = [
    Spec(
        "countries.csv",
        Country,
        ("iso2",),
        {
            "iso2": text,
            "iso3": text,
            "name_en": text,
            "name_zh": text,
            "name_ru": text,
            "region": text,
            **PROVENANCE,
        },
    ),
    Spec(
        "unions.csv",
        Union,
        ("code",),
        {
            "code": text,
            "name_en": text,
            "name_zh": text,
            "name_ru": text,
            "kind": text,
            **PROVENANCE,
        },
    ),
    Spec(
        "union_memberships.csv",
        UnionMembership,
        ("union", "country", "valid_from"),
        {
            "union": ref(Union, "code", "union"),
            "country": ref(Country, "iso2", "country"),
            "role": text,
            "binding": boolean,
            "valid_from": required_date,
            "valid_from_precision": text,
            "valid_until": optional_date,
            **PROVENANCE,
        },
        ignored=("valid_until_precision",),
    ),
    Spec(
        "products.csv",
        Product,
        ("slug",),
        {
            "slug": text,
            "name_en": text,
            "name_zh": text,
            "name_ru": text,
            "category": text,
            "origin_type": text,
            "hs_code": text,
            "hs_basis": text,
            **PROVENANCE,
        },
    ),
    Spec(
        "product_aliases.csv",
        ProductAlias,
        ("product", "alias"),
        {"product": ref(Product, "slug", "product"), "alias": text, "language": text, "kind": text},
    ),
    Spec(
        "ports.csv",
        Port,
        ("code",),
        {
            "code": text,
            "name_en": text,
            "name_pinyin": text,
            "name_zh": text,
            "name_ru": text,
            "facing_country": ref(Country, "iso2", "country"),
            "counterpart_port": text,
            "road": boolean,
            "rail": boolean,
            "air": boolean,
            "green_channel_since": optional_date,
            "green_channel_precision": text,
            "green_channel_source": text,
            "green_channel_confidence": text,
            "location": text,
            **PROVENANCE,
        },
    ),
    Spec(
        "port_regimes.csv",
        PortRegime,
        ("port", "regime", "valid_from"),
        {
            "port": ref(Port, "code", "port"),
            "regime": text,
            "valid_from": required_date,
            "valid_from_precision": text,
            "valid_until": optional_date,
            "is_pilot": boolean,
            **PROVENANCE,
        },
        ignored=("valid_until_precision",),
    ),
    Spec(
        "supervision_sites.csv",
        SupervisionSite,
        ("port", "kind"),
        {
            "port": ref(Port, "code", "port"),
            "kind": text,
            "valid_from": optional_date,
            "valid_from_precision": text,
            **PROVENANCE,
        },
    ),
    Spec(
        "topics.csv",
        Topic,
        ("slug",),
        {"slug": text, "name_en": text, "name_zh": text, "name_ru": text},
    ),
    Spec(
        "regulations.csv",
        Regulation,
        ("slug",),
        {
            "slug": text,
            "code": text,
            "title_en": text,
            "title_ru": text,
            "title_zh": text,
            "kind": text,
            "adopted_by": text,
            "adopted_on": optional_date,
            "adopted_on_precision": text,
            "in_force_from": optional_date,
            "in_force_from_precision": text,
            "in_force_until": optional_date,
            "status": text,
            "scope": text,
            **PROVENANCE,
        },
        derived=jurisdiction,
        m2m={"topics": refs(Topic, "slug", "topic")},
        ignored=("jurisdiction",),
        deferred={"superseded_by": ref(Regulation, "slug", "regulation", optional=True)},
    ),
    Spec(
        "regulation_products.csv",
        RegulationProduct,
        ("regulation", "product"),
        {
            "regulation": ref(Regulation, "slug", "regulation"),
            "product": ref(Product, "slug", "product"),
            "clause": text,
            "note": text,
            "source": text,
            "confidence": text,
        },
    ),
    Spec(
        "registration_regimes.csv",
        RegistrationRegime,
        ("code",),
        {
            "code": text,
            "name_en": text,
            "name_zh": text,
            "name_ru": text,
            "issued_on": optional_date,
            "validity_years": required_int,
            "window_min_months": required_int,
            "window_max_months": required_int,
            "auto_extend": boolean,
            "auto_extend_years": optional_int,
            "exclusions": text,
            **PROVENANCE,
        },
        ignored=("in_force_from", "in_force_until"),
        derived=lambda row: {
            "valid_from": required_date(row["in_force_from"]),
            "valid_until": optional_date(row["in_force_until"]),
        },
    ),
    Spec(
        "events.csv",
        DiplomaticEvent,
        ("slug",),
        {
            "slug": text,
            "name_en": text,
            "name_zh": text,
            "name_ru": text,
            "starts_on": optional_date,
            "ends_on": optional_date,
            "place": text,
            "source": text,
            "confidence": text,
            "notes": text,
        },
    ),
    Spec(
        "market_access.csv",
        MarketAccess,
        ("country", "product"),
        {
            "country": ref(Country, "iso2", "country"),
            "product": ref(Product, "slug", "product"),
            "status": text,
            "instrument_kind": text,
            "instrument_ref": text,
            "instrument_date": optional_date,
            "instrument_date_precision": text,
            "protocol_signed_on": optional_date,
            "protocol_signed_precision": text,
            "valid_from": optional_date,
            "valid_from_precision": text,
            "valid_until": optional_date,
            "requires_registered_establishments": boolean,
            "required_site_kind": text,
            "treatment": text,
            "pest_free_areas": text,
            "conditions": text,
            **PROVENANCE,
        },
        m2m={"allowed_ports": refs(Port, "code", "port")},
    ),
    Spec(
        "accessions.csv",
        Accession,
        ("market_access", "year"),
        {
            "year": required_int,
            "event": ref(DiplomaticEvent, "slug", "event", optional=True),
            "basis": text,
            **PROVENANCE,
        },
        derived=lambda row: {"market_access": market_access_ref(row)},
        ignored=("country", "product"),
    ),
    Spec(
        "accession_stages.csv",
        AccessionStage,
        ("accession", "stage"),
        {"stage": text, "occurred_on": optional_date, "occurred_on_precision": text, **PROVENANCE},
        derived=lambda row: {"accession": accession_ref(row)},
        ignored=("country", "product"),
    ),
    Spec(
        "reported_figures.csv",
        ReportedFigure,
        ("key",),
        {
            "key": text,
            "metric": text,
            "country": ref(Country, "iso2", "country", optional=True),
            "value": required_int,
            "qualifier": text,
            "as_of": optional_date,
            "as_of_precision": text,
            "label_en": text,
            "label_zh": text,
            "label_ru": text,
            **PROVENANCE,
        },
    ),
]


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


def _upsert(spec: Spec, values: dict[str, Any], m2m: dict[str, list]) -> str:
    instance = spec.model.objects.filter(**_lookup(spec, values)).first()
    outcome = "unchanged"
    if instance is None:
        instance = spec.model(**values)
        outcome = "created"
    else:
        for name, value in values.items():
            current = getattr(instance, name)
            if current != value:
                setattr(instance, name, value)
                outcome = "updated"
    if outcome != "unchanged":
        instance.full_clean()
        instance.save()
    for name, targets in m2m.items():
        manager = getattr(instance, name)
        if {o.pk for o in manager.all()} != {o.pk for o in targets}:
            manager.set(targets)
            outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


def _load_file(spec: Spec, directory: Path, report: SeedReport) -> list[tuple]:
    path = directory / spec.file
    file_report = FileReport(spec.file)
    report.files.append(file_report)
    if not path.exists():
        report.errors.append(f"{path}: file missing")
        return []
    header, rows = _read(path)
    missing = spec.header - set(header)
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
            values = {name: convert(row[name] or "") for name, convert in spec.columns.items()}
            if spec.derived:
                values.update(spec.derived(row))
            m2m = {name: convert(row[name] or "") for name, convert in spec.m2m.items()}
            natural_key = tuple(str(getattr(values[k], "pk", values[k])).upper() for k in spec.key)
            if natural_key in seen_keys:
                raise RowError(f"duplicate of line {seen_keys[natural_key]} (same natural key)")
            seen_keys[natural_key] = line
            with transaction.atomic():
                outcome = _upsert(spec, values, m2m)
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


def seeds_load(*, directory: Path = SEEDS_DIR, dry_run: bool = False) -> SeedReport:
    """Upsert every seed file by natural key; all or nothing.

    Raises SeedError (carrying the report with every bad row) and leaves the database exactly as
    it was when any row is bad. With dry_run the load is checked and rolled back.
    """
    report = SeedReport()
    try:
        with history_context(actor="load_seeds"), transaction.atomic():
            deferred: list[tuple] = []
            for spec in SPECS:
                deferred += _load_file(spec, Path(directory), report)
            _load_deferred(deferred, report)
            if report.errors:
                raise SeedError(report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


class _DryRun(Exception):
    pass
