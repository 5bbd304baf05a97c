"""The access list costs the same number of queries on its first page and on a deep cursor page,
whatever the rows carry (allowed ports): keyset paging, no per-row queries (issue 13; the time
is measured in bench/scale.py, never here)."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection

from tests.factories import MarketAccessFactory, PortFactory

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> tuple[int, dict]:
    client.get(url)  # warm: the data version is computed once per database snapshot
    seen: list[str] = []

    def count(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(seen), response.json()


def test_first_and_deep_cursor_pages_cost_the_same_queries(client):
    ports = [PortFactory(code=f"p{i}") for i in range(3)]
    for i in range(12):
        access = MarketAccessFactory(status="in_force")
        access.allowed_ports.set(ports[: i % 4])
    url = "/api/v1/access/?status=in_force&page_size=2"
    first, body = _queries(client, url)
    assert len(body["results"]) == 2
    for _ in range(3):  # follow `next` to the fourth page
        cursor = parse_qs(urlparse(body["next"]).query)["cursor"][0]
        deep, body = _queries(client, f"{url}&cursor={cursor}")
    assert len(body["results"]) == 2
    assert deep == first
    # The data-version probe and the version itself (recomputed here because the test's own
    # transaction has written; in production a repeated snapshot skips it), then the page with
    # its ports and series of states in one statement (api.access_page).
    assert first == 3
