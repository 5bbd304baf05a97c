"""Celery tasks of the notifications app: thin wrappers that call one service and log a count."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from notifications import emails, saved, saved_delivery, selectors, services, webhook_tests

logger = logging.getLogger(__name__)


@shared_task
def dispatch_outbox_task() -> dict:
    """Fan out outbox events and send due webhooks (also the periodic catch-up after an outage).
    Woken by name from accessions.outbox after a change commits."""
    records_changed = selectors.outbox_events_waiting()
    summary = services.webhooks_dispatch()
    tests = webhook_tests.webhook_tests_send()  # test events the queue did not take in time
    logger.info("dispatch_outbox_task: %s, %s test events", summary, tests)
    if records_changed:  # saved questions' answers may have changed too
        saved.saved_questions_reanswer(today=timezone.localdate())
    retried = saved_delivery.saved_changes_deliver()  # new changes, and those whose backoff is over
    logger.info("dispatch_outbox_task: %s, saved-question changes sent: %s", summary, retried)
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
    sent = emails.digests_send()
    logger.info("send_digests_task: %s e-mails", sent)
    return sent


@shared_task
def notify_reviewers_task(proposal_id: int | None = None, batch_id: int | None = None) -> int:
    """E-mail the reviewers about a new proposal or import (woken by name from accessions)."""
    sent = emails.reviewers_notify(proposal_id=proposal_id, batch_id=batch_id)
    logger.info("notify_reviewers_task: %s e-mails", sent)
    return sent


@shared_task
def reanswer_saved_questions_task(today: str | None = None) -> dict:
    """Ask every saved question again and tell the traders whose answer changed. Daily from
    beat, and woken by the dispatcher when an outbox event (a change of records) was fanned out."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    summary = saved.saved_questions_reanswer(today=day)
    delivered = saved_delivery.saved_changes_deliver()
    logger.info("reanswer_saved_questions_task: %s, delivered %s", summary, delivered)
    return {"questions": summary.questions, "changed": summary.changed, "delivered": delivered}
