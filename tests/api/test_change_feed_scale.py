"""The change feed at scale (issue 13): each page is a range of the (pgh_created_at, pgh_id)
index of every event table, small pages walk the same changes as one big page (also where one
transaction's changes of several record types share a time), and no reference cycle keeps a
served page alive (the memory a server keeps does not grow with the pages; measured in
bench/scale.py, never timed here)."""

import gc
import io
import re
import sys
from urllib.parse import urlencode

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MarketAccessFactory, PortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes():
    """Several record types created in the test's one transaction: one time for all of them, so
    the feed's order falls to the record type, then the event id."""
    ports = [PortFactory(code=f"p{i}") for i in range(2)]
    for i in range(5):
        access = MarketAccessFactory()  # a product, a country, the entry: three record types
        access.allowed_ports.set(ports[: i % 3])


def _walk(client, size: int) -> list[str]:
    cursors: list[str] = []
    url = "/api/v1/changes/?" + urlencode({"since": "2000-01-01", "page_size": size})
    while url:
        body = client.get(url).json()
        cursors.extend(change["cursor"] for change in body["results"])
        url = body["next"]
    return cursors


def test_small_pages_walk_the_same_changes_as_one_page(keyed_api, changes):
    whole = _walk(keyed_api, 1000)
    assert len(whole) >= 20 and len(set(whole)) == len(whole)
    page = keyed_api.get("/api/v1/changes/?page_size=1000&since=2000-01-01").json()
    assert len({change["model"] for change in page["results"]}) >= 4
    assert len({change["occurred_at"] for change in page["results"]}) == 1  # one transaction
    for size in (1, 2, 3, 7):
        assert _walk(keyed_api, size) == whole


def test_every_arm_of_the_feed_reads_its_index(keyed_api, changes):
    """With sequential scans priced out (the test tables are tiny), every event table's arm of
    the feed's statement is an index scan in the feed's order: no sort of a whole table."""
    with CaptureQueriesContext(connection) as queries:
        keyed_api.get("/api/v1/changes/?since=2000-01-01&page_size=10")
    (feed,) = [q["sql"] for q in queries.captured_queries if "UNION ALL" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + feed)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    arms = feed.count(' FROM "')
    assert arms >= 15  # every tracked table
    assert plan.count("Index Scan using") >= arms
    # No arm is sorted (the index gives its order); only the merge of the arms is.
    # No arm is sorted (the index gives its order): the arms are merged (Merge Append), and
    # only the merged rows' order by record type is finished (Incremental Sort).
    assert not re.search(r"^\s*(->\s+)?Sort\s+\(", plan, re.M), plan
    assert "Merge Append" in plan


def test_a_served_page_is_not_kept_by_a_reference_cycle(api_key, changes):
    """Through the WSGI handler, as a server calls it: after the response is closed, nothing the
    page was made of waits for the garbage collector (the test client's own responses hold
    cycles, so it is not used here)."""
    handler = WSGIHandler()

    def get(query: str) -> bytes:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/api/v1/changes/",
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_API_KEY": api_key,
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        # As the test client does: the request signals must not close the test's connection.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            response = handler(environ, lambda status, headers: None)
            try:
                return b"".join(response)
            finally:
                response.close()
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)

    query = "since=2000-01-01&page_size=1000"
    get(query)  # warm: caches of the process
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        body = get(query)
        gc.collect()
        kept = list(gc.garbage)
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()
    assert body.count(b'"cursor"') >= 20
    # Neither the rendered page nor its changes (dicts with a cursor) are in a cycle.
    assert not [o for o in kept if isinstance(o, bytes) and len(o) >= len(body) // 2]
    assert not [o for o in kept if isinstance(o, dict) and "cursor" in o]
    assert not [o for o in kept if isinstance(o, list) and o and isinstance(o[0], dict)]
