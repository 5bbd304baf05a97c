"""Imports of official-style lists (CSV or XLSX): access entries, regulations, establishment
registrations. A dry run compares the file with the registry: added, changed (field by field),
unchanged, removed from the list, and errors with their row numbers. Applying makes one proposal
batch that a senior inspector publishes or rejects as a whole; a file with any bad row applies
nothing; importing the same file twice proposes nothing the second time.

Every row carries provenance: its own `source` and `confidence` columns, else those the importer
gives; there is no row without both. A record missing from the list is reported, never proposed for
deletion: an official list that leaves a record out is not by itself proof that access ended.

The access list reads its `states` column in the export's format (accessions.states_text): each
suspension, restoration, revocation or end the entry does not have yet (same kind and start) is
proposed as a state of its own in the same batch, with the row's provenance; the protocol, the
start and the end the entry's own columns stand for are not proposed twice, and a state the cell
leaves out is reported, never deleted. An entry the same file adds takes no recorded states: its
proposal has no record to point them at until it is published, so the row is refused with a
reason (import the entry first, then the file again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accessions.models import (
    AccessState,
    Proposal,
    ProposalAction,
    ProposalBatch,
    ProposalState,
)
from accessions.services import import_series, proposing, records
from accessions.services.import_specs import (
    SPECS,
    STATES_COLUMN,
    Fields,
    ListSpec,
)
from accessions.states_text import states_parse, states_text
from accounts import roles
from registry.errors import DomainError
from registry.lists import restore
from registry.provenance import Confidence
from registry.tabular import Row, read_table

Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    added: list[dict[str, Any]] = field(default_factory=list)  # {row, key, values}
    changed: list[dict[str, Any]] = field(default_factory=list)  # {row, key, pk, changes}
    unchanged: list[dict[str, Any]] = field(default_factory=list)  # {row, key}
    already_proposed: list[dict[str, Any]] = field(default_factory=list)  # {row, key}
    removed: list[dict[str, Any]] = field(default_factory=list)  # {pk, key}
    errors: list[dict[str, Any]] = field(default_factory=list)  # {row, column, value, reason}
    # The access list's series: {row, key, pk, record, states (AccessState values), text}
    states_added: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)  # {row, key, reason}: not errors
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def differences(self) -> int:
        added_states = sum(len(item["states"]) for item in self.states_added)
        return len(self.added) + len(self.changed) + added_states

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_read(*, file_name: str, content: bytes) -> list[Row]:
    """The rows of a CSV (UTF-8) or XLSX file keyed by the header row, each with its row number;
    bounded in bytes, rows, columns, cells and time (registry.tabular names the limit passed)."""
    return read_table(file_name=file_name, content=content)


def _key_of(spec: ListSpec, values: dict[str, Any]) -> str:
    return " / ".join(str(values.get(name, "")) for name in spec.key)


def _fault(column: str, value: Any, reason: str) -> dict[str, Any]:
    return {"column": column, "value": "" if value is None else str(value), "reason": reason}


def _faults(exc: ValidationError | ValueError, row: dict[str, str]) -> list[dict[str, Any]]:
    """A record's validation errors, one per column (the whole record's under no column)."""
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return [
            _fault("" if name == "__all__" else name, row.get(name, ""), " ".join(messages))
            for name, messages in exc.message_dict.items()
        ]
    reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return [_fault("", "", reason)]


def _row_faults(report: ImportReport, number: int, faults: list[dict[str, Any]]) -> None:
    report.errors.extend({"row": number, **fault} for fault in faults)


def _pending_changes(model: type[models.Model]) -> set[tuple[str, str, str]]:
    """(action, object id, changes) of the pending proposals of this kind of record."""
    rows = Proposal.objects.filter(
        content_type=ContentType.objects.get_for_model(model), state=ProposalState.PENDING
    ).values_list("action", "object_id", "changes")
    return {(a, o, json.dumps(c, sort_keys=True)) for a, o, c in rows}


def _compare_record(
    report: ImportReport,
    *,
    spec: ListSpec,
    number: int,
    key: str,
    values: dict[str, Any],
    provenance: dict[str, str],
    existing: models.Model | None,
    pending: set[tuple[str, str, str]],
    row: dict[str, str],
) -> bool:
    """Add the row to the report as added, changed, unchanged or already proposed; False (with
    the row's error reported) when the record would not be valid."""
    if existing is None:
        candidate = spec.model()
        full = {**values, **provenance}
        try:
            records.record_assign(candidate, full)
            candidate.full_clean()
        except (ValidationError, ValueError) as exc:
            _row_faults(report, number, _faults(exc, row))
            return False
        base = records.record_snapshot(spec.model())
        changes = records.snapshot_diff(
            base, {**records.record_snapshot(candidate), **records.as_json(full)}
        )
        if ("create", "", json.dumps(changes, sort_keys=True)) in pending:
            report.already_proposed.append({"row": number, "key": key})
        else:
            report.added.append({"row": number, "key": key, "values": records.as_json(full)})
        return True
    before = records.record_snapshot(existing)
    changes = records.snapshot_diff(before, {**before, **records.as_json(values)})
    if not changes:
        report.unchanged.append({"row": number, "key": key})
        return True
    # The row changes the record: it takes the list's provenance.
    changes = records.snapshot_diff(before, {**before, **records.as_json({**values, **provenance})})
    try:
        records.record_assign(existing, {k: v[1] for k, v in changes.items()})
        existing.full_clean()
    except (ValidationError, ValueError) as exc:
        _row_faults(report, number, _faults(exc, row))
        return False
    if ("update", str(existing.pk), json.dumps(changes, sort_keys=True)) in pending:
        report.already_proposed.append({"row": number, "key": key})
    else:
        report.changed.append({"row": number, "key": key, "pk": existing.pk, "changes": changes})
    return True


def _row_values(
    spec: ListSpec, row: dict[str, str], link_names: set[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The row's values converted (text fields left empty mean "blank", not "unknown"), and
    every problem of its cells, each with its column and value."""
    values: dict[str, Any] = {}
    problems = []
    required = {c.name for c in spec.format.columns if c.required}
    for column, convert in spec.columns.items():
        if column not in row:
            continue
        text = restore(row[column])
        if text == "":
            values[column] = [] if column in link_names else None
            if column in required:
                problems.append(_fault(column, text, _("is required")))
            continue
        try:
            converted = convert(text) if convert else text
        except ValueError as exc:
            problems.append(_fault(column, text, str(exc)))
            continue
        if isinstance(converted, Fields):  # a cell that sets several fields
            values.update(converted)
        else:
            values[column] = converted
    for column in spec.key:
        if column not in row:
            problems.append(_fault(column, "", _("no such column in the file")))
    return values, problems


def _read_row(
    spec: ListSpec, row: dict[str, str], link_names: set[str], *, source: str, confidence: str
) -> tuple[dict[str, Any], list[dict[str, Any]] | None, dict[str, str], list[dict[str, Any]]]:
    """A row's values, its listed states, its provenance and every fault of its cells."""
    values, problems = _row_values(spec, row, link_names)
    listed = None
    if spec.series and STATES_COLUMN in row:
        try:
            listed = states_parse(row[STATES_COLUMN])
        except ValueError as exc:
            problems.append(_fault(STATES_COLUMN, row[STATES_COLUMN], str(exc)))
    # The row's own provenance as the registry holds it (an export neutralises a formula-like
    # source, registry.lists.restore reads it back).
    provenance = {
        "source": restore(row.get("source", "")) or source,
        "confidence": row.get("confidence") or confidence,
    }
    if not provenance["source"].strip():
        problems.append(_fault("source", "", _("no source, here or on the import page")))
    if provenance["confidence"] not in Confidence.values:
        problems.append(
            _fault(
                "confidence",
                provenance["confidence"],
                _("must be one of: %(values)s") % {"values": ", ".join(Confidence.values)},
            )
        )
    if "source_url" in row:
        provenance["source_url"] = restore(row["source_url"])
    return values, listed, provenance, problems


def _more_faults(
    spec: ListSpec, values: dict[str, Any], problems: list[dict[str, Any]], row: dict[str, str]
) -> list[dict[str, Any]]:
    """The faults of the row's other cells, found by the record's own validation with the
    columns already at fault left out (so a row with two faults reports both)."""
    at_fault = {p["column"] for p in problems}
    candidate = spec.model()
    fine = {
        name: value
        for name, value in values.items()
        if name not in at_fault and name in spec.columns
    }
    _blank_text(spec, fine)
    try:
        records.record_assign(candidate, fine)
    except (ValidationError, ValueError):
        return []
    names = {f.name for f in spec.model._meta.get_fields()}
    exclude = [name for name in names if name not in fine]
    try:
        candidate.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return [f for f in _faults(exc, row) if f["column"] not in at_fault]
    return []


def _blank_text(spec: ListSpec, values: dict[str, Any]) -> None:
    for name, value in list(values.items()):
        model_field = spec.model._meta.get_field(name)
        if (
            value is None
            and not model_field.null
            and not isinstance(model_field, models.ManyToManyField)
        ):
            values[name] = ""


def _check_header(report: ImportReport, spec: ListSpec, rows: Sequence[dict[str, str]]) -> None:
    """The header is row 1: a column the list does not declare is a fault of the file, once;
    the registry-kept columns are read past and named."""
    present = {name for row in rows for name in row}
    report.ignored_columns = sorted(present & set(spec.ignored))
    unknown = sorted(present - set(spec.format.names()))
    _row_faults(report, 1, [_fault(name, name, _("unknown column")) for name in unknown])


def import_dry_run(
    *,
    kind: str,
    rows: Sequence[dict[str, str]],
    source: str,
    confidence: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Compare the rows with the registry; reads only."""
    if kind not in SPECS:
        raise DomainError("invalid_kind", _("Unknown list: %(kind)s.") % {"kind": kind})
    if not source.strip():
        raise DomainError("source_required", _("Give the source of the list."))
    if confidence not in Confidence.values:
        raise DomainError(
            "invalid_confidence",
            _("Confidence must be one of: %(values)s.") % {"values": ", ".join(Confidence.values)},
        )
    spec = SPECS[kind]
    report = ImportReport(kind=kind, rows=len(rows))
    pending = _pending_changes(spec.model)
    pending_states = _pending_changes(AccessState) if spec.series else set()
    _check_header(report, spec, rows)
    seen: dict[str, int] = {}
    scope_values: set[Any] = set()
    link_names = {f.name for f in records.link_fields(spec.model)}
    for index, row in enumerate(rows):
        number = getattr(row, "number", 0) or index + 2  # the header is row 1
        if progress is not None:
            progress(index + 1, len(rows))
        values, listed, provenance, problems = _read_row(
            spec, row, link_names, source=source, confidence=confidence
        )
        key = _key_of(spec, values)
        if not problems and key in seen:
            problems.append(
                _fault(" / ".join(spec.key), key, _("same record as row %(n)s") % {"n": seen[key]})
            )
        if problems:
            _row_faults(report, number, problems + _more_faults(spec, values, problems, row))
            continue
        seen[key] = number
        if spec.scope in values:
            scope_values.add(values[spec.scope])
        _blank_text(spec, values)
        lookup = {f"{name}": values[name] for name in spec.key}
        existing = spec.model._default_manager.filter(**lookup).first()
        step = None
        if listed is not None:
            try:
                step = import_series.series_step(
                    existing=existing,  # type: ignore[arg-type]  # the access list's entry
                    values=values,
                    listed=listed,
                    provenance=provenance,
                    pending=pending_states,
                )
            except ValueError as exc:
                _row_faults(report, number, [_fault(STATES_COLUMN, row[STATES_COLUMN], str(exc))])
                continue
        kept = _compare_record(
            report,
            spec=spec,
            number=number,
            key=key,
            values=values,
            provenance=provenance,
            existing=existing,
            pending=pending,
            row=row,
        )
        if kept and step is not None:
            _report_series(report, number=number, key=key, entry=existing, step=step)
    _report_removed(report, spec, scope_values, set(seen))
    return report


def _report_removed(
    report: ImportReport, spec: ListSpec, scope_values: set[Any], listed_keys: set[str]
) -> None:
    """The records of the list's scope (its countries) the file leaves out: reported only."""
    if not scope_values:
        return
    others = spec.model._default_manager.filter(**{f"{spec.scope}__in": scope_values})
    for record in others:
        key = _key_of(spec, records.record_snapshot(record))
        if key not in listed_keys:
            report.removed.append({"pk": record.pk, "key": key, "record": str(record)})


def _report_series(
    report: ImportReport, *, number: int, key: str, entry: Any, step: import_series.SeriesStep
) -> None:
    if step.states:
        report.states_added.append(
            {
                "row": number,
                "key": key,
                "pk": entry.pk,
                "record": str(entry),
                "states": step.states,
                "text": states_text(step.states),
            }
        )
    if step.already:
        report.already_proposed.append(
            {"row": number, "key": key, "states": "; ".join(step.already)}
        )
    report.notes.extend({"row": number, "key": key, "reason": note} for note in step.notes)


def import_apply(
    *,
    kind: str,
    file_name: str,
    content: bytes,
    source: str,
    confidence: str,
    by: Any,
    comment: str = "",
    progress: Progress | None = None,
) -> tuple[ImportReport, ProposalBatch | None]:
    """Dry-run the file and, when it has no bad row and some difference, make one proposal batch
    of its additions and changes (in one transaction). A file with a bad row applies nothing and
    raises `import_errors` naming every bad row."""
    if not roles.may_propose(by):
        raise DomainError("not_allowed", _("Only inspectors import lists."))
    rows = import_read(file_name=file_name, content=content)
    report = import_dry_run(
        kind=kind, rows=rows, source=source, confidence=confidence, progress=progress
    )
    if report.errors:
        raise DomainError(
            "import_errors",
            _("Nothing was imported: %(count)s rows are wrong.") % {"count": len(report.errors)},
            {"errors": report.errors},
        )
    if not report.differences:
        return report, None
    spec = SPECS[kind]
    with transaction.atomic():
        batch = ProposalBatch.objects.create(
            kind=kind,
            file_name=file_name[:300],
            file_sha256=hashlib.sha256(content).hexdigest(),
            source=source,
            confidence=confidence,
            comment=comment,
            report=report.as_dict(),
            author=by,
        )
        for item in report.added:
            proposing.proposal_create(
                model=spec.model,
                action=ProposalAction.CREATE,
                by=by,
                values=item["values"],
                comment=_("row %(n)s of %(file)s") % {"n": item["row"], "file": file_name},
                batch=batch,
            )
        for item in report.changed:
            proposing.proposal_create(
                model=spec.model,
                action=ProposalAction.UPDATE,
                by=by,
                target=spec.model._default_manager.get(pk=item["pk"]),
                values={k: v[1] for k, v in item["changes"].items()},
                comment=_("row %(n)s of %(file)s") % {"n": item["row"], "file": file_name},
                batch=batch,
            )
        # After the entries' own changes: a batch is published in the order proposed, and a new
        # state refreshes its entry's kept status (an update proposed after it would be stale).
        for item in report.states_added:
            for values in item["states"]:
                proposing.proposal_create(
                    model=AccessState,
                    action=ProposalAction.CREATE,
                    by=by,
                    values=values,
                    comment=_("row %(n)s of %(file)s") % {"n": item["row"], "file": file_name},
                    batch=batch,
                )
        proposing.batch_notify(batch)
    return report, batch
