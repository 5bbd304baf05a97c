"""A repeated eligibility question is answered early (web.middleware.RepeatedAnswerMiddleware,
issue 23): one Redis call, no query, no DRF; the same status, body and headers as the full stack
gives; anything the full stack would refuse or count differently still goes through it.

These tests commit (transaction=True), as tests/api/test_answer_cache.py explains."""

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

URL = "/api/v1/eligibility/"
EARLY = "web.middleware.RepeatedAnswerMiddleware"
pytestmark = pytest.mark.django_db(transaction=True)

# Questions and the headers they come with: a date or none (today), three languages, an Accept
# header that names JSON among others.
QUESTIONS = [
    ({"product": "maize", "country": "KZ", "port": "khorgos", "date": "2024-05-01"}, {}),
    ({"product": "maize", "country": "KZ"}, {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}),
    (
        {"product": "wheat", "country": "KZ", "date": "2019-01-01"},
        {"HTTP_ACCEPT_LANGUAGE": "ru", "HTTP_ACCEPT": "text/html, application/json;q=0.9"},
    ),
    ({"product": "no-such-product-at-all", "country": "KZ", "date": "2024-05-01"}, {}),
]


def _exchange(client, params, headers):
    response = client.get(URL, params, **headers)
    return response.status_code, response.content, dict(response.items())


def test_the_early_answer_is_the_full_stacks_answer(committed_seeds, settings, dispatched):
    with_early = list(django_settings.MIDDLEWARE)
    without_early = [m for m in with_early if m != EARLY]
    for params, headers in QUESTIONS:
        settings.MIDDLEWARE = with_early
        dispatched.clear()
        first = _exchange(APIClient(), params, headers)  # not yet known: the full stack answers
        assert first[0] in (200, 400) and len(dispatched) == 1
        if first[0] == 400:  # never stored, so never answered early
            assert _exchange(APIClient(), params, headers) == first and len(dispatched) == 2
            continue
        with CaptureQueriesContext(connection) as queries:
            early = _exchange(APIClient(), params, headers)
        assert len(dispatched) == 1, f"a repeated question reached DRF: {params} {headers}"
        assert len(queries) == 0
        revalidate = {**headers, "HTTP_IF_NONE_MATCH": early[2]["ETag"]}
        early_304 = _exchange(APIClient(), params, revalidate)
        assert len(dispatched) == 1
        settings.MIDDLEWARE = without_early  # the same stored answer, through the view
        full = _exchange(APIClient(), params, headers)
        full_304 = _exchange(APIClient(), params, revalidate)
        assert len(dispatched) == 3
        assert early == full
        assert early_304[0] == full_304[0] == 304
        assert early_304[2] == full_304[2]


def test_what_the_full_stack_refuses_is_never_answered_early(committed_seeds, api, dispatched):
    params = {"product": "maize", "country": "KZ", "date": "2024-05-01"}
    assert api.get(URL, params).status_code == 200
    twice = api.get(URL + "?product=maize&country=UZ&country=KZ&date=2024-05-01")
    assert twice.status_code == 400 and "country" in twice.json()["detail"]
    assert api.get(URL, params, HTTP_ACCEPT="text/csv").status_code == 406
    assert api.get(URL, {**params, "format": "json"}).status_code in (200, 400)
    assert len(dispatched) == 4


def test_a_keyed_question_takes_the_full_stack(committed_seeds, api, api_key, dispatched):
    params = {"product": "maize", "country": "KZ", "date": "2024-05-01"}
    anonymous = api.get(URL, params)
    keyed = api.get(URL, params, HTTP_X_API_KEY=api_key)
    assert keyed.status_code == 200 and keyed.json() == anonymous.json()
    assert api.get(URL, params, HTTP_X_API_KEY="wrong").status_code == 401
    assert len(dispatched) == 3


def test_a_request_is_counted_once_against_the_rate_limit(committed_seeds, api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "key": "100/min"},
    }
    params = {"product": "maize", "country": "KZ", "date": "2023-02-01"}
    first, second, third = (api.get(URL, params) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert third["Content-Type"].startswith("application/problem+json")
    assert "Retry-After" in third


def test_the_early_middleware_follows_the_security_middleware_and_skips_a_known_list():
    """What RepeatedAnswerMiddleware skips for a repeated question: a middleware added after it
    must be reviewed (does an API answer need it? then its response step goes into `after`)."""
    chain = list(django_settings.MIDDLEWARE)
    at = chain.index(EARLY)
    assert chain[at - 1] == "django.middleware.security.SecurityMiddleware"
    assert set(chain[at + 1 :]) - {"web.middleware.ReadRoutingMiddleware"} == {
        "whitenoise.middleware.WhiteNoiseMiddleware",  # static files only
        "api.middleware.ApiReadsSkipSessionMiddleware",  # skipped by API reads anyway
        "django.middleware.locale.LocaleMiddleware",  # applied (request and response)
        "django.middleware.common.CommonMiddleware",  # applied (response)
        "api.middleware.ApiReadsSkipCsrfViewMiddleware",  # skipped by API reads anyway
        "api.middleware.ApiReadsSkipAuthenticationMiddleware",  # skipped by API reads anyway
        "registry.history.HistoryContextMiddleware",  # writes only
        "api.middleware.ApiReadsSkipMessageMiddleware",  # skipped by API reads anyway
        "django.middleware.clickjacking.XFrameOptionsMiddleware",  # applied (response)
        "web.middleware.ContentSecurityPolicyMiddleware",  # applied (response)
        "allauth.account.middleware.AccountMiddleware",  # sign-in pages only
        "axes.middleware.AxesMiddleware",  # sign-in lockout only
    }


def test_answers_kept_before_a_change_of_shape_are_not_served_after_it(
    committed_seeds, api, monkeypatch
):
    """The answer cache's keys name the answer's shape: a release that adds a field does not
    serve answers kept without it, whatever the data version."""
    from api import eligibility, eligibility_answer

    params = {"product": "maize", "country": "KZ", "date": "2024-05-01"}
    kept = api.get(URL, params).json()
    monkeypatch.setattr(eligibility_answer, "answer_shape", lambda: "a-new-shape")
    monkeypatch.setattr(
        eligibility,
        "render_answer",
        lambda answer, request=None, _render=eligibility.render_answer: {
            **_render(answer, request),
            "added_in_this_release": True,
        },
    )
    served = api.get(URL, params).json()
    assert served.get("added_in_this_release") is True
    assert {k: v for k, v in served.items() if k != "added_in_this_release"} == kept
