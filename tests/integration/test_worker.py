"""The wiring, for real: a Celery worker process on the real Redis runs the sweep and delivers a
signed webhook to a receiver on 127.0.0.1; with the broker unreachable the web keeps answering and
the outbox keeps the events until the broker is back."""

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from accessions import outbox
from accessions.models import AccessStatus, EstablishmentRegistration, OutboxEvent
from accessions.services import market_access
from accessions.tasks import sweep_expiring_task
from config.celery import app
from notifications import subscriptions
from notifications.models import Delivery
from notifications.tasks import dispatch_outbox_task
from tests.factories import (
    CountryFactory,
    EstablishmentRegistrationFactory,
    MarketAccessFactory,
    ProductFactory,
    RegistrationRegimeFactory,
)
from tests.integration.receiver import Receiver, payload, signature_valid

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def _database_url() -> str:
    s = connection.settings_dict
    return (
        f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        f"/{s['NAME']}"
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reset_broker_connections() -> None:
    """Drop pooled connections so the next publish connects to app.conf.broker_url afresh."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery -A config worker` on the test database and the test Redis."""
    with django_db_blocker.unblock():
        database_url = _database_url()
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "PYTHONUNBUFFERED": "1",
    }
    app.control.purge()  # nothing left over from an earlier run on this Redis db
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-Q",
                "celery",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the Celery worker did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.2)
    yield log
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def via_broker():
    """Tasks go to Redis instead of running in the test process (tests/settings.py is eager)."""
    app.conf.task_always_eager = False
    _reset_broker_connections()
    yield
    app.conf.task_always_eager = True
    _reset_broker_connections()


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def trader(django_user_model):
    from accounts.roles import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user("trader", email="trader@example.org")
    user.groups.add(Group.objects.get(name="trader"))
    return user


def _wait(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_worker_runs_the_sweep_and_delivers_a_signed_webhook(worker, via_broker, receiver, trader):
    RegistrationRegimeFactory(
        code="decree-280",
        valid_from=dt.date(2026, 6, 1),
        valid_until=None,
        window_max_months=12,
        auto_extend=True,
        auto_extend_years=5,
    )
    kz = CountryFactory(iso2="KZ", iso3="KAZ")
    reg = EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201010001",
        country=kz,
        valid_until=dt.date(2026, 6, 1),
        products=[ProductFactory(slug="maize", hs_code="100590")],
    )
    sub = subscriptions.subscription_create(
        user=trader, channel="webhook", country="KZ", webhook_url=receiver.url("/ok")
    )

    sweep_expiring_task.delay("2026-06-02")

    requests = receiver.wait_for(1, timeout=60)
    assert len(requests) == 1, worker.read_text()
    [request] = requests
    assert signature_valid(request, sub.secret)
    body = payload(request)
    assert body["event"]["kind"] == "extended"
    assert body["event"]["subject"]["registration_number"] == reg.registration_number
    assert body["event"]["subject"]["extended_until"] == "2031-06-01"
    assert body["idempotency_key"] == f"{OutboxEvent.objects.get().pk}:{sub.pk}"
    reg.refresh_from_db()
    assert reg.status == "extended"
    assert _wait(lambda: Delivery.objects.filter(state="delivered").count() == 1)


@pytest.mark.parametrize("cache_down", [False, True], ids=["broker-down", "broker-and-cache-down"])
def test_with_redis_unreachable_the_change_commits_pages_answer_and_events_wait(
    worker, via_broker, receiver, trader, client, settings, cache_down
):
    access = MarketAccessFactory(
        country=CountryFactory(iso2="KZ", iso3="KAZ"),
        product=ProductFactory(slug="maize", hs_code="100590"),
    )
    sub = subscriptions.subscription_create(
        user=trader, channel="webhook", product="maize", webhook_url=receiver.url("/ok")
    )
    real_broker = app.conf.broker_url
    down = f"redis://127.0.0.1:{_closed_port()}/0"
    app.conf.broker_url = down
    _reset_broker_connections()
    if cache_down:  # Redis is both broker and cache in the full stack
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": down}}
    try:
        assert outbox.dispatch_enqueue() is False  # the broker really is unreachable

        market_access.market_access_state_record(
            access=access,
            kind=AccessStatus.SUSPENDED,
            starts_on=dt.date(2026, 3, 1),
            reason="ban",
            source="test",
            confidence="high",
        )

        access.refresh_from_db()
        assert access.status == "suspended"
        event = OutboxEvent.objects.get()
        assert event.fanned_out_at is None
        for url in _read_urls():
            assert client.get(url).status_code == 200, url
        time.sleep(1)
        assert receiver.received() == []
    finally:
        app.conf.broker_url = real_broker
        _reset_broker_connections()

    dispatch_outbox_task.delay()  # what beat does every minute

    [request] = receiver.wait_for(1, timeout=60)
    assert signature_valid(request, sub.secret)
    assert payload(request)["event"]["id"] == event.pk
    assert payload(request)["event"]["status_to"] == "suspended"
    assert _wait(lambda: Delivery.objects.filter(state="delivered").count() == 1)
    assert EstablishmentRegistration.objects.count() == 0


def _read_urls() -> list[str]:
    """A page, the sign-in page and, once the API exists, an API read."""
    urls = [reverse("home"), reverse("account_login")]
    try:
        resolve("/api/v1/countries/")
        urls.append("/api/v1/countries/")
    except (Resolver404, NoReverseMatch):
        pass
    return urls


def test_an_import_run_is_read_by_the_worker_with_its_progress(worker, via_broker):
    """The import page's upload goes to a real worker after commit; the run ends with its
    progress at the last row and one proposal batch."""
    from accessions.models import ImportRun, ProposalBatch
    from accessions.services import import_runs
    from accounts.services import account_create

    inspector = account_create(
        username="import-worker", email="iw@example.org", password="pw-worker-1", role="inspector"
    )
    kz = CountryFactory(iso2="KZ", iso3="KAZ", name_en="Kazakhstan")
    products = [ProductFactory(slug=f"import-product-{n}") for n in range(120)]
    lines = ["product,country,status,instrument_kind"] + [
        f"{p.slug},KZ,negotiating,reported" for p in products
    ]
    run = import_runs.import_run_start(
        kind="access",
        file_name="list.csv",
        content="\n".join(lines).encode(),
        source="GACC list (test)",
        confidence="medium",
        by=inspector,
        propose=True,
    )
    assert ImportRun.objects.get(pk=run.pk).state == "queued"  # not read in this process
    assert _wait(lambda: ImportRun.objects.get(pk=run.pk).state in ("done", "failed"))
    run.refresh_from_db()
    assert (run.state, run.rows_done, run.rows_total) == ("done", 120, 120), run.error
    assert ProposalBatch.objects.get(pk=run.batch_id).proposals.count() == 120
    assert kz.accesses.count() == 0  # proposed, not published
