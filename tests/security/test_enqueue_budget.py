"""Issue 27, item 4: every enqueue on a request path goes through the one budgeted enqueue behind
the Redis circuit breaker (registry.queue): with the broker hung or refusing, the reviewers'
e-mail and the sweep button answer without it (no 500, no wait for the broker's own timeouts),
and the breaker then spares every later request the wait."""

from __future__ import annotations

import pytest
from celery import current_app

from accessions.models import MarketAccess
from accessions.services import proposing
from accounts.services import account_create
from registry.redis_cache import redis_breaker
from tests.factories import MarketAccessFactory
from tests.integration.processes import free_port
from tests.security.test_redis_hang import HungRedis

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["hung", "refusing"])
def broken_broker(request, monkeypatch):
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    if request.param == "hung":
        with HungRedis() as server:
            url = server.url
            _point_broker(monkeypatch, url)
            yield request.param
    else:
        _point_broker(monkeypatch, f"redis://127.0.0.1:{free_port()}/0")
        yield request.param
    current_app._pool = None
    current_app.amqp._producer_pool = None
    redis_breaker.reset()


def _point_broker(monkeypatch, url: str) -> None:
    monkeypatch.setitem(current_app.conf, "broker_url", url)
    monkeypatch.setitem(current_app.conf, "broker_write_url", url)
    current_app._pool = None
    current_app.amqp._producer_pool = None


def test_the_reviewers_email_is_enqueued_within_the_budget(
    broken_broker, django_capture_on_commit_callbacks
):
    inspector = account_create(
        username="b-insp", email="b-insp@example.org", password="pw-budget-1", role="inspector"
    )
    access = MarketAccessFactory(treatment="none")
    with django_capture_on_commit_callbacks(execute=True):
        proposing.proposal_create(
            model=MarketAccess,
            action="update",
            by=inspector,
            target=access,
            values={"treatment": "fumigation"},
        )
    assert redis_breaker.is_open  # the one mechanism saw the failure and spares the next caller


def test_the_sweep_button_answers_when_the_broker_does_not(client, broken_broker, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the full stack: a broker, a worker
    inspector = account_create(
        username="b-insp", email="b-insp@example.org", password="pw-budget-1", role="inspector"
    )
    client.force_login(inspector)
    response = client.post("/dashboard/sweep/", follow=True)
    assert response.status_code == 200
    assert "could not be started" in response.content.decode()
    assert redis_breaker.is_open
