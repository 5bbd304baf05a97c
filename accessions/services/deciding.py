"""What becomes of a pending proposal: published, rejected, withdrawn or rebased; one at a time,
or an import (a batch of proposals) as a whole.

Maker-checker: a senior inspector other than the author, and other than whoever rebased it,
publishes or rejects; the author withdraws their own. Publishing applies the change through the
direct-write services (accessions.services.records) in one transaction, with the author and the
reviewer in the history context; a proposal whose record changed since it was made is stale and
is never applied, only rebased or rejected. (docs/design.md, "Users and what they may do"; issue
12.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accessions.models import Proposal, ProposalAction, ProposalBatch, ProposalState
from accessions.services.note_review import note_reviews, note_to_write
from accessions.services.proposing import (
    cascade_unchanged,
    proposal_create,
    proposal_is_stale,
    proposal_target,
)
from accessions.services.records import record_assign, record_delete, record_save, record_snapshot
from accounts import roles
from registry.errors import DomainError
from registry.history import history_context


def _lock(proposal: Proposal) -> Proposal:
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.state != ProposalState.PENDING:
        raise DomainError(
            "not_pending",
            _("The proposal is %(state)s, not pending.") % {"state": locked.get_state_display()},
        )
    return locked


def _apply(proposal: Proposal, *, by: Any, public_note: str | None = None) -> models.Model | None:
    model = proposal.content_type.model_class()
    assert model is not None
    new_values = {k: v[1] for k, v in proposal.changes.items()}
    if proposal.action == ProposalAction.CREATE:
        obj = model()
        links = record_assign(obj, new_values)
        record_save(obj=obj, by=by, links=links)
        proposal.object_id = str(obj.pk)
        return obj
    current = model._default_manager.select_for_update().filter(pk=proposal.object_id).first()
    if (
        current is None
        or record_snapshot(current) != proposal.base
        or (proposal.action == ProposalAction.DELETE and not cascade_unchanged(proposal, current))
    ):
        raise DomainError(
            "stale",
            _(
                "The record has changed since the proposal was made; rebase the proposal or "
                "reject it."
            ),
            {"proposal": proposal.pk},
        )
    if proposal.action == ProposalAction.DELETE:
        record_delete(obj=current, by=by)
        return None
    links = record_assign(current, new_values)
    if public_note is not None:  # the reviewer's new note; record_save dates it
        cast(Any, current).public_note = public_note
    record_save(obj=current, by=by, links=links)
    return current


def _check_reviewer(by: Any, author_id: int, rebased_by_id: int | None = None) -> None:
    """Maker-checker: a reviewer who is neither the author nor the one who rebased the proposal.
    The author (or rebaser) is told first that it is theirs, whatever their role, so an inspector
    publishing their own proposal learns why, not that the page is for others."""
    me = getattr(by, "pk", None)
    if me == author_id:
        raise DomainError(
            "self_approval",
            _("You proposed this; a senior inspector other than you publishes it."),
        )
    if rebased_by_id is not None and me == rebased_by_id:
        raise DomainError(
            "self_approval",
            _("You rebased this proposal; a senior inspector other than you publishes it."),
        )
    if not roles.may_publish(by, author_id):
        raise DomainError("not_allowed", _("Only senior inspectors publish proposals."))


def proposal_publish(
    *,
    proposal: Proposal,
    by: Any,
    comment: str = "",
    note_confirmed: bool = False,
    public_note: str | None = None,
) -> Proposal:
    """Apply a pending proposal through the direct-write service, in one transaction; the history
    of the record names the author (user) and the reviewer. A change to a legal state or a date
    of a record with a public note needs `note_confirmed` (the note still holds) or a new
    `public_note`, written with the change and dated today (issue 21)."""
    _check_reviewer(by, proposal.author_id, proposal.rebased_by_id)
    if proposal.batch_id is not None:
        raise DomainError("in_batch", _("An import is published or rejected as a whole."))
    with transaction.atomic():
        locked = _lock(proposal)
        _check_reviewer(by, locked.author_id, locked.rebased_by_id)
        new_note = note_to_write(
            note_reviews([locked]).get(locked.pk), confirmed=note_confirmed, public_note=public_note
        )
        with history_context(user=locked.author_id, reviewer=by.pk, proposal=locked.pk):
            _apply(locked, by=locked.author, public_note=new_note)
        _mark(locked, ProposalState.PUBLISHED, by=by, comment=comment)
    return locked


def _mark(proposal: Proposal, state: str, *, by: Any, comment: str) -> None:
    _close(proposal, state, reviewer=by, comment=comment)


def _close(proposal: Proposal, state: str, *, reviewer: Any, comment: str) -> None:
    proposal.state = state
    proposal.reviewer = reviewer
    proposal.review_comment = comment
    proposal.reviewed_at = timezone.now()
    proposal.save(update_fields=["state", "reviewer", "review_comment", "reviewed_at", "object_id"])


def proposal_reject(*, proposal: Proposal, by: Any, comment: str) -> Proposal:
    """Reject a pending proposal with a reason: a reviewer other than its author (an author
    withdraws their own: proposal_withdraw)."""
    if getattr(by, "pk", None) == proposal.author_id:
        raise DomainError(
            "own_proposal", _("You proposed this; withdraw it instead of rejecting it.")
        )
    if not roles.may_reject(by, proposal.author_id):
        raise DomainError("not_allowed", _("Only senior inspectors reject proposals."))
    if proposal.batch_id is not None:
        raise DomainError("in_batch", _("An import is published or rejected as a whole."))
    if not comment.strip():
        raise DomainError("comment_required", _("Say why the proposal is rejected."))
    with transaction.atomic():
        locked = _lock(proposal)
        _mark(locked, ProposalState.REJECTED, by=by, comment=comment)
    return locked


def proposal_withdraw(*, proposal: Proposal, by: Any, comment: str = "") -> Proposal:
    """The author takes back their pending proposal. It is withdrawn, not rejected: nobody
    reviewed it, so it has no reviewer; `reviewed_at` records when it was closed."""
    if not roles.may_withdraw(by, proposal.author_id):
        raise DomainError("not_allowed", _("Only the author of a proposal withdraws it."))
    if proposal.batch_id is not None:
        raise DomainError("in_batch", _("An import is published, rejected or withdrawn whole."))
    with transaction.atomic():
        locked = _lock(proposal)
        _close(locked, ProposalState.WITHDRAWN, reviewer=None, comment=comment)
    return locked


def proposal_rebase(*, proposal: Proposal, by: Any, comment: str = "") -> Proposal:
    """Re-make a stale proposal against the record as it is now: the proposed values are kept,
    the base becomes the current record; the old proposal is marked rebased. The author stays
    the original author (issue 27); the one who rebases is kept as `rebased_by`, and neither
    publishes it."""
    if not roles.may_propose(by):
        raise DomainError("not_allowed", _("Only inspectors propose changes to the registry."))
    if proposal.batch_id is not None:
        raise DomainError("in_batch", _("An import is published or rejected as a whole."))
    with transaction.atomic():
        locked = _lock(proposal)
        if not proposal_is_stale(locked):
            raise DomainError("not_stale", _("The proposal is up to date; nothing to rebase."))
        model = locked.content_type.model_class()
        assert model is not None
        target = proposal_target(locked)
        if target is None:
            raise DomainError("record_gone", _("The record no longer exists; reject the proposal."))
        fresh = proposal_create(
            model=model,
            action=locked.action,
            by=by,
            target=target,
            values={k: v[1] for k, v in locked.changes.items()},
            comment=comment or locked.comment,
        )
        fresh.author_id, fresh.rebased_by = locked.author_id, by
        fresh.save(update_fields=["author", "rebased_by"])
        locked.state = ProposalState.REBASED
        locked.rebased_to = fresh
        locked.save(update_fields=["state", "rebased_to"])
    return fresh


# --- Batches (imports) ---------------------------------------------------------------------------


def batch_publish(
    *,
    batch: ProposalBatch,
    by: Any,
    comment: str = "",
    notes: Mapping[int, str | None] | None = None,
) -> ProposalBatch:
    """Publish every proposal of an import in one transaction: one that cannot be applied (stale,
    invalid) means none is. `notes` holds the reviewer's word on the public notes, by proposal
    id: None when the note still holds, else the new note. Every proposal that changes a legal
    state or a date of a record with a public note needs it (issue 21)."""
    notes = notes or {}
    _check_reviewer(by, batch.author_id)
    with transaction.atomic():
        locked = ProposalBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != ProposalState.PENDING:
            raise DomainError("not_pending", _("The import is not pending."))
        # In the order proposed (an import proposes an entry's own changes before the states
        # it adds to the entry, each of which refreshes the entry's kept status).
        proposals = list(
            locked.proposals.select_for_update()
            .select_related("content_type", "author")
            .order_by("id")
        )
        reviews = note_reviews(proposals)
        unconfirmed = [pk for pk, review in reviews.items() if review.required and pk not in notes]
        if unconfirmed:
            raise DomainError(
                "public_note_unconfirmed",
                _(
                    "Some changes touch a legal state or a date: for each, confirm that the "
                    "record's public note still holds, or write a new one."
                ),
                {"proposals": sorted(unconfirmed)},
            )
        with history_context(user=locked.author_id, reviewer=by.pk, batch=locked.pk):
            for proposal in proposals:
                review = reviews.get(proposal.pk)
                new_note = note_to_write(
                    review,
                    confirmed=proposal.pk in notes,
                    public_note=notes.get(proposal.pk) if review is not None else None,
                )
                _apply(proposal, by=locked.author, public_note=new_note)
                _mark(proposal, ProposalState.PUBLISHED, by=by, comment=comment)
        _mark_batch(locked, ProposalState.PUBLISHED, by=by, comment=comment)
    return locked


def batch_reject(*, batch: ProposalBatch, by: Any, comment: str) -> ProposalBatch:
    if getattr(by, "pk", None) == batch.author_id:
        raise DomainError(
            "own_proposal", _("You proposed this; withdraw it instead of rejecting it.")
        )
    if not roles.may_reject(by, batch.author_id):
        raise DomainError("not_allowed", _("Only senior inspectors reject proposals."))
    if not comment.strip():
        raise DomainError("comment_required", _("Say why the proposal is rejected."))
    with transaction.atomic():
        locked = ProposalBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != ProposalState.PENDING:
            raise DomainError("not_pending", _("The import is not pending."))
        for proposal in locked.proposals.all():
            _mark(proposal, ProposalState.REJECTED, by=by, comment=comment)
        _mark_batch(locked, ProposalState.REJECTED, by=by, comment=comment)
    return locked


def batch_withdraw(*, batch: ProposalBatch, by: Any, comment: str = "") -> ProposalBatch:
    """The author takes back a whole pending import: it and its proposals are withdrawn, with
    no reviewer."""
    if not roles.may_withdraw(by, batch.author_id):
        raise DomainError("not_allowed", _("Only the author of a proposal withdraws it."))
    with transaction.atomic():
        locked = ProposalBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != ProposalState.PENDING:
            raise DomainError("not_pending", _("The import is not pending."))
        for proposal in locked.proposals.all():
            _close(proposal, ProposalState.WITHDRAWN, reviewer=None, comment=comment)
        _mark_batch(locked, ProposalState.WITHDRAWN, by=None, comment=comment)
    return locked


def _mark_batch(batch: ProposalBatch, state: str, *, by: Any, comment: str) -> None:
    batch.state = state
    batch.reviewer = by
    batch.review_comment = comment
    batch.reviewed_at = timezone.now()
    batch.save(update_fields=["state", "reviewer", "review_comment", "reviewed_at"])
