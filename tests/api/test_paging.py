"""Cursor paging on access/ and changes/ stays exact while rows are inserted concurrently."""

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from accessions.models import MarketAccess
from api.access import MarketAccessListView
from api.paging import StrictOrderingFilter
from api.services import api_key_issue
from tests import factories as f


def _walk(client, url):
    seen, pages = [], 0
    while url:
        body = client.get(url).json()
        seen.extend(body["results"])
        url, pages = body["next"], pages + 1
        assert pages < 100
    return seen


@pytest.mark.django_db
def test_access_cursor_pages_survive_inserts_between_pages(api):
    country = f.CountryFactory(iso2="QA", iso3="QAT")
    originals = [f.MarketAccessFactory(country=country).pk for _ in range(25)]
    first = api.get("/api/v1/access/?page_size=10&country=QA").json()
    assert len(first["results"]) == 10 and first["next"]
    inserted = [f.MarketAccessFactory(country=country).pk for _ in range(7)]
    rest = _walk(api, first["next"])
    ids = [r["id"] for r in first["results"]] + [r["id"] for r in rest]
    assert len(ids) == len(set(ids))  # nothing twice
    assert set(ids) == set(originals) | set(inserted)  # nothing skipped
    assert ids == sorted(ids)


@pytest.mark.django_db
def test_access_cursor_follows_the_ordering(api):
    country = f.CountryFactory(iso2="QB", iso3="QBT")
    for _ in range(12):
        f.MarketAccessFactory(country=country)
    rows = _walk(api, "/api/v1/access/?page_size=5&country=QB&ordering=-product_slug")
    slugs = [r["product"]["slug"] for r in rows]
    assert len(slugs) == 12 and slugs == sorted(slugs, reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["country_iso2", "-country_iso2", "updated_at"])
def test_access_rows_equal_in_the_ordering_come_by_id_across_pages(api, ordering):
    """Rows equal in the ordering asked (one country) come in one order, by id, so the offset
    DRF's cursors carry among them is exact: every row once, none skipped."""
    country = f.CountryFactory(iso2="QC", iso3="QCT")
    made = [f.MarketAccessFactory(country=country).pk for _ in range(7)]
    MarketAccess.objects.filter(pk__in=made).update(updated_at=timezone.now())
    rows = _walk(api, f"/api/v1/access/?page_size=3&country=QC&ordering={ordering}")
    assert [row["id"] for row in rows] == sorted(made)


def test_the_access_ordering_ends_with_the_id():
    request = Request(APIRequestFactory().get("/api/v1/access/", {"ordering": "-country_iso2"}))
    view = MarketAccessListView()
    ordering = StrictOrderingFilter().get_ordering(request, MarketAccess.objects.none(), view)
    assert ordering == ["-country_iso2", "id"]


def _all_events():
    from api.caching import event_models

    found = set()
    for model in event_models():
        label = model.pgh_tracked_model._meta.label_lower
        found |= {(label, pk) for pk in model.objects.values_list("pgh_id", flat=True)}
    return found


def _event_key(change):
    import base64
    import json

    token = change["cursor"] + "=" * (-len(change["cursor"]) % 4)
    created, label, pgh_id = json.loads(base64.urlsafe_b64decode(token))
    return created, label, pgh_id


@pytest.mark.django_db(transaction=True)
def test_change_feed_never_skips_a_late_commit():
    """A transaction that started before others but commits after them writes history rows
    *behind* a consumer's position; the feed holds them back until they commit, so paging by
    cursor collects every change exactly once, in order."""
    _key, raw = api_key_issue(name="mirror")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    country = f.CountryFactory(iso2="QC", iso3="QCT")
    for _ in range(6):
        f.MarketAccessFactory(country=country)

    collected = []
    body = client.get("/api/v1/changes/?page_size=4").json()
    collected += body["results"]
    cursor = body["cursor"]

    settings_dict = connection.settings_dict
    other = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        password=settings_dict["PASSWORD"] or None,
    )
    try:
        with other.cursor() as cur:  # psycopg opens a transaction: it stays open
            cur.execute(
                "UPDATE accessions_marketaccess SET conditions = 'late commit' WHERE id = %s",
                [MarketAccess.objects.order_by("id").first().pk],
            )
        for _ in range(3):
            f.MarketAccessFactory(country=country)  # committed while the other is open

        while True:  # drain what is visible now
            body = client.get(f"/api/v1/changes/?page_size=4&cursor={cursor}").json()
            collected += body["results"]
            cursor = body["cursor"]
            if not body["has_more"]:
                break
        assert not any(c["data"].get("conditions") == "late commit" for c in collected)
        other.commit()
    finally:
        other.close()

    while True:
        body = client.get(f"/api/v1/changes/?page_size=4&cursor={cursor}").json()
        collected += body["results"]
        cursor = body["cursor"]
        if not body["has_more"]:
            break

    keys = [_event_key(c) for c in collected]
    assert keys == sorted(keys)  # in feed order
    assert len(keys) == len(set(keys))  # nothing twice
    assert {(label, pgh_id) for _created, label, pgh_id in keys} == _all_events()  # nothing lost
    assert any(c["data"].get("conditions") == "late commit" for c in collected)


@pytest.mark.django_db
def test_change_feed_since_and_model_filter(keyed_api):
    f.MarketAccessFactory()
    body = keyed_api.get("/api/v1/changes/?since=2000-01-01&model=accessions.marketaccess").json()
    assert body["results"]
    assert {c["model"] for c in body["results"]} == {"accessions.marketaccess"}
    assert body["results"][0]["action"] == "created"
    future = keyed_api.get("/api/v1/changes/?since=2999-01-01T00:00:00Z").json()
    assert future["results"] == [] and future["cursor"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("since=not-a-date", "since"),
        ("cursor=abc", "cursor"),
        ("cursor=WyJ4Il0", "cursor"),
        ("since=2020-01-01&cursor=WyJ4Il0", "cursor"),  # the cursor wins, and is checked
        ("model=auth.user", "model"),
        ("page_size=1001", "page_size"),
    ],
)
def test_change_feed_bad_input(keyed_api, query, parameter):
    response = keyed_api.get(f"/api/v1/changes/?{query}")
    assert response.status_code == 400
    assert parameter in [e["parameter"] for e in response.json()["errors"]]
