"""The seed loader: upserts seeds/*.csv by natural key, all or nothing.

Every row of every file is checked (parsed, its references resolved, `full_clean()` with the
model's constraints) before anything is kept. One bad row anywhere means the whole load is rolled
back and every bad row is reported as file:line with the reason. A second run over unchanged files
reports nothing changed and writes nothing (so history records nothing either).

Rows are never deleted because they are missing from a file (an inspector's additions survive a
reload). A seeded row that a correction retires is named in `removed.csv` (file, natural key,
reason) and deleted when present, under the same `load_seeds` history context as every other
change.

What each file holds (its model, natural key and columns) is declared in accessions.seed_specs.

Citations (a record's `source`, an instrument's reference, a port's green-channel source) are
translated once per distinct English text in `citation_translations.csv` (text, text_zh, text_ru,
translated_by_registry): every seeded row's `<field>_zh` and `<field>_ru` are set from it (empty
where the file has no row for the text; tests/accessions/test_seeds_consistency.py requires one).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accessions.models import MarketAccess
from accessions.seed_rules import OPTIONAL_COLUMNS, source_url_problem
from accessions.seed_specs import SPECS, RowError, Spec
from accessions.services.market_access import public_note_stamp
from accessions.validity import access_states_sync
from registry.history import history_context
from registry.localize import CITATION_FIELDS
from registry.models import ProductAlias
from registry.services import product_search_keys_refresh

SEEDS_DIR = settings.BASE_DIR / "seeds"


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


CITATIONS_FILE = "citation_translations.csv"
CITATIONS_HEADER = ["text", "text_zh", "text_ru", "translated_by_registry"]
Citations = dict[str, tuple[str, str]]


def _load_citations(directory: Path, report: SeedReport) -> Citations:
    """The translations of the citations, by their exact English text. Each row gives both
    languages; `translated_by_registry` names those whose text differs from the English (the
    registry's translation; a citation of names only stays as it is)."""
    path = directory / CITATIONS_FILE
    if not path.exists():
        return {}
    header, rows = _read(path)
    if header != CITATIONS_HEADER:
        report.errors.append(f"{path}:1: expected columns {CITATIONS_HEADER}")
        return {}
    found: Citations = {}
    for line, row in rows:
        text, zh, ru = (row[name].strip() for name in CITATIONS_HEADER[:3])
        differs = {lang for lang, value in (("zh", zh), ("ru", ru)) if value != text}
        problem = (
            "text, text_zh and text_ru are required"
            if not (text and zh and ru)
            else f"duplicate of an earlier row for {text!r}"
            if text in found
            else "translated_by_registry must name the languages whose text differs from text"
            if set(row["translated_by_registry"].split()) != differs
            else None
        )
        if problem:
            report.errors.append(f"{path}:{line}: {problem}")
        else:
            found[text] = (zh, ru)
    return found


def _with_citations(spec: Spec, values: dict[str, Any], citations: Citations) -> None:
    """The row's citations in Chinese and Russian, from `citations` (empty where it has none)."""
    names = {f.name for f in spec.model._meta.get_fields()}
    for name in CITATION_FIELDS:
        if name in values and f"{name}_zh" in names:
            zh, ru = citations.get(str(values[name]), ("", ""))
            values[f"{name}_zh"], values[f"{name}_ru"] = zh, ru


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


def _load_file(
    spec: Spec, directory: Path, report: SeedReport, today: dt.date, citations: Citations
) -> list[tuple]:
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
            _with_citations(spec, values, citations)
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
            citations = _load_citations(Path(directory), report)
            for spec in SPECS:
                deferred += _load_file(spec, Path(directory), report, today, citations)
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
