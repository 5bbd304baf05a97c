import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


def _clear_api_keys():
    """Only the API's own keys (throttle counters, cached answers): the same Redis database may
    hold the Celery broker's queues, which a FLUSHDB would wipe."""
    client = cache._cache.get_client(write=True)
    for pattern in ("*api-throttle:*", "*api:eligibility:*", "api:answers:*", "registry:data-*"):
        for key in client.scan_iter(match=pattern):
            client.delete(key)


@pytest.fixture(autouse=True)
def _fresh_cache_and_high_limits(settings):
    """Throttle counters and cached answers live in Redis: start every test from zero, with
    limits high enough that only the throttling tests meet them."""
    _clear_api_keys()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "key": "100000/min"},
    }
    yield
    _clear_api_keys()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_key(db):
    from api.services import api_key_issue

    key, raw = api_key_issue(name="test consumer", owner=None)
    return raw


@pytest.fixture
def keyed_api(api_key):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client


@pytest.fixture
def committed_seeds():
    """The seeds, for tests that commit (transaction=True)."""
    from tests.conftest import seeds_put_in

    seeds_put_in()


@pytest.fixture
def dispatched(monkeypatch):
    """The eligibility requests that reached DRF (the early answers and the WSGI front's do
    not)."""
    from api.eligibility import EligibilityView

    seen = []
    original = EligibilityView.dispatch

    def counted(self, request, *args, **kwargs):
        seen.append(request.get_full_path())
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(EligibilityView, "dispatch", counted)
    return seen
