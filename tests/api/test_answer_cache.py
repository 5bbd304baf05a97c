"""The answer cache in Redis (api.answer_cache, issue 23): a repeated question, or a recorded pair
on a new date inside a known window, costs one Redis call and no query; a write through Django
is never answered from a stale cache; the rate limit is counted in that same call. And the
middleware an API read does not need is skipped for it, not for pages.

These tests commit (transaction=True): inside a test's transaction the view takes the database
path, as it must where a request may have written."""

import datetime as dt

import pytest
import redis
import redis.connection
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accessions.eligibility.check import check_eligibility
from accessions.models import AccessState
from api.eligibility_answer import render_answer
from api.middleware import ApiReadsSkipSessionMiddleware, is_api_read

URL = "/api/v1/eligibility/"
# No serialized_rollback: restoring the migrations' rows at set-up collides with the content types
# an earlier committing test's flush re-created under new ids (the order decides). The flush takes
# the roles the migrations made; `committed_seeds` (conftest) puts them back.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_calls(monkeypatch):
    """The Redis commands sent one by one, as they are put on the wire (a connection packs each,
    whether through redis-py's command layer or api.answer_cache's own EVALSHA)."""
    calls = []
    original = redis.connection.AbstractConnection.pack_command

    def counted(self, *args):
        calls.append(args[0])
        return original(self, *args)

    monkeypatch.setattr(redis.connection.AbstractConnection, "pack_command", counted)
    return calls


def _cost(api, params, calls):
    calls.clear()
    with CaptureQueriesContext(connection) as queries:
        response = api.get(URL, params)
    assert response.status_code == 200, response.content
    return response, len(queries), list(calls)


def test_a_repeated_question_costs_one_redis_call_and_no_query(committed_seeds, api, redis_calls):
    params = {"product": "maize", "country": "KZ", "port": "khorgos", "date": "2024-05-01"}
    first, first_queries, _calls = _cost(api, params, redis_calls)
    assert first_queries <= 2 + 2  # the data version (first of the run) + resolver + records
    second, queries, calls = _cost(api, params, redis_calls)
    assert queries == 0
    assert calls == ["EVALSHA"]
    assert second.json() == first.json()
    assert second["ETag"] == first["ETag"]
    assert api.get(URL, params, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_new_date_inside_a_known_window_is_a_repeated_question(committed_seeds, api, redis_calls):
    params = {"product": "maize", "country": "KZ", "date": "2024-05-01"}
    first = api.get(URL, params).json()
    start = dt.date.fromisoformat(first["holds_from"]) if first["holds_from"] else None
    end = dt.date.fromisoformat(first["holds_until"]) if first["holds_until"] else None
    other = (start or dt.date(2024, 5, 1) - dt.timedelta(days=400)) + dt.timedelta(days=1)
    assert other != dt.date(2024, 5, 1) and (end is None or other <= end)
    response, queries, calls = _cost(api, {**params, "date": other.isoformat()}, redis_calls)
    assert (queries, calls) == (0, ["EVALSHA"])
    expected = check_eligibility(product="maize", country="KZ", on=other)
    served = response.json()
    assert served["as_of"] == other.isoformat()
    assert served == {**render_answer(expected), "permalink": served["permalink"]}
    assert served["permalink"].endswith(f"date={other.isoformat()}")


def test_a_pair_asked_in_a_second_window_gets_its_whole_timeline(committed_seeds, api, redis_calls):
    """A question never asked pays for its own window only; asked again in another window (a
    recorded pair on a new date), the rest of its timeline is answered with it, so every other
    date is then a repeated question, with the engine's own answer for that date."""
    pair = {"product": "beef", "country": "KZ"}
    api.get(URL, {**pair, "date": "2024-05-01"})
    _response, queries, _calls = _cost(api, {**pair, "date": "2020-03-01"}, redis_calls)
    assert queries > 0  # not answered with the first question
    for day in ("2000-01-01", "2010-06-01", "2014-06-01", "2019-06-01", "2022-06-01", "2031-01-01"):
        response, queries, calls = _cost(api, {**pair, "date": day}, redis_calls)
        assert (queries, calls) == (0, ["EVALSHA"]), day
        expected = check_eligibility(product="beef", country="KZ", on=dt.date.fromisoformat(day))
        served = response.json()
        assert served == {**render_answer(expected), "permalink": served["permalink"]}, day


def test_a_pair_not_recorded_gets_every_window_of_the_countrys_coverage(
    committed_seeds, api, redis_calls
):
    """A pair the registry holds no entry for is answered with the country's coverage, which
    changes on the start of every state of the country's entries. Asked in a second window, its
    timeline holds every such window at once: every later date is a repeated question."""
    pair = {"product": "fresh-grapes", "country": "KZ"}
    assert api.get(URL, {**pair, "date": "2024-05-01"}).json()["verdict"] == "not_recorded"
    _response, queries, _calls = _cost(api, {**pair, "date": "2016-06-01"}, redis_calls)
    assert queries > 0
    starts = sorted(
        set(
            AccessState.objects.filter(market_access__country__iso2="KZ")
            .exclude(starts_on__isnull=True)
            .values_list("starts_on", flat=True)
        )
    )
    assert len(starts) > 10
    for day in [d - dt.timedelta(days=1) for d in starts] + starts:
        response, queries, calls = _cost(api, {**pair, "date": day.isoformat()}, redis_calls)
        assert (queries, calls) == (0, ["EVALSHA"]), day
        expected = check_eligibility(product="fresh-grapes", country="KZ", on=day)
        served = response.json()
        assert served == {**render_answer(expected), "permalink": served["permalink"]}, day


def test_a_write_through_django_is_never_answered_from_the_cache(committed_seeds, api):
    from accessions.models import AccessState, MarketAccess

    params = {"product": "maize", "country": "KZ", "date": "2025-03-01"}
    assert api.get(URL, params).json()["verdict"] != "not_eligible"
    AccessState.objects.create(
        market_access=MarketAccess.objects.get(product__slug="maize", country__iso2="KZ"),
        kind="suspended",
        starts_on=dt.date(2025, 1, 1),
        source="test fixture",
        confidence="high",
    )
    assert api.get(URL, params).json()["verdict"] == "not_eligible"


def test_the_rate_limit_is_counted_in_the_same_call(committed_seeds, api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "key": "100/min"},
    }
    params = {"product": "maize", "country": "KZ"}
    codes = [api.get(URL, params).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_an_api_read_skips_the_session_and_a_page_does_not():
    factory = RequestFactory()
    middleware = ApiReadsSkipSessionMiddleware(
        lambda request: __import__("django").http.HttpResponse()
    )
    read, page, write = factory.get(URL), factory.get("/"), factory.post(URL)
    for request in (read, page, write):
        middleware(request)
    assert is_api_read(read) and not hasattr(read, "session")
    assert hasattr(page, "session") and hasattr(write, "session")
    assert not is_api_read(factory.get("/api/v1/docs/"))
