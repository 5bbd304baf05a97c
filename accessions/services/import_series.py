"""The access list's `states` cell on import: which of the listed states an entry lacks (each
proposed as a state of its own), which it has already, and what the cell leaves out or words
differently (noted, never deleted)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accessions import validity
from accessions.models import AccessState, MarketAccess, StateOrigin
from accessions.services import records
from accessions.services.import_specs import RECORDED_KINDS
from accessions.states_text import states_text


def message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


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


def series_step(
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
        records.record_assign(probe, values)
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
        records.record_assign(candidate, records.as_json(new))
        try:
            candidate.full_clean()
        except ValidationError as exc:
            raise ValueError(f"“{part}”: {message(exc)}") from exc
        changes = records.snapshot_diff(
            records.record_snapshot(AccessState()),
            {**records.record_snapshot(candidate), **records.as_json(new)},
        )
        if ("create", "", json.dumps(changes, sort_keys=True)) in pending:
            step.already.append(part)
        else:
            step.states.append(records.as_json(new))
    step.notes.extend(_left_out(have, seen))
    return step


def _left_out(have: dict[tuple[str, Any], Any], seen: set[tuple[str, Any]]) -> list[str]:
    """Notes on the recorded states the cell leaves out (an import never deletes one)."""
    return [
        _("“%(part)s” is in the registry but not in the cell: an import never deletes a state")
        % {"part": _state_words(kept)}
        for key, kept in have.items()
        if kept.origin == StateOrigin.RECORDED and key not in seen
    ]
