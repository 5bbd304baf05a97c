"""The fault suite (issue 27): what the probe did to Redis, the worker and PostgreSQL, done to real
ones of our own, with the README's promises as the assertions: nothing lost, nothing stuck, and
nothing sent twice except what "at least once" allows (a delivery in flight when its worker died,
sent again with the same idempotency key).

Bounded: each test waits at most a few seconds for a fault to show and for the recovery.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter

import pytest
from django.utils import timezone

from accessions import outbox
from accessions.models import EventKind, ImportRun, OutboxEvent
from accessions.services import import_runs
from accounts.services import account_create
from notifications import services, subscriptions, webhook_tests
from notifications.models import Delivery, WebhookTest
from registry.queue import task_enqueue
from registry.redis_cache import redis_breaker
from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory
from tests.faults.conftest import PausableProxy, Worker
from tests.integration.processes import database_url
from tests.integration.receiver import Receiver

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
DISPATCH = "notifications.tasks.dispatch_outbox_task"


def _wait(condition, timeout: float = 40.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def receiver():
    with Receiver(hang_seconds=2.0) as r:
        yield r


@pytest.fixture
def world(db):
    trader = account_create(
        username="f-trader", email="f-trader@example.org", password="pw-faults-1", role="trader"
    )
    inspector = account_create(
        username="f-insp", email="f-insp@example.org", password="pw-faults-1", role="inspector"
    )
    access = MarketAccessFactory(
        country=CountryFactory(iso2="KZ", iso3="KAZ"), product=ProductFactory(slug="wheat")
    )
    return {"trader": trader, "inspector": inspector, "access": access}


def _events(access, n: int) -> list[OutboxEvent]:
    return [
        outbox.event_record(
            kind=EventKind.STATUS_CHANGED,
            occurred_on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
            market_access=access,
            status_from="in_force",
            status_to="suspended",
        )
        for i in range(n)
    ]


def _keys(receiver, path=None) -> Counter:
    return Counter(json.loads(r["body"])["idempotency_key"] for r in receiver.received(path))


@pytest.mark.parametrize("fault", ["paused", "killed"])
def test_with_redis_paused_or_gone_requests_answer_and_nothing_is_lost(
    own_redis, worker_on, receiver, world, client, django_capture_on_commit_callbacks, fault
):
    sub = subscriptions.subscription_create(
        user=world["trader"], channel="webhook", country="KZ", webhook_url=receiver.url("/ok")
    )
    own_redis.pause() if fault == "paused" else own_redis.kill()

    with django_capture_on_commit_callbacks(execute=True):
        events = _events(world["access"], 3)  # each asks for a dispatch after commit
        test = webhook_tests.webhook_test_request(subscription=sub, by=world["trader"])
        run = import_runs.import_run_start(
            kind="access",
            file_name="list.csv",
            content=b"product,country\nwheat,KZ\n",
            source="test list",
            confidence="high",
            by=world["inspector"],
            propose=False,
        )
    assert redis_breaker.is_open  # the budget ran out once; later calls skip Redis
    for path in ("/api/v1/countries/", "/api/v1/access/", "/"):
        assert client.get(path).status_code == 200, path
    # Nothing lost: the events wait in the outbox, the test event is queued; nothing stuck: the
    # upload the queue did not take ended failed, saying why.
    assert OutboxEvent.objects.filter(fanned_out_at__isnull=True).count() == 3
    test.refresh_from_db()
    assert test.state == "queued"
    run.refresh_from_db()
    assert run.state == "failed" and "queue" in run.error

    if fault == "paused":
        own_redis.resume()
    else:
        own_redis.start()
    redis_breaker.reset()
    worker_on.start()
    assert task_enqueue(DISPATCH)  # what beat does every minute

    assert _wait(lambda: len(receiver.received("/ok")) >= 4), worker_on.log.read_text()
    assert _wait(lambda: WebhookTest.objects.filter(state="delivered").count() == 1)
    assert _wait(lambda: Delivery.objects.filter(state="delivered").count() == 3)
    keys = _keys(receiver, "/ok")
    assert set(keys) == {f"{e.pk}:{sub.pk}" for e in events} | {f"test-{test.pk}"}
    assert max(keys.values()) == 1  # nothing was in flight: nothing is sent twice
    assert ImportRun.objects.filter(state__in=["queued", "running"]).count() == 0


def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_with_the_same_key(
    own_redis, worker_on, receiver, world
):
    sub = subscriptions.subscription_create(
        user=world["trader"], channel="webhook", country="KZ", webhook_url=receiver.url("/hang")
    )
    events = _events(world["access"], 6)
    worker_on.start(REGISTRY_WEBHOOK_TIMEOUT="10")
    assert task_enqueue(DISPATCH)
    assert _wait(lambda: len(receiver.received()) >= 1), worker_on.log.read_text()
    worker_on.kill()  # mid-send: the receiver holds the requests for 2 s
    in_flight = set(_keys(receiver))

    # Nothing is stuck: past the lease, the next dispatcher (beat's, here in-process) sends what
    # the dead worker left.
    later = timezone.now() + dt.timedelta(seconds=10 * 2 + 31)
    services.webhooks_dispatch(now=later)

    assert Delivery.objects.filter(state="delivered").count() == 6
    keys = _keys(receiver)
    assert set(keys) == {f"{e.pk}:{sub.pk}" for e in events}  # nothing lost
    repeated = {key for key, seen in keys.items() if seen > 1}
    assert repeated <= in_flight  # at least once: only what was in flight, same key
    assert max(keys.values()) <= 2


def test_postgresql_paused_then_cut_under_the_worker_delivers_each_event_once(
    own_redis, worker_on, receiver, world, tmp_path
):
    from django.db import connection

    sub = subscriptions.subscription_create(
        user=world["trader"], channel="webhook", country="KZ", webhook_url=receiver.url("/ok")
    )
    events = _events(world["access"], 3)
    settings_dict = connection.settings_dict
    proxy = PausableProxy(
        (settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432))
    )
    try:
        worker = Worker(own_redis.url, tmp_path / "worker-proxy.log", database_url(port=proxy.port))
        # Paused before the worker starts: the events' own commit already queued a dispatch, which
        # a worker that is ready before the pause would deliver at once (the test would race it).
        proxy.pause()  # PostgreSQL hangs under the worker
        worker.start()
        assert task_enqueue(DISPATCH)
        time.sleep(2)
        assert receiver.received() == []
        proxy.cut()  # then it goes away under it (a restart)
        proxy.resume()
        assert task_enqueue(DISPATCH)  # beat's next run
        assert _wait(lambda: len(receiver.received()) >= 3), worker.log.read_text()
        assert _wait(lambda: Delivery.objects.filter(state="delivered").count() == 3)
        keys = _keys(receiver)
        assert set(keys) == {f"{e.pk}:{sub.pk}" for e in events}
        assert max(keys.values()) == 1
        worker.stop()
    finally:
        proxy.close()
