"""Celery tasks of the notifications app: thin wrappers that call one service and log a count."""

from __future__ import annotations

import logging

from celery import shared_task

from notifications import services, webhook_tests

logger = logging.getLogger(__name__)


@shared_task
def dispatch_outbox_task() -> dict:
    """Fan out outbox events and send due webhooks (also the periodic catch-up after an outage).
    Woken by name from accessions.outbox after a change commits."""
    summary = services.webhooks_dispatch()
    tests = webhook_tests.webhook_tests_send()  # test events the queue did not take in time
    logger.info("dispatch_outbox_task: %s, %s test events", summary, tests)
    return {
        "tests": tests,
        "fanned_out": summary.fanned_out,
        "delivered": summary.delivered,
        "retrying": summary.retrying,
        "dead": summary.dead,
    }


@shared_task
def send_webhook_tests_task() -> int:
    """Send the signed test events subscribers asked for (woken after the request commits)."""
    sent = webhook_tests.webhook_tests_send()
    logger.info("send_webhook_tests_task: %s test events", sent)
    return sent


@shared_task
def send_digests_task() -> int:
    """The weekly e-mail digest: one e-mail per subscriber with their pending events."""
    sent = services.digests_send()
    logger.info("send_digests_task: %s e-mails", sent)
    return sent


@shared_task
def notify_reviewers_task(proposal_id: int | None = None, batch_id: int | None = None) -> int:
    """E-mail the reviewers about a new proposal or import (woken by name from accessions)."""
    sent = services.reviewers_notify(proposal_id=proposal_id, batch_id=batch_id)
    logger.info("notify_reviewers_task: %s e-mails", sent)
    return sent
