"""Read replicas, for real: a primary and a streaming replica of our own (initdb,
pg_basebackup -R) behind a gunicorn running the production wiring with DATABASE_REPLICA_URLS.
Which node served each request is what `pg_is_in_recovery()` says on the connections that ran
its statements (tests/integration/replica_settings.py).

One story in order, since each step leaves the clusters as the next needs them: anonymous reads
on the replica; a write on the primary and the writer's next read there (read-your-writes),
while others still read the replica; an inspector on the primary; a paused replica skipped once
its lag passes the limit, and used again after; a stopped replica costing no error; and, with
the primary stopped, anonymous API reads still answered by the replica with the same ETag the
primary gave.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.integration import pgcluster

# The test database is only the schema the primary starts from (dumped before the test runs).
pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BASE_DIR = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PASSWORD = "pw-replicas-1"  # noqa: S105
MAX_LAG = 5.0
PIN_SECONDS = 3

SETUP = f"""
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from accounts.roles import INSPECTOR, role_assign, roles_ensure
from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory

roles_ensure()
MarketAccessFactory(
    product=ProductFactory(slug="corn-meal", name_en="Corn meal"),
    country=CountryFactory(iso2="KZ", name_en="Kazakhstan"),
)
user = get_user_model().objects.create_user(
    "inspector", email="inspector@example.org", password="{PASSWORD}"
)
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
role_assign(user=user, role=INSPECTOR)
from api.services import api_key_issue
print(api_key_issue(name="replicas")[1])
"""


def _test_database_url() -> str:
    s = connection.settings_dict
    return (
        f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        f"/{s['NAME']}"
    )


def _env(primary: pgcluster.Cluster, replica: pgcluster.Cluster) -> dict[str, str]:
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.integration.replica_settings",
        "DATABASE_URL": primary.url(),
        "DATABASE_REPLICA_URLS": replica.url(),
        "DATABASE_REPLICA_MAX_LAG": str(MAX_LAG),
        "DATABASE_REPLICA_CHECK_SECONDS": "0.1",
        "DATABASE_REPLICA_SKIP_SECONDS": "1",
        "DATABASE_READ_YOUR_WRITES_SECONDS": str(PIN_SECONDS),
        "API_RATE_ANON": "100000/min",
        "API_RATE_ANSWER_SAVE": "100000/min",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="module")
def nodes(django_db_setup, django_db_blocker, tmp_path_factory):
    """The primary (the migrated test database's schema, a product, a country, an inspector)
    and its replica, and a gunicorn serving them; all stopped and removed afterwards."""
    with django_db_blocker.unblock():
        source = _test_database_url()
    log = tmp_path_factory.mktemp("replicas") / "gunicorn.log"
    with pgcluster.clusters_root() as root:
        taken: set[int] = set()
        primary = pgcluster.make_primary(root, taken)
        replica = None
        server = None
        try:
            pgcluster.load_dump(source, primary)
            key = subprocess.run(
                [sys.executable, "manage.py", "shell", "--no-imports", "-c", SETUP],
                cwd=BASE_DIR,
                env=os.environ | {"DATABASE_URL": primary.url()},
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            replica = pgcluster.make_replica(primary, "replica", taken)
            port = pgcluster.free_port(taken)
            with log.open("wb") as out:
                server = subprocess.Popen(
                    [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                    cwd=BASE_DIR,
                    env=_env(primary, replica),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            site = f"http://127.0.0.1:{port}"
            _wait_serving(site, server, log)
            yield primary, replica, site, key
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=20)
            for cluster in (replica, primary):
                if cluster is not None:
                    cluster.stop("immediate")


def _wait_serving(site: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{site}/api/v1/countries/", timeout=5)
            return
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.2)


def served_by(response: httpx.Response) -> dict[str, bool]:
    """{alias: in recovery} of every connection that ran a statement for the request."""
    header = response.headers.get("X-Test-Served-By", "")
    return {alias: flag == "t" for alias, flag in (p.split(":") for p in header.split(",") if p)}


def on_replica(response: httpx.Response) -> bool:
    nodes = served_by(response)
    return bool(nodes) and all(nodes.values())


def on_primary(response: httpx.Response) -> bool:
    nodes = served_by(response)
    return bool(nodes) and not any(nodes.values())


def until(probe: Callable[[], httpx.Response], good: Callable[[httpx.Response], bool]):
    """Ask until `good` (every answer on the way must be a success, never an error)."""
    deadline = time.monotonic() + 20
    while True:
        response = probe()
        assert response.status_code < 500, response.text
        if good(response):
            return response
        assert time.monotonic() < deadline, f"never became good: {served_by(response)}"
        time.sleep(0.2)


def anonymous(site: str) -> httpx.Client:
    return httpx.Client(base_url=site, timeout=30)


def _csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def save_answer(client: httpx.Client) -> tuple[httpx.Response, str]:
    """A write through the site: the checker's 'save this answer' (anyone may)."""
    token = _csrf(client, "/check/")
    saved = client.post(
        "/answers/",
        data={"product": "corn-meal", "country": "KZ", "csrfmiddlewaretoken": token},
    )
    assert saved.status_code == 302, saved.text[:1000]
    return saved, saved.headers["location"].rstrip("/").rsplit("/", 1)[-1]


def test_reads_go_to_the_replica_and_survive_its_lag_its_loss_and_the_primarys(nodes):
    primary, replica, site, key = nodes
    reads_on_the_replica(site, key, primary, replica)
    writer, public_id = write_then_read_own_write(site, primary, replica)
    lagging_replica_skipped(site, primary, replica, writer, public_id)
    replica_cut_mid_request(site)
    inspector_on_the_primary(site)
    etag = replica_stopped_mid_run(site, primary, replica)
    primary_stopped(site, primary, replica, public_id, etag)


def reads_on_the_replica(site, key, primary, replica):
    """Anonymous reads (a list, the eligibility engine, search, a page), an API client's bulk
    check and the change feed's rows are served by the replica."""
    client = anonymous(site)
    for path in (
        "/api/v1/countries/",
        "/api/v1/access/",
        "/api/v1/eligibility/?product=corn-meal&country=KZ",
        "/api/v1/products/?q=corn",
        "/countries/KZ/",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        assert on_replica(response), (path, served_by(response))
    assert "Kazakhstan" in client.get("/api/v1/countries/").text
    # The bulk check is a POST that changes nothing: its engine reads the replica (the key's
    # first use is stamped on the primary) and it pins no one.
    api = httpx.Client(base_url=site, timeout=30, headers={"X-API-Key": key})
    bulk = api.post(
        "/api/v1/eligibility/bulk/", json={"checks": [{"product": "corn-meal", "country": "KZ"}]}
    )
    assert bulk.status_code == 200, bulk.text[:500]
    assert served_by(bulk) == {"default": False, "replica_1": True}
    assert "registry_read_primary" not in bulk.cookies
    assert on_replica(api.get("/api/v1/access/"))
    # The change feed: its horizon from the primary (only it sees its open transactions), its
    # rows from the replica once it has replayed up to that horizon.
    pgcluster.wait_replayed(primary, replica)
    feed = until(
        lambda: api.get("/api/v1/changes/?since=2000-01-01"),
        lambda r: served_by(r) == {"default": False, "replica_1": True},
    )
    assert "accessions.marketaccess" in feed.text


def write_then_read_own_write(site, primary, replica) -> tuple[httpx.Client, str]:
    """A write lands on the primary; the writer reads it back from the primary while the
    replica, paused, does not have it yet and everyone else still reads the replica."""
    pgcluster.wait_replayed(primary, replica)
    replica.sql("SELECT pg_wal_replay_pause()")
    writer = anonymous(site)
    saved, public_id = save_answer(writer)
    assert on_primary(saved), served_by(saved)
    assert "registry_read_primary" in saved.cookies
    count = "SELECT count(*) FROM accessions_answerrecord WHERE public_id = %s"
    assert primary.sql(count, (public_id,)) == [(1,)]
    assert replica.sql(count, (public_id,)) == [(0,)]
    own = writer.get(f"/api/v1/answers/{public_id}/")
    assert own.status_code == 200 and on_primary(own), (own.status_code, served_by(own))
    other = anonymous(site).get(f"/api/v1/answers/{public_id}/")
    assert other.status_code == 404 and on_replica(other), (other.status_code, served_by(other))
    return writer, public_id


def lagging_replica_skipped(site, primary, replica, writer, public_id):
    """The paused replica lags: once its lag passes the limit it is skipped, and the reads
    (which now see the new answer) go to the primary, without an error on the way; resumed and
    caught up, it serves again."""
    lagging = until(lambda: anonymous(site).get(f"/api/v1/answers/{public_id}/"), on_primary)
    assert lagging.status_code == 200
    replica.sql("SELECT pg_wal_replay_resume()")
    pgcluster.wait_replayed(primary, replica)
    back = until(lambda: anonymous(site).get(f"/api/v1/answers/{public_id}/"), on_replica)
    assert back.status_code == 200
    # The writer's pin has expired by now (the lag took longer): the writer is back on it too.
    assert on_replica(writer.get(f"/api/v1/answers/{public_id}/"))


def replica_cut_mid_request(site):
    """The replica's connection is cut in the middle of a read (after the router chose it):
    the read is asked again of the primary, and the visitor gets the page, not an error."""
    for path in ("/api/v1/access/", "/countries/KZ/"):
        until(lambda: anonymous(site).get("/api/v1/countries/"), on_replica)
        response = anonymous(site).get(path, headers={"X-Test-Cut-Replica": "1"})
        assert response.status_code == 200, (path, response.text[:500])
        assert response.headers["X-Test-Replica-Cut"] == "1"
        assert served_by(response).get("default") is False, served_by(response)


def inspector_on_the_primary(site):
    """A signed-in inspector's pages read the primary; the API's reads read no session (issue
    23: an API read is anonymous or keyed), so the inspector's API read is answered as anyone's."""
    inspector = anonymous(site)
    token = _csrf(inspector, "/accounts/login/")
    signed_in = inspector.post(
        "/accounts/login/",
        data={"login": "inspector", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert signed_in.status_code == 302, signed_in.text[:1000]
    time.sleep(PIN_SECONDS + 0.5)  # past the sign-in's own pin: the role alone decides
    response = inspector.get("/api/v1/countries/")
    assert response.status_code == 200, served_by(response)
    response = inspector.get("/countries/KZ/")
    assert response.status_code == 200 and on_primary(response), served_by(response)


def replica_stopped_mid_run(site, primary, replica) -> str:
    """The replica stops: no error, the primary answers; the replica serves again once back.
    Returns the primary's ETag of the country list."""
    client = anonymous(site)
    replica.stop("fast")
    for path in ("/api/v1/countries/", "/api/v1/eligibility/?product=corn-meal&country=KZ"):
        response = client.get(path)
        assert response.status_code == 200 and on_primary(response), (path, served_by(response))
    etag = client.get("/api/v1/countries/").headers["ETag"]
    replica.start()
    until(lambda: client.get("/api/v1/countries/"), on_replica)
    pgcluster.wait_replayed(primary, replica)  # the sign-in's writes too
    return etag


def primary_stopped(site, primary, replica, public_id, etag_primary):
    """The primary stops: anonymous API reads still answer, from the replica, with the ETag the
    primary gave for the same data (the data version does not depend on the node). Idle is not
    lagging: longer than the lag limit without a commit, the replica has replayed all it
    received and still serves."""
    primary.stop("fast")
    time.sleep(MAX_LAG + 0.5)
    (age,) = replica.sql("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")[0]
    assert age > MAX_LAG
    for path in (
        "/api/v1/countries/",
        f"/api/v1/answers/{public_id}/",
        "/api/v1/eligibility/?product=corn-meal&country=KZ",
    ):
        response = anonymous(site).get(path)
        assert response.status_code == 200 and on_replica(response), (path, served_by(response))
    assert anonymous(site).get("/api/v1/countries/").headers["ETag"] == etag_primary
