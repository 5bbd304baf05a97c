"""Redis is a cache and a broker, never the source of truth: an outage is a cache miss."""

import socket

import pytest
from django.core.cache import cache

from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "registry.redis_cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }


def test_cache_calls_read_as_misses_while_redis_is_down(redis_down):
    assert cache.set("k", "v") is None
    assert cache.get("k") is None
    assert cache.get("k", "fallback") is None
    assert cache.add("k", "v") is False
    assert cache.get_many(["k"]) == {}


@pytest.mark.parametrize(
    "url", ["/", "/api/v1/countries/", "/api/v1/eligibility/?product=maize&country=KZ"]
)
def test_pages_and_api_answer_while_redis_is_down(redis_down, db, client, url):
    MarketAccessFactory(product=ProductFactory(slug="maize"), country=CountryFactory(iso2="KZ"))
    assert client.get(url).status_code == 200
