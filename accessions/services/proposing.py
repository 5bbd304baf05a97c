"""Proposals (maker-checker) for every record with legal effect: making them, and reading them
against the record as it is now.

An inspector's change is kept as a proposal: the record, its field-level changes {field: [old,
new]}, the record as it was when proposed (the base), a comment and the author. Nothing public
changes until a senior inspector other than the author publishes it (accessions.services.deciding,
through the direct writes of accessions.services.records). A proposal whose record has changed
since it was made is stale: it is never applied, only rebased or rejected. (docs/design.md, "Users
and what they may do"; issue 12.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _

from accessions.models import (
    Accession,
    AccessionStage,
    Proposal,
    ProposalAction,
    ProposalBatch,
)
from accessions.services.cascade import delete_cascade
from accessions.services.records import (
    as_json,
    is_legal_model,
    record_assign,
    record_snapshot,
    record_validate,
    snapshot_diff,
)
from accounts import roles
from registry.errors import DomainError
from registry.queue import task_enqueue

logger = logging.getLogger(__name__)

# By name: the e-mail to reviewers belongs to the notifications app, above this one.
NOTIFY_TASK = "notifications.tasks.notify_reviewers_task"


def _notify_reviewers(*, proposal_id: int | None = None, batch_id: int | None = None) -> None:
    # The queue page lists the proposal whatever happens: the e-mail is a courtesy, enqueued
    # after commit within the short Redis budget (registry.queue), never waited for.
    transaction.on_commit(
        lambda: task_enqueue(NOTIFY_TASK, kwargs={"proposal_id": proposal_id, "batch_id": batch_id})
    )


def proposal_create(
    *,
    model: type[models.Model],
    action: str,
    by: Any,
    target: models.Model | None = None,
    values: dict[str, Any] | None = None,
    comment: str = "",
    batch: ProposalBatch | None = None,
    notify: bool = True,
) -> Proposal:
    """Propose creating (values), updating (target, values: the new values of the changed fields)
    or deleting (target) a record with legal effect. The proposed record is validated now, so a
    reviewer sees only proposals that can be published."""
    if not roles.may_propose(by):
        raise DomainError("not_allowed", _("Only inspectors propose changes to the registry."))
    if not is_legal_model(model):
        raise DomainError("not_proposable", _("This kind of record is not changed by proposals."))
    if action not in ProposalAction.values:
        raise DomainError("invalid_action", _("Unknown action: %(action)s.") % {"action": action})
    values = as_json(values or {})
    cascade: list = []
    if action == ProposalAction.CREATE:
        base: dict = {}
        candidate = model()
        record_assign(candidate, values)
        record_validate(candidate)
        changes = snapshot_diff(record_snapshot(model()), {**record_snapshot(candidate), **values})
        repr_ = str(candidate)
    else:
        if target is None or target.pk is None:
            raise DomainError("no_record", _("Name the record to change."))
        current = model._default_manager.get(pk=target.pk)
        base = record_snapshot(current)
        repr_ = str(current)
        if action == ProposalAction.DELETE:
            cascade = delete_cascade(current)  # refuses a delete that other records block
        if action == ProposalAction.UPDATE:
            unknown = set(values) - set(base)
            if unknown:
                raise DomainError(
                    "unknown_field",
                    _("Unknown field: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
                )
            changes = snapshot_diff(base, {**base, **values})
            if not changes:
                raise DomainError("no_change", _("The proposal changes nothing."))
            record_assign(current, {k: v[1] for k, v in changes.items()})
            record_validate(current)
        else:
            changes = {}
    proposal = Proposal.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id="" if action == ProposalAction.CREATE else str(target.pk),  # type: ignore[union-attr]
        object_repr=repr_[:300],
        action=action,
        changes=changes,
        base=base,
        comment=comment,
        author=by,
        batch=batch,
        cascade=as_json(cascade),
    )
    if notify and batch is None:
        _notify_reviewers(proposal_id=proposal.pk)
    return proposal


def proposal_from_edit(
    *,
    original: models.Model | None,
    edited: models.Model,
    by: Any,
    links: dict[str, Iterable[Any]] | None = None,
    comment: str = "",
) -> Proposal:
    """A proposal from an edited copy of a record (the admin's form, the web form); original is
    None for a new record."""
    after = record_snapshot(edited, links=links)
    if original is None:
        return proposal_create(
            model=type(edited), action=ProposalAction.CREATE, by=by, values=after, comment=comment
        )
    before = record_snapshot(original)
    values = {k: v[1] for k, v in snapshot_diff(before, after).items()}
    return proposal_create(
        model=type(edited),
        action=ProposalAction.UPDATE,
        by=by,
        target=original,
        values=values,
        comment=comment,
    )


def proposal_target(proposal: Proposal) -> models.Model | None:
    """The record the proposal changes as it is now (None for a creation or a deleted record)."""
    if not proposal.object_id:
        return None
    model = proposal.content_type.model_class()
    assert model is not None
    return model._default_manager.filter(pk=proposal.object_id).first()


def proposal_is_stale(proposal: Proposal) -> bool:
    """Whether the record changed (or went) after the proposal was made."""
    if proposal.action == ProposalAction.CREATE:
        return False
    current = proposal_target(proposal)
    if current is None or record_snapshot(current) != proposal.base:
        return True
    return proposal.action == ProposalAction.DELETE and not cascade_unchanged(proposal, current)


def cascade_unchanged(proposal: Proposal, current: models.Model) -> bool:
    """Whether deleting the record now takes exactly the records the reviewer was shown."""
    try:
        now = delete_cascade(current)
    except DomainError:  # something protects it now
        return False
    return [item[:2] for item in as_json(now)] == [item[:2] for item in proposal.cascade]


def proposal_versions(proposal: Proposal) -> list[dict[str, Any]]:
    """Field by field: the base (when proposed), the proposed and the current value, for every
    field the proposal changes or someone changed since."""
    current_obj = proposal_target(proposal)
    current = record_snapshot(current_obj) if current_obj is not None else {}
    base = proposal.base
    proposed = {**base, **{k: v[1] for k, v in proposal.changes.items()}}
    names = list(proposal.changes) + [
        n for n in current if base.get(n) != current.get(n) and n not in proposal.changes
    ]
    return [
        {
            "field": name,
            "base": base.get(name),
            "proposed": None if proposal.action == ProposalAction.DELETE else proposed.get(name),
            "current": current.get(name),
            "changed_since": bool(base) and base.get(name) != current.get(name),
        }
        for name in names
    ]


def batch_notify(batch: ProposalBatch) -> None:
    _notify_reviewers(batch_id=batch.pk)


def stage_propose(
    *,
    accession: Accession,
    stage: str,
    occurred_on: Any,
    precision: str,
    source: str,
    confidence: str,
    by: Any,
    source_url: str = "",
    comment: str = "",
) -> Proposal:
    """Add or date a stage of an accession (GACC's procedure order: application, questionnaire,
    risk assessment, inspection, protocol, announcement, establishment registration), as a
    proposal: a stage the accession already has is re-dated, another is created."""
    values = {
        "occurred_on": occurred_on,
        "occurred_on_precision": precision if occurred_on else "",
        "source": source,
        "source_url": source_url,
        "confidence": confidence,
    }
    existing = AccessionStage.objects.filter(accession=accession, stage=stage).first()
    if existing is None:
        return proposal_create(
            model=AccessionStage,
            action=ProposalAction.CREATE,
            by=by,
            values={"accession": accession.pk, "stage": stage, **values},
            comment=comment,
        )
    return proposal_create(
        model=AccessionStage,
        action=ProposalAction.UPDATE,
        by=by,
        target=existing,
        values=values,
        comment=comment,
    )
