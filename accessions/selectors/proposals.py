"""Proposals: the reviewers' queue (each marked stale when its record changed since), the
imports waiting for review, and the dashboard's counts.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from accessions.models import Proposal, ProposalBatch, ProposalState
from accessions.services.proposing import proposal_is_stale


def proposals_queue(*, view: str, user: Any, limit: int = 200) -> list[Any]:
    """The reviewers' queue: `pending` (up to date), `stale` (the record changed since), `mine`
    (the user's own, any state), newest first, each marked `.stale`."""
    chosen = Proposal.objects.select_related("author", "reviewer", "content_type", "batch")
    if view == "mine":
        chosen = chosen.filter(author=user)
    else:
        chosen = chosen.filter(state=ProposalState.PENDING, batch__isnull=True)
    found: list[Any] = list(chosen.order_by("-created_at", "-id")[:limit])
    for proposal in found:
        proposal.stale = proposal.state == ProposalState.PENDING and proposal_is_stale(proposal)
    if view == "pending":
        return [p for p in found if not p.stale]
    if view == "stale":
        return [p for p in found if p.stale]
    return found


def proposal_batches_pending() -> QuerySet[Any]:
    return (
        ProposalBatch.objects.filter(state=ProposalState.PENDING)
        .select_related("author")
        .annotate(n=Count("proposals"))
        .order_by("-created_at")
    )


def proposal_counts() -> dict[str, int]:
    """For the dashboard: single proposals and imports waiting for review."""
    return {
        "pending": Proposal.objects.filter(state=ProposalState.PENDING, batch__isnull=True).count(),
        "imports": ProposalBatch.objects.filter(state=ProposalState.PENDING).count(),
    }
