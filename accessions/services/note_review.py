"""Public notes a change can make stale (issue 21).

A change to a legal state or a date of a record with a public note is published only when the
reviewer confirms that the note still holds or writes a new one: the note says what the record
means, and a changed record must not keep saying something no longer true. `note_reviews` gives
the reviewer the note beside each such change; `note_to_write` is the reviewer's word on it, as
publishing writes it (accessions.services.deciding).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db import models
from django.utils.translation import gettext as _

from accessions.models import NOTE_REVIEW_FIELDS, NOTE_WRITTEN_ON, Proposal, ProposalAction
from registry.errors import DomainError


def note_text(text: str) -> str:
    """A note as compared and stored: a form's line endings made plain, ends trimmed."""
    return text.replace("\r\n", "\n").strip()


@dataclass(frozen=True)
class NoteReview:
    """The public note a reviewer sees beside a change to a legal state or a date: the note the
    record will carry (the one the proposal writes, if any, else the current one) and the day it
    was written (None: not recorded, or written by this proposal)."""

    proposal_id: int
    fields: tuple[str, ...]
    note: str
    written_on: dt.date | None
    proposed: bool

    @property
    def required(self) -> bool:
        """A note that says something must be confirmed or rewritten; no note cannot go stale."""
        return bool(self.note.strip())

    def is_new(self, text: str | None) -> bool:
        return text is not None and note_text(text) != note_text(self.note)


def note_reviews(items: Iterable[Proposal]) -> dict[int, NoteReview]:
    """The note reviews of the proposals that update a legal state or a date of a record with a
    public note, by proposal id; their records are read with one query per kind of record."""
    wanted: dict[type[models.Model], list[tuple[Proposal, tuple[str, ...]]]] = {}
    for proposal in items:
        model = proposal.content_type.model_class()
        if proposal.action != ProposalAction.UPDATE or model not in NOTE_REVIEW_FIELDS:
            continue
        touched = tuple(n for n in NOTE_REVIEW_FIELDS[model] if n in proposal.changes)
        if touched:
            wanted.setdefault(model, []).append((proposal, touched))
    found: dict[int, NoteReview] = {}
    for model, pairs in wanted.items():
        records = model._default_manager.in_bulk([p.object_id for p, _f in pairs])
        for proposal, touched in pairs:
            record: Any = records.get(int(proposal.object_id))
            if record is None:  # gone: the proposal is stale and never applied
                continue
            proposed = "public_note" in proposal.changes
            note = proposal.changes["public_note"][1] if proposed else record.public_note
            found[proposal.pk] = NoteReview(
                proposal_id=proposal.pk,
                fields=touched,
                note=note or "",
                written_on=None if proposed else getattr(record, NOTE_WRITTEN_ON[model], None),
                proposed=proposed,
            )
    return found


def note_to_write(
    review: NoteReview | None, *, confirmed: bool, public_note: str | None
) -> str | None:
    """The new public note to write with the change (None: the note stands). A change to a legal
    state or a date is published only when the reviewer confirms that the record's public note
    still holds or writes a new one (issue 21: notes cannot silently go stale)."""
    if review is None:
        if public_note is not None:
            raise DomainError(
                "public_note_not_reviewed",
                _("Only a change to a legal state or a date is published with a new public note."),
            )
        return None
    if review.is_new(public_note):
        return note_text(cast(str, public_note))
    if review.required and not confirmed:
        raise DomainError(
            "public_note_unconfirmed",
            _(
                "This change touches a legal state or a date: confirm that the record's public "
                "note still holds, or write a new one."
            ),
            {"proposals": [review.proposal_id]},
        )
    return None
