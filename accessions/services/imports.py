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

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accessions import validity
from accessions.lists import ACCESS, REGISTRATIONS
from accessions.models import (
    AccessState,
    EstablishmentRegistration,
    ImportKind,
    MarketAccess,
    Proposal,
    ProposalAction,
    ProposalBatch,
    ProposalState,
    RegistrationRegime,
    StateKind,
    StateOrigin,
)
from accessions.services import proposals
from accessions.states_text import states_parse, states_text
from accounts import roles
from registry.errors import DomainError
from registry.lists import DATE, ListFormat, restore
from registry.models import Country, Port, Product, Union
from registry.provenance import Confidence
from registry.tabular import Row, read_table
from regulations.lists import REGULATIONS
from regulations.models import Regulation

Progress = Callable[[int, int], None]
PROVENANCE_COLUMNS = ("source", "source_url", "confidence")
STATES_COLUMN = "states"
# The states an import proposes on their own; the others stand for the entry's own columns.
RECORDED_KINDS = (StateKind.SUSPENDED, StateKind.RESTORED, StateKind.REVOKED, StateKind.ENDED)


def _lookup(model: type[models.Model], field_name: str) -> Callable[[str], Any]:
    def find(text: str) -> Any:
        pk = model._default_manager.filter(**{field_name: text}).values_list("pk", flat=True)
        found = list(pk[:1])
        if not found:
            raise ValueError(
                _("unknown %(what)s: %(value)s") % {"what": model._meta.verbose_name, "value": text}
            )
        return found[0]

    return find


def _country(text: str) -> Any:
    return _lookup(Country, "iso2")(text.upper())


def _codes(model: type[models.Model], field_name: str) -> Callable[[str], list[Any]]:
    find = _lookup(model, field_name)

    def many(text: str) -> list[Any]:
        parts = (part.strip() for part in text.replace(",", ";").split(";"))
        return sorted(find(part) for part in parts if part)

    return many


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise ValueError(_("not a date (YYYY-MM-DD)")) from exc


@dataclass(frozen=True)
class ListSpec:
    """How the import reads a declared list (registry.lists.ListFormat): the model, and the
    converter of each column that is not plain text."""

    model: type[models.Model]
    format: ListFormat
    converters: dict[str, Callable[[str], Any]]
    scope: str  # the column whose values bound "removed from the list"
    series: bool = False  # reads the `states` column (the access list)

    @property
    def key(self) -> tuple[str, ...]:
        return self.format.key

    @property
    def columns(self) -> dict[str, Callable[[str], Any] | None]:
        """column: converter (None: the text as is), the record's own columns."""
        own = [
            c.name
            for c in self.format.columns
            if not c.kept and c.name not in (*PROVENANCE_COLUMNS, STATES_COLUMN)
        ]
        dates = {c.name for c in self.format.columns if c.format == DATE}
        return {
            name: self.converters.get(name) or (_date if name in dates else None) for name in own
        }

    @property
    def ignored(self) -> tuple[str, ...]:
        return tuple(self.format.kept())


SPECS: dict[str, ListSpec] = {
    ImportKind.ACCESS: ListSpec(
        model=MarketAccess,
        format=ACCESS,
        converters={
            "product": _lookup(Product, "slug"),
            "country": _country,
            "allowed_ports": _codes(Port, "code"),
        },
        scope="country",
        series=True,
    ),
    ImportKind.REGULATIONS: ListSpec(
        model=Regulation,
        format=REGULATIONS,
        converters={"country": _country, "union": _lookup(Union, "code")},
        scope="country",
    ),
    ImportKind.REGISTRATIONS: ListSpec(
        model=EstablishmentRegistration,
        format=REGISTRATIONS,
        converters={
            "country": _country,
            "products": _codes(Product, "slug"),
            "regime": _lookup(RegistrationRegime, "code"),
        },
        scope="country",
    ),
}


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


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


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


@dataclass
class SeriesStep:
    """What a row's `states` cell adds to its entry: the new states' values, the states already
    proposed, and notes (states kept that the cell leaves out or words differently)."""

    states: list[dict[str, Any]] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _state_words(state: Any) -> str:
    return states_text(
        [{"kind": state.kind, "starts_on": state.starts_on, "limited_to": state.limited_to}]
    )


def _series_step(
    *,
    existing: MarketAccess | None,
    values: dict[str, Any],
    listed: list[dict[str, Any]],
    provenance: dict[str, str],
    pending: set[tuple[str, str, str]],
) -> SeriesStep:
    """Compare a row's `states` cell with its entry's series (raises ValueError naming the bad
    state). A state of a recorded kind the entry does not have (same kind and start) is new; one
    the entry's own dates stand for (as the row leaves them) is not; a state of another kind that
    neither has contradicts the row's columns."""
    step = SeriesStep()
    probe = copy.copy(existing) if existing is not None else MarketAccess()
    try:
        proposals._assign(probe, values)
    except (ValidationError, ValueError):
        return step  # the row's own check names the problem
    derived = {(s["kind"], s["starts_on"]) for s in validity.entry_states(probe)}
    have = {} if existing is None else {(s.kind, s.starts_on): s for s in existing.states.all()}
    seen: set[tuple[str, Any]] = set()
    for state in listed:
        key = (state["kind"], state["starts_on"])
        part = states_text([state])
        if key in seen:
            raise ValueError(_("“%(part)s” is listed twice") % {"part": part})
        seen.add(key)
        kept = have.get(key)
        if kept is not None:
            if kept.limited_to != state["limited_to"]:
                step.notes.append(
                    _("“%(part)s”: the registry has “%(kept)s”; an import does not change a state")
                    % {"part": part, "kept": _state_words(kept)}
                )
            continue
        if key in derived:
            continue
        if state["kind"] not in RECORDED_KINDS:
            raise ValueError(
                _(
                    "“%(part)s” is not recorded on its own: it comes from the entry's columns "
                    "(status, instrument_kind, valid_from), which say otherwise"
                )
                % {"part": part}
            )
        if existing is None:
            raise ValueError(
                _(
                    "“%(part)s” is a state of an entry this file adds: import the entry first "
                    "(its states cell empty), then this file again once the entry is published"
                )
                % {"part": part}
            )
        new = {
            "market_access": existing.pk,
            **state,
            "starts_on_precision": "",  # the cell does not say how exact the day is
            "source_url": "",
            **provenance,
        }
        candidate = AccessState()
        proposals._assign(candidate, proposals._json(new))
        try:
            candidate.full_clean()
        except ValidationError as exc:
            raise ValueError(f"“{part}”: {_message(exc)}") from exc
        changes = proposals.snapshot_diff(
            proposals.record_snapshot(AccessState()),
            {**proposals.record_snapshot(candidate), **proposals._json(new)},
        )
        if ("create", "", json.dumps(changes, sort_keys=True)) in pending:
            step.already.append(part)
        else:
            step.states.append(proposals._json(new))
    for key, kept in have.items():
        if kept.origin == StateOrigin.RECORDED and key not in seen:
            step.notes.append(
                _(
                    "“%(part)s” is in the registry but not in the cell: an import never deletes "
                    "a state"
                )
                % {"part": _state_words(kept)}
            )
    return step


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
            proposals._assign(candidate, full)
            candidate.full_clean()
        except (ValidationError, ValueError) as exc:
            _row_faults(report, number, _faults(exc, row))
            return False
        base = proposals.record_snapshot(spec.model())
        changes = proposals.snapshot_diff(
            base, {**proposals.record_snapshot(candidate), **proposals._json(full)}
        )
        if ("create", "", json.dumps(changes, sort_keys=True)) in pending:
            report.already_proposed.append({"row": number, "key": key})
        else:
            report.added.append({"row": number, "key": key, "values": proposals._json(full)})
        return True
    before = proposals.record_snapshot(existing)
    changes = proposals.snapshot_diff(before, {**before, **proposals._json(values)})
    if not changes:
        report.unchanged.append({"row": number, "key": key})
        return True
    # The row changes the record: it takes the list's provenance.
    changes = proposals.snapshot_diff(
        before, {**before, **proposals._json({**values, **provenance})}
    )
    try:
        proposals._assign(existing, {k: v[1] for k, v in changes.items()})
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
            values[column] = convert(text) if convert else text
        except ValueError as exc:
            problems.append(_fault(column, text, str(exc)))
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
    provenance = {
        "source": row.get("source") or source,
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
        provenance["source_url"] = row["source_url"]
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
        proposals._assign(candidate, fine)
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
    known = {*spec.columns, *PROVENANCE_COLUMNS, *spec.ignored}
    if spec.series:
        known.add(STATES_COLUMN)
    report.ignored_columns = sorted({name for row in rows for name in row} & set(spec.ignored))
    seen: dict[str, int] = {}
    scope_values: set[Any] = set()
    link_names = {f.name for f in proposals._link_fields(spec.model)}
    unknown = sorted({name for row in rows for name in row} - known)
    # The header is row 1: a column the list does not have is a fault of the file, once.
    _row_faults(report, 1, [_fault(name, name, _("unknown column")) for name in unknown])
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
                step = _series_step(
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
    if scope_values:
        listed_keys = set(seen)
        others = spec.model._default_manager.filter(**{f"{spec.scope}__in": scope_values})
        for record in others:
            key = _key_of(spec, proposals.record_snapshot(record))
            if key not in listed_keys:
                report.removed.append({"pk": record.pk, "key": key, "record": str(record)})
    return report


def _report_series(
    report: ImportReport, *, number: int, key: str, entry: Any, step: SeriesStep
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
            proposals.proposal_create(
                model=spec.model,
                action=ProposalAction.CREATE,
                by=by,
                values=item["values"],
                comment=_("row %(n)s of %(file)s") % {"n": item["row"], "file": file_name},
                batch=batch,
            )
        for item in report.changed:
            proposals.proposal_create(
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
                proposals.proposal_create(
                    model=AccessState,
                    action=ProposalAction.CREATE,
                    by=by,
                    values=values,
                    comment=_("row %(n)s of %(file)s") % {"n": item["row"], "file": file_name},
                    batch=batch,
                )
        proposals.batch_notify(batch)
    return report, batch
