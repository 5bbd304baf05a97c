"""Issue 27, item 2: "Send a signed test event" goes through the worker. Concurrent clicks at a
host that accepts and never answers hold no web worker: the pages and the API answer while the
clicks are in flight, the web tier never opens a connection to that host, and the worker ends
each test failed ("no answer in time") on the subscriptions page."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from notifications import subscriptions
from notifications.models import Subscription, WebhookTest
from tests.factories import CountryFactory, ProductFactory
from tests.integration.processes import Stranger, database_url, gunicorn, signed_in_session
from tests.integration.test_worker import _wait, trader, worker  # noqa: F401 - fixtures

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stranger():
    with Stranger() as host:
        yield host


@pytest.fixture
def web(tmp_path, settings):
    env = {
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "REGISTRY_WEBHOOK_TIMEOUT": "3",
    }
    with gunicorn(env, workers=2, log=tmp_path / "gunicorn.log") as base:
        yield base


def test_clicks_at_a_silent_host_hold_no_web_worker(web, stranger, trader):  # noqa: F811
    CountryFactory(iso2="KZ", iso3="KAZ")
    for slug in ("wheat", "maize", "barley"):
        ProductFactory(slug=slug)
    subs = [
        subscriptions.subscription_create(
            user=trader, channel="webhook", product=slug, webhook_url=stranger.url(f"/{slug}")
        )
        for slug in ("wheat", "maize", "barley")
    ]
    session = signed_in_session(trader, web)
    clicks = [subs[0], subs[1], subs[2], subs[0], subs[1], subs[2]]

    def click(sub: Subscription) -> int:
        return session.post(f"/accounts/subscriptions/{sub.pk}/test/").status_code

    def read(_n: int) -> int:
        return session.get("/api/v1/access/").status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        posted = pool.map(click, clicks)
        reads = pool.map(read, range(6))
        statuses, read_statuses = list(posted), list(reads)

    assert statuses == [302] * len(clicks)
    assert read_statuses == [200] * 6
    # The web tier never talked to the stranger: every click answered before any send began.
    assert stranger.accepted == 0
    # One open test per subscription however many clicks.
    assert WebhookTest.objects.count() == 3
    assert set(WebhookTest.objects.values_list("state", flat=True)) == {"queued"}


def test_the_worker_sends_the_tests_and_the_page_shows_the_result(
    worker,  # noqa: F811
    web,
    stranger,
    trader,  # noqa: F811
):
    CountryFactory(iso2="KZ", iso3="KAZ")
    sub = subscriptions.subscription_create(
        user=trader, channel="webhook", country="KZ", webhook_url=stranger.url()
    )
    session = signed_in_session(trader, web)
    assert session.post(f"/accounts/subscriptions/{sub.pk}/test/").status_code == 302

    # The worker's send waits out the webhook timeout (5 s by default) at the silent host.
    assert _wait(lambda: WebhookTest.objects.filter(state="failed").exists(), timeout=60), (
        worker.read_text()
    )
    assert stranger.accepted == 1
    test = WebhookTest.objects.get()
    assert (test.error, test.status_code, test.attempts) == ("timeout", None, 1)
    page = " ".join(session.get("/accounts/subscriptions/").text.split())
    assert "Test event: not delivered (no answer in time)" in page
