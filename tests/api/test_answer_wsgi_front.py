"""The WSGI front (web.early.EarlyAnswers, issue 23): the project's WSGI application answers a
repeated eligibility question before Django's request handling, with the answer, status and
headers the middleware chain gives; a question it cannot answer goes to Django's handler with
the request as it came and is counted once against the rate limit.

These tests commit (transaction=True), as tests/api/test_answer_cache.py explains."""

import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from rest_framework.test import APIClient

from api import answer_cache
from web.early import LOOKUP_KEY, EarlyAnswers

URL = "/api/v1/eligibility/"
pytestmark = pytest.mark.django_db(transaction=True)


def _environ(query: str, **headers: str) -> dict:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": URL,
        "QUERY_STRING": query,
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        **headers,
    }
    setup_testing_defaults(environ)
    return environ


def _call(application, environ: dict) -> tuple[int, dict, bytes]:
    seen: list = []
    body = application(
        environ, lambda status, headers, exc_info=None: seen.append((status, headers))
    )
    try:
        content = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    status, headers = seen[0]
    return int(status.split()[0]), dict(headers), content


@pytest.fixture
def front():
    """The WSGI application as config.wsgi builds it: EarlyAnswers in front of Django's."""
    return EarlyAnswers(WSGIHandler())


@pytest.fixture
def handled():
    """The requests Django's handler saw (its request_started signal)."""
    seen = []

    def receiver(sender, environ=None, **kwargs):
        seen.append(environ.get("QUERY_STRING") if environ else None)

    signals.request_started.connect(receiver)
    yield seen
    signals.request_started.disconnect(receiver)


@pytest.fixture
def lookups(monkeypatch):
    """The Redis lookups made (answer_cache.lookup, counted and run)."""
    made = []
    original = answer_cache.lookup

    def counted(*args, **kwargs):
        made.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(answer_cache, "lookup", counted)
    return made


QUESTIONS = [
    ("product=maize&country=KZ&port=khorgos&date=2024-05-01", {}),
    ("product=maize&country=KZ", {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}),
    ("product=wheat&country=KZ&date=2019-01-01", {"HTTP_ACCEPT_LANGUAGE": "ru"}),
]


@pytest.mark.parametrize(("query", "headers"), QUESTIONS)
def test_a_repeated_question_is_answered_in_front_as_the_middleware_answers_it(
    committed_seeds, front, handled, query, headers
):
    first = _call(front, _environ(query, **headers))  # not yet known: Django answers
    assert first[0] == 200 and len(handled) == 1
    in_front = _call(front, _environ(query, **headers))
    assert len(handled) == 1, "a repeated question reached Django's handler"
    through_chain = APIClient().get(f"{URL}?{query}", **headers)  # the middleware's answer
    assert len(handled) == 2  # the test client's request
    assert in_front[0] == through_chain.status_code == 200
    assert in_front[2] == through_chain.content == first[2]
    assert in_front[1] == dict(through_chain.items())
    revalidated = _call(front, _environ(query, HTTP_IF_NONE_MATCH=in_front[1]["ETag"], **headers))
    assert revalidated[0] == 304 and revalidated[2] == b"" and len(handled) == 2


def test_a_question_not_yet_answered_goes_to_django_looked_up_once(
    committed_seeds, front, handled, lookups, dispatched
):
    environ = _environ("product=maize&country=KZ&date=2024-05-01")
    status, _headers, body = _call(front, environ)
    assert status == 200 and b'"verdict"' in body
    assert len(handled) == 1 and len(dispatched) == 1
    assert len(lookups) == 1, "the front's lookup was not passed on: Redis asked twice"
    assert LOOKUP_KEY not in environ  # taken by the middleware behind


def test_the_rate_limit_counts_each_request_once_through_the_front(
    committed_seeds, front, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "key": "100/min"},
    }
    query = "product=maize&country=KZ&date=2023-02-01"
    statuses = [_call(front, _environ(query))[0] for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_what_the_front_cannot_answer_reaches_django_as_it_came(
    committed_seeds, front, handled, settings
):
    query = "product=maize&country=KZ&date=2024-05-01"
    _call(front, _environ(query))
    # A keyed question, a POST, another path: Django's handler, untouched.
    assert _call(front, _environ(query, HTTP_X_API_KEY="wrong"))[0] == 401
    post = _environ(query, REQUEST_METHOD="POST")
    assert _call(front, post)[0] == 405
    assert _call(front, {**_environ(""), "PATH_INFO": "/"})[0] == 200
    assert len(handled) == 4
    # The site's address: a host ALLOWED_HOSTS refuses is refused by Django (a 400), whether or
    # not the front could answer; the links of an answer name the configured site, in front too.
    settings.REGISTRY_SITE_URL = "https://registry.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "registry.example.org"]
    assert _call(front, _environ(query, HTTP_HOST="forged.example.com"))[0] == 400
    fresh = "product=wheat&country=KZ&date=2024-05-02"
    through_django = _call(front, _environ(fresh))
    in_front = _call(front, _environ(fresh))
    assert len(handled) == 6
    assert through_django[0] == in_front[0] == 200 and through_django[2] == in_front[2]
    assert b"//registry.example.org/" in in_front[2] and b"testserver" not in in_front[2]
