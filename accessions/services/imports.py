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
import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from celery import current_app
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from accessions import validity
from accessions.models import (
    AccessState,
    EstablishmentRegistration,
    ImportKind,
    ImportRun,
    ImportRunState,
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
from registry.models import Country, Product, Union
from registry.provenance import Confidence
from registry.queue import task_enqueue
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


def _products(text: str) -> list[Any]:
    find = _lookup(Product, "slug")
    return sorted(find(part.strip()) for part in text.replace(",", ";").split(";") if part.strip())


@dataclass(frozen=True)
class ListSpec:
    model: type[models.Model]
    key: tuple[str, ...]  # the columns that name the record
    columns: dict[str, Callable[[str], Any] | None]  # column: converter (None: the text as is)
    scope: str  # the column whose values bound "removed from the list"
    # Columns the list's export writes that the import does not read (kept by the registry or
    # edited on the record's page): a re-imported export is read past them, and the report says so.
    ignored: tuple[str, ...] = ()
    series: bool = False  # reads the `states` column (the access list)


SPECS: dict[str, ListSpec] = {
    ImportKind.ACCESS: ListSpec(
        model=MarketAccess,
        key=("product", "country"),
        columns={
            "product": _lookup(Product, "slug"),
            "country": _country,
            "status": None,
            "instrument_kind": None,
            "instrument_ref": None,
            "instrument_date": None,
            "instrument_date_precision": None,
            "valid_from": None,
            "valid_from_precision": None,
            "valid_until": None,
            "treatment": None,
            "pest_free_areas": None,
            "conditions": None,
        },
        scope="country",
        ignored=(
            "id",
            "protocol_signed_on",
            "requires_registered_establishments",
            "required_site_kind",
            "allowed_ports",
            "is_illustrative",
            "public_note",
            "public_note_written_on",
            "updated_at",
        ),
        series=True,
    ),
    ImportKind.REGULATIONS: ListSpec(
        model=Regulation,
        key=("slug",),
        columns={
            "slug": None,
            "code": None,
            "title_en": None,
            "title_ru": None,
            "title_zh": None,
            "kind": None,
            "country": _country,
            "union": _lookup(Union, "code"),
            "adopted_by": None,
            "adopted_on": None,
            "in_force_from": None,
            "in_force_until": None,
            "status": None,
            "scope": None,
        },
        scope="country",
    ),
    ImportKind.REGISTRATIONS: ListSpec(
        model=EstablishmentRegistration,
        key=("registration_number",),
        columns={
            "registration_number": None,
            "name": None,
            "country": _country,
            "products": _products,
            "registered_on": None,
            "valid_until": None,
            "status": None,
            "stopped_on": None,  # the day a suspension or cancellation takes effect
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
    errors: list[dict[str, Any]] = field(default_factory=list)  # {row, reason}
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


def import_read(*, file_name: str, content: bytes) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM) or XLSX file, keyed by the header row."""
    lowered = file_name.lower()
    if lowered.endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises several types for a file that is not XLSX
            raise DomainError("unreadable_file", _("The file is not a readable XLSX.")) from exc
        values = [
            [
                "" if v is None else (v.isoformat()[:10] if hasattr(v, "isoformat") else str(v))
                for v in row
            ]
            for row in sheet.iter_rows(values_only=True)  # type: ignore[union-attr]
        ]
    elif lowered.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DomainError("unreadable_file", _("The CSV file is not UTF-8 text.")) from exc
        values = list(csv.reader(io.StringIO(text)))
    else:
        raise DomainError("unsupported_file", _("Give a .csv or .xlsx file."))
    if not values:
        raise DomainError("empty_file", _("The file is empty."))
    header = [h.strip().lower() for h in values[0]]
    return [
        {name: (cell or "").strip() for name, cell in zip(header, row, strict=False) if name}
        for row in values[1:]
        if any((cell or "").strip() for cell in row)
    ]


def _key_of(spec: ListSpec, values: dict[str, Any]) -> str:
    return " / ".join(str(values.get(name, "")) for name in spec.key)


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


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
            reason = _message(exc) if isinstance(exc, ValidationError) else str(exc)
            report.errors.append({"row": number, "reason": reason})
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
        reason = _message(exc) if isinstance(exc, ValidationError) else str(exc)
        report.errors.append({"row": number, "reason": reason})
        return False
    if ("update", str(existing.pk), json.dumps(changes, sort_keys=True)) in pending:
        report.already_proposed.append({"row": number, "key": key})
    else:
        report.changed.append({"row": number, "key": key, "pk": existing.pk, "changes": changes})
    return True


def _row_values(
    spec: ListSpec, row: dict[str, str], link_names: set[str]
) -> tuple[dict[str, Any], list[str]]:
    """The row's values converted (text fields left empty mean "blank", not "unknown"), and
    its problems."""
    values: dict[str, Any] = {}
    problems = []
    for column, convert in spec.columns.items():
        if column not in row:
            continue
        text = row[column]
        if text == "":
            values[column] = [] if column in link_names else None
            if column in spec.key:
                problems.append(_("%(c)s is empty") % {"c": column})
            continue
        try:
            values[column] = convert(text) if convert else text
        except ValueError as exc:
            problems.append(str(exc))
    missing_key = [k for k in spec.key if k not in row]
    if missing_key:
        problems.append(_("no %(c)s column") % {"c": ", ".join(missing_key)})
    return values, problems


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
    rows: list[dict[str, str]],
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
    for index, row in enumerate(rows):
        number = index + 2  # the header is row 1
        if progress is not None:
            progress(index + 1, len(rows))
        unknown = set(row) - known
        if unknown:
            report.errors.append(
                {
                    "row": number,
                    "reason": _("unknown column: %(c)s") % {"c": ", ".join(sorted(unknown))},
                }
            )
            continue
        values, problems = _row_values(spec, row, link_names)
        listed = None
        if spec.series and STATES_COLUMN in row:
            try:
                listed = states_parse(row[STATES_COLUMN])
            except ValueError as exc:
                problems.append(f"{STATES_COLUMN}: {exc}")
        row_source = row.get("source") or source
        row_confidence = row.get("confidence") or confidence
        if not row_source.strip() or row_confidence not in Confidence.values:
            problems.append(_("no source or confidence"))
        if problems:
            report.errors.append({"row": number, "reason": "; ".join(problems)})
            continue
        key = _key_of(spec, values)
        if key in seen:
            report.errors.append(
                {"row": number, "reason": _("same record as row %(n)s") % {"n": seen[key]}}
            )
            continue
        seen[key] = number
        if spec.scope in values:
            scope_values.add(values[spec.scope])
        _blank_text(spec, values)
        lookup = {f"{name}": values[name] for name in spec.key}
        existing = spec.model._default_manager.filter(**lookup).first()
        provenance = {"source": row_source, "confidence": row_confidence}
        if "source_url" in row:
            provenance["source_url"] = row["source_url"]
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
                report.errors.append({"row": number, "reason": f"{STATES_COLUMN}: {exc}"})
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


# --- Runs: the import page's uploads, worked through by a task, with progress ---------------------

RUN_TASK = "accessions.tasks.run_import_task"


def import_run_start(
    *,
    kind: str,
    file_name: str,
    content: bytes,
    source: str,
    confidence: str,
    by: Any,
    propose: bool,
    comment: str = "",
) -> ImportRun:
    """Keep the upload and hand it to a worker after commit (in-process in the embedded mode)."""
    if not roles.may_propose(by):
        raise DomainError("not_allowed", _("Only inspectors import lists."))
    with transaction.atomic():
        run = ImportRun.objects.create(
            kind=kind,
            file_name=file_name[:300],
            content=content,
            source=source,
            confidence=confidence,
            comment=comment,
            propose=propose,
            author=by,
        )
    if current_app.conf.task_always_eager:  # embedded mode: read it now, in-process
        import_run_execute(run_id=run.pk)
        run.refresh_from_db()
    else:
        transaction.on_commit(lambda: _run_enqueue(run.pk))
    return run


def _run_enqueue(run_id: int) -> None:
    """Hand the run to a worker within the short Redis budget (registry.queue); when the queue
    does not take it, the run ends failed with its reason at once (never "queued" for ever)."""
    if task_enqueue(RUN_TASK, args=(run_id,)):
        return
    ImportRun.objects.filter(pk=run_id, state=ImportRunState.QUEUED).update(
        state=ImportRunState.FAILED,
        error=_("The import could not be queued: the task queue is not answering. Upload again."),
        content=b"",
    )


def import_run_execute(*, run_id: int) -> ImportRun | None:
    """Work through a queued run (claimed with a conditional UPDATE, so a second delivery of the
    task does nothing), writing its progress as it goes; a file with bad rows ends `failed` with
    every bad row in the report and nothing proposed."""
    claimed = ImportRun.objects.filter(pk=run_id, state=ImportRunState.QUEUED).update(
        state=ImportRunState.RUNNING
    )
    if not claimed:
        return None
    run = ImportRun.objects.select_related("author").get(pk=run_id)
    content = bytes(run.content)
    step = 1

    def progress(done: int, total: int) -> None:
        nonlocal step
        if done == 1:
            step = max(1, total // 50)
        if done == total or done % step == 0:
            ImportRun.objects.filter(pk=run_id).update(rows_done=done, rows_total=total)

    try:
        if run.propose:
            report, batch = import_apply(
                kind=run.kind,
                file_name=run.file_name,
                content=content,
                source=run.source,
                confidence=run.confidence,
                by=run.author,
                comment=run.comment,
                progress=progress,
            )
            run.batch = batch
        else:
            rows = import_read(file_name=run.file_name, content=content)
            report = import_dry_run(
                kind=run.kind,
                rows=rows,
                source=run.source,
                confidence=run.confidence,
                progress=progress,
            )
        run.report = report.as_dict()
        run.state = ImportRunState.FAILED if report.errors else ImportRunState.DONE
    except DomainError as exc:
        run.state = ImportRunState.FAILED
        run.error = exc.message
        run.report = {"errors": exc.extra.get("errors", [])}
    run.content = b""
    run.save(update_fields=["state", "report", "error", "batch", "content"])
    run.refresh_from_db(fields=["rows_done", "rows_total"])
    return run
