import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_cache_and_high_limits(settings):
    """Throttle counters and cached answers live in Redis: start every test from zero, with
    limits high enough that only the throttling tests meet them."""
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "key": "100000/min"},
    }
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_key(db):
    from registry.services import api_key_issue

    key, raw = api_key_issue(name="test consumer", owner=None)
    return raw


@pytest.fixture
def keyed_api(api_key):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client
