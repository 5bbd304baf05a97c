"""Signed test events ("Send a test event"): asked for on the subscriptions page, sent by the
worker, never inside the request (a receiver that accepts and never answers must not hold a web
worker: issue 27). The page shows the result when it comes.

A test is a row: queued when asked for, handed to the worker after commit within the short Redis
budget (registry.queue); the periodic dispatcher sends whatever the queue did not take. The worker
claims tests with SKIP LOCKED and a lease, sends them in parallel threads with the webhook timeout
and records the status or the failure class. A worker that dies mid-send leaves the lease to run
out; the test is then taken once more (so a receiver may see it twice, with the same idempotency
key), and a second interruption ends it failed.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from notifications.models import (
    WEBHOOK_TEST_OPEN,
    Channel,
    Subscription,
    WebhookTest,
    WebhookTestState,
)
from notifications.services import webhook_post
from registry.errors import DomainError
from registry.queue import task_enqueue

SEND_TASK = "notifications.tasks.send_webhook_tests_task"
# Open tests one subscriber may have at once (each is one outbound request of the worker).
OPEN_TESTS_PER_USER = 3
# Finished tests kept per subscription (the page shows the latest).
KEPT_TESTS = 5
# A test interrupted this many times (its worker died while sending) ends failed.
MAX_TEST_ATTEMPTS = 2
INTERRUPTED = "interrupted"


def _timeout() -> float:
    return float(getattr(settings, "REGISTRY_WEBHOOK_TIMEOUT", 5.0))


def webhook_test_request(*, subscription: Subscription, by: Any) -> WebhookTest:
    """Ask the worker to send one signed test event to a webhook subscription. A click while a
    test of the subscription is still open returns that test (no second request); a subscriber
    has at most OPEN_TESTS_PER_USER open tests."""
    if not roles.may_manage_subscription(by, subscription):
        raise DomainError("not_allowed", _("This is not your subscription."))
    if subscription.channel != Channel.WEBHOOK:
        raise DomainError("not_a_webhook", _("Only a webhook can be tested."))
    open_tests = WebhookTest.objects.filter(state__in=WEBHOOK_TEST_OPEN)
    existing = open_tests.filter(subscription=subscription).first()
    if existing is not None:
        return existing
    if open_tests.filter(subscription__user_id=subscription.user_id).count() >= (
        OPEN_TESTS_PER_USER
    ):
        raise DomainError(
            "too_many_tests",
            _("Wait for your other test events to finish before sending another."),
        )
    try:
        with transaction.atomic():
            test = WebhookTest.objects.create(subscription=subscription)
    except IntegrityError:  # a concurrent click made it first
        return open_tests.get(subscription=subscription)
    old = WebhookTest.objects.filter(subscription=subscription).exclude(state__in=WEBHOOK_TEST_OPEN)
    old.exclude(pk__in=old.order_by("-id").values("pk")[:KEPT_TESTS]).delete()
    transaction.on_commit(lambda: task_enqueue(SEND_TASK))
    return test


def _claim(now: dt.datetime, batch_size: int) -> list[WebhookTest]:
    """Take due tests (queued, or being sent past their lease) and lease them; an interrupted
    test past its last attempt ends failed instead."""
    due = Q(state=WebhookTestState.QUEUED) | Q(state=WebhookTestState.SENDING, lease_until__lt=now)
    with transaction.atomic():
        rows = list(
            WebhookTest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due)
            .select_related("subscription")
            .order_by("id")[:batch_size]
        )
        exhausted = [t.pk for t in rows if t.attempts >= MAX_TEST_ATTEMPTS]
        WebhookTest.objects.filter(pk__in=exhausted).update(
            state=WebhookTestState.FAILED, error=INTERRUPTED, finished_at=now, lease_until=None
        )
        claimed = [t for t in rows if t.pk not in exhausted]
        lease = now + dt.timedelta(seconds=_timeout() * 2 + 30)
        for test in claimed:
            test.state, test.lease_until, test.attempts = "sending", lease, test.attempts + 1
        WebhookTest.objects.bulk_update(claimed, ["state", "lease_until", "attempts"])
    return claimed


def _payload(test: WebhookTest) -> dict[str, Any]:
    return {
        "idempotency_key": test.idempotency_key,
        "event": {"kind": "test", "occurred_on": test.requested_at.date().isoformat()},
        "subscription": test.subscription_id,
    }


def webhook_tests_send(*, now: dt.datetime | None = None, batch_size: int = 20) -> int:
    """Send every due test event once (in parallel, each within the webhook timeout) and record
    its result; returns how many were sent. Safe to run twice at once (SKIP LOCKED, leases)."""
    sent = 0
    workers = int(getattr(settings, "REGISTRY_WEBHOOK_CONCURRENCY", 8))
    while claimed := _claim(now or timezone.now(), batch_size):

        def send(test: WebhookTest):
            sub = test.subscription
            return webhook_post(test.pk, sub.webhook_url, sub.secret, _payload(test), _timeout())

        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(claimed)))) as pool:
            outcomes = list(pool.map(send, claimed))
        for outcome in outcomes:
            WebhookTest.objects.filter(pk=outcome.delivery_id, state="sending").update(
                state=WebhookTestState.DELIVERED if outcome.ok else WebhookTestState.FAILED,
                status_code=outcome.status_code,
                error=outcome.error[:100],
                finished_at=timezone.now(),
                lease_until=None,
            )
        sent += len(outcomes)
    return sent
