"""The access list's hot path (api.access_page: one hand-written statement whose rows are the
entries' JSON, the FilterSet's SQL form, DRF's cursors) answers exactly as the list through
DRF's filter backends, queryset paging and plain rows rendered in Python (the path the
embedded SQLite mode takes, itself equal to the serializer: tests/api/test_access_plain.py):
byte for byte, for every filter, combinations of them, every ordering, forwards and backwards,
in three languages, and the same 400 for every bad parameter (issue 23)."""

import base64
import datetime as dt
from urllib.parse import urlencode, urlparse

import pytest
from django.db import connection
from django.utils import timezone

import api.access as access_view
from accessions.filters import MARKET_ACCESS_FILTER_SQL, MarketAccessFilter
from accessions.models import MarketAccess
from registry.models import Port
from tests import factories as f

pytestmark = pytest.mark.django_db

TRICKY = 'quote " back\\slash\nline\ttab \x01 \u2028 \u2029 中文 ёж 😀 =1+2'


@pytest.fixture
def world(seeded):
    """The seeds, plus entries each filter tells apart: a port, an HS alias, a partial
    suspension, a revocation, an end ahead, a start ahead, names missing in some languages,
    text JSON must escape, and times equal to the second (ties for `updated_at`)."""
    today = timezone.localdate()
    ports = [f.PortFactory(code="zz-lean"), f.PortFactory(code="aa-lean")]
    country = f.CountryFactory(iso2="QL", iso3="QLN", name_ru="", name_zh="")
    product = f.ProductFactory(slug="lean-beans", hs_code="120190", name_zh="豆", name_en="")
    f.ProductAliasFactory(product=product, alias="071339", kind="hs_code", language="en")
    made = [
        f.MarketAccessFactory(country=country, product=product, conditions=TRICKY),
        f.MarketAccessFactory(
            country=country,
            status="suspended",
            states=[{"kind": "suspended", "starts_on": dt.date(2024, 3, 1), "limited_to": "North"}],
        ),
        f.MarketAccessFactory(
            country=country,
            states=[{"kind": "revoked", "starts_on": dt.date(2022, 5, 1)}],
            status="revoked",
        ),
        f.MarketAccessFactory(
            states=[{"kind": "ended", "starts_on": today + dt.timedelta(days=30)}],
        ),
        f.MarketAccessFactory(
            status="pending",
            valid_from=today + dt.timedelta(days=90),
            public_note="note «ru» 中文",
        ),
        f.MarketAccessFactory(
            status="negotiating",
            instrument_kind="protocol",
            valid_from=None,
            valid_from_precision="",
        ),
    ]
    made[0].allowed_ports.set(ports)
    made[1].allowed_ports.set(ports[:1])
    stamp = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)  # no microseconds
    MarketAccess.objects.filter(pk__in=[made[0].pk, made[1].pk, made[2].pk]).update(
        updated_at=stamp
    )
    return made


def _both(client, monkeypatch, url, **headers):
    """The answer of the hot path, then of the list through DRF's backends and paging."""
    lean = client.get(url, **headers)
    with monkeypatch.context() as patched:
        patched.setattr(access_view, "sql_page_applies", lambda: False)
        generic = client.get(url, **headers)
    assert lean.status_code == generic.status_code, (url, lean.content, generic.content)
    assert lean.get("Content-Type") == generic.get("Content-Type")
    assert lean.content == generic.content, url
    return lean


def _relative(link):
    return "/api/v1/access/?" + urlparse(link).query


def _walk(client, monkeypatch, query, **headers):
    """Every page forwards (following `next`), then backwards from the last (`previous`),
    each compared on both paths; the ids seen, in order."""
    url, ids, pages = f"/api/v1/access/?{query}", [], 0
    while True:
        body = _both(client, monkeypatch, url, **headers).json()
        ids.extend(entry["id"] for entry in body["results"])
        pages += 1
        assert pages < 60
        if not body["next"]:
            break
        url = _relative(body["next"])
    back = []
    while body["previous"]:
        body = _both(client, monkeypatch, _relative(body["previous"]), **headers).json()
        back = [entry["id"] for entry in body["results"]] + back
        pages -= 1
        assert pages > -60
    assert back == ids[: len(back)]
    return ids


FILTERS = [
    "",
    "country=KZ",
    "country=ql",
    "product=lean-beans",
    "product=soybeans",
    "hs=12",
    "hs=071339",
    "category=grain",
    "status=in_force",
    "status=suspended",
    "status=revoked",
    "status=pending",
    "status=negotiating",
    "port=zz-lean",
    "port=aa-lean",
    "as_of=2019-06-01",
    "as_of=2024-06-01",
    "as_of=2030-01-01",
    "status=suspended&as_of=2024-06-01",
    "status=revoked&as_of=2023-01-01",
    "status=in_force&as_of=2018-01-01",
    "status=expired&as_of=2031-01-01",
    "updated_since=2025-01-02T03:04:05Z",
    "updated_since=2030-01-01T00:00:00%2B08:00",
    "expiring_within=0",
    "expiring_within=60",
    "expiring_within=3650",
    "country=QL&status=suspended&port=zz-lean",
    "country=KZ&category=grain&as_of=2020-01-01",
    "hs=12&expiring_within=3650&updated_since=2020-01-01T00:00:00Z",
    "product=lean-beans&hs=1201&status=in_force&as_of=2026-01-01&port=aa-lean",
]


@pytest.mark.parametrize("query", FILTERS)
def test_every_filter_answers_as_through_drf(world, api, monkeypatch, query):
    ids = _walk(api, monkeypatch, f"{query}&page_size=7".lstrip("&"))
    assert len(ids) == len(set(ids))


def test_the_filters_select_entries(world, api, monkeypatch):
    """The comparison above can fail: the filters do select (most lists are short)."""
    counts = {query: len(_walk(api, monkeypatch, f"{query}&page_size=50")) for query in FILTERS}
    assert counts["country=ql"] == 3
    assert counts["port=aa-lean"] == 1
    assert counts["status=revoked&as_of=2023-01-01"] >= 1
    assert 0 < counts["expiring_within=60"] < counts[""]


ORDERINGS = [
    "-id",
    "updated_at",
    "-updated_at",
    "country_iso2",
    "-country_iso2",
    "product_slug",
    "-product_slug",
    "country_iso2,-id",
    "-updated_at,product_slug",
]


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("query", ["page_size=4", "status=in_force&page_size=3"])
def test_every_ordering_pages_as_through_drf(world, api, monkeypatch, ordering, query):
    """Forwards and backwards, with rows equal in the ordering across pages (countries,
    times to the second), where DRF's cursors carry an offset."""
    ids = _walk(api, monkeypatch, f"{query}&ordering={ordering}")
    assert len(ids) == len(set(ids))


def test_every_entry_once_in_any_ordering(world, api, monkeypatch):
    every = set(MarketAccess.objects.values_list("pk", flat=True))
    for ordering in ORDERINGS:
        ids = _walk(api, monkeypatch, f"page_size=5&ordering={ordering}")
        assert sorted(ids) == sorted(every), ordering


@pytest.mark.parametrize("language", ["en", "zh-hans", "ru"])
def test_names_follow_the_language_asked(world, api, monkeypatch, language):
    _walk(api, monkeypatch, "country=QL&page_size=2", HTTP_ACCEPT_LANGUAGE=language)
    _walk(api, monkeypatch, "page_size=20&as_of=2024-06-01", HTTP_ACCEPT_LANGUAGE=language)


def test_an_indented_answer_and_a_conditional_one_are_as_through_drf(world, api, monkeypatch):
    url = "/api/v1/access/?country=QL"
    indented = _both(api, monkeypatch, url, HTTP_ACCEPT="application/json; indent=4")
    assert b'\n    "next"' in indented.content
    etag = _both(api, monkeypatch, url)["ETag"]
    assert _both(api, monkeypatch, url, HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "as_of=2020-13-01",
        "country=ZZ",
        "country=Kazakhstan",
        "port=no-such-port",
        "product=no-such-product-at-all",
        "hs=1",
        "category=stones",
        "updated_since=yesterday",
        "expiring_within=-1",
        "expiring_within=1.5",
        "status=bogus&as_of=bad&country=ZZ",
        "ordering=name",
        "ordering=-id,name",
        "status=bogus&ordering=name",
        "ordering=name&page_size=0",
        "page_size=0",
        "page_size=100000",
        "cursor=not-a-cursor",
        "page_size=0&cursor=not-a-cursor",
        "format=bogus",
        "status=",
        "status=in_force&status=suspended",
    ],
)
def test_every_bad_parameter_is_the_same_400(world, api, monkeypatch, query):
    response = _both(api, monkeypatch, f"/api/v1/access/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"]


@pytest.mark.parametrize(
    ("ordering", "position"),
    [
        ("id", "abc"),
        ("id", "1e3"),
        ("id", "9" * 30),
        ("updated_at", "abc"),
        ("updated_at", "2026-13-01"),
        ("product_slug", "a\x00b"),
    ],
)
def test_a_cursor_the_list_did_not_write_is_a_400(world, api, ordering, position):
    """Through DRF's queryset paging some of these were a 500 (an id that is no number, text
    PostgreSQL cannot hold)."""
    token = base64.b64encode(urlencode({"p": position}).encode()).decode()
    response = api.get("/api/v1/access/?" + urlencode({"ordering": ordering, "cursor": token}))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"parameter": "cursor", "reason": "The cursor is not valid."}
    ]


@pytest.mark.parametrize(
    ("ordering", "cursor"),
    [
        ("updated_at", b"p=2025-01-02 03:04:05"),  # a time without its zone: UTC
        ("-updated_at", b"r=1&p=2025-01-02 03:04:05.000001%2B00:00"),
        ("id", b"o=5000"),  # DRF caps the offset at 1,000
        ("id", b"r=1"),  # backwards, no position
        ("country_iso2", b"o=2&p=KZ"),
        ("-product_slug", b"o=1&r=1&p=soybeans"),
    ],
)
def test_odd_cursors_the_list_accepts_answer_as_through_drf(
    world, api, monkeypatch, ordering, cursor
):
    token = base64.b64encode(cursor).decode()
    query = urlencode({"ordering": ordering, "cursor": token, "page_size": 3})
    assert _both(api, monkeypatch, f"/api/v1/access/?{query}").status_code == 200


def test_the_page_is_one_statement(world, api):
    url = "/api/v1/access/?status=in_force&as_of=2024-06-01&port=zz-lean&page_size=3"
    api.get(url)
    seen: list[str] = []

    def count(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        assert api.get(url).status_code == 200
    # The data-version probe and the version (the test's own transaction has written; in
    # production a repeated snapshot skips it), the port named (the FilterSet's form checks
    # that it exists), then the page.
    assert len(seen) == 4
    assert "row_to_json(entry)" in seen[-1]
    # The filters' values are written in (PostgreSQL plans them for their rows), the page's
    # own parameters are not (every page is the same prepared statement).
    port = Port.objects.get(code="zz-lean")
    assert f"l.port_id = {port.pk})" in seen[-1] and "'2024-06-01'" in seen[-1]
    assert "%(limit)s" in seen[-1] and "%(offset)s" in seen[-1]


def test_every_filter_has_its_sql_form():
    assert set(MARKET_ACCESS_FILTER_SQL) == set(MarketAccessFilter.base_filters)
