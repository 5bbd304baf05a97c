"""Celery tasks: thin wrappers that call one service and log a count (STYLE.md, "Celery")."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from accessions import services

logger = logging.getLogger(__name__)


@shared_task
def sweep_expiring_task(day: str | None = None) -> dict:
    """The daily expiry sweep. `day` is an ISO date; beat passes none, so the worker's UTC date."""
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    summary = services.expiry_sweep(today=today)
    logger.info("sweep_expiring_task %s: %s", today.isoformat(), summary.as_dict())
    if summary.events_created:
        services.dispatch_enqueue()
    return summary.as_dict()


@shared_task
def dispatch_outbox_task() -> dict:
    """Fan out outbox events and send due webhooks (also the periodic catch-up after an outage)."""
    summary = services.webhooks_dispatch()
    logger.info("dispatch_outbox_task: %s", summary)
    return {
        "fanned_out": summary.fanned_out,
        "delivered": summary.delivered,
        "retrying": summary.retrying,
        "dead": summary.dead,
    }


@shared_task
def send_digests_task() -> int:
    """The weekly e-mail digest: one e-mail per subscriber with their pending events."""
    sent = services.digests_send()
    logger.info("send_digests_task: %s e-mails", sent)
    return sent
