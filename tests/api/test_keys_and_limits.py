"""API keys (issued hashed, revocable, required for bulk and changes) and rate limits (429 with
Retry-After; a key raises the limit). Counters live in the real Redis cache."""

import hashlib

import pytest
from rest_framework.test import APIClient

from api.models import ApiKey
from api.services import api_key_issue, api_key_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_limits(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "key": "6/min"},
    }


def test_issued_key_is_stored_only_as_its_hash(db):
    key, raw = api_key_issue(name="broker software")
    assert raw.startswith(key.prefix + ".")
    assert key.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {getattr(key, f.attname) for f in ApiKey._meta.concrete_fields}


def test_key_needs_a_name(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_key_issue(name="  ")


@pytest.mark.parametrize("url", ["/api/v1/changes/", "/api/v1/eligibility/bulk/"])
def test_keyed_endpoints_refuse_anonymous_callers(api, url):
    response = api.post(url, {}, format="json") if "bulk" in url else api.get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_revoked_key_is_refused_at_once(keyed_api, api_key):
    assert keyed_api.get("/api/v1/changes/").status_code == 200
    api_key_revoke(key=ApiKey.objects.get(hashed_key=hashlib.sha256(api_key.encode()).hexdigest()))
    response = keyed_api.get("/api/v1/changes/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_key_use_is_stamped(keyed_api, api_key):
    keyed_api.get("/api/v1/countries/")
    assert ApiKey.objects.get(prefix=api_key.split(".")[0]).last_used_at is not None


def test_public_reads_are_rate_limited_with_retry_after(db, api, low_limits):
    statuses = [api.get("/api/v1/countries/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v1/countries/")
    assert limited["Content-Type"] == "application/problem+json"
    assert 0 < int(limited["Retry-After"]) <= 60
    assert limited.json()["status"] == 429


def test_a_key_raises_the_limit_and_counts_apart(db, api, low_limits, api_key):
    keyed = APIClient()
    keyed.credentials(HTTP_X_API_KEY=api_key)
    for _ in range(3):
        api.get("/api/v1/countries/")
    assert api.get("/api/v1/countries/").status_code == 429
    keyed_statuses = [keyed.get("/api/v1/countries/").status_code for _ in range(7)]
    assert keyed_statuses == [200] * 6 + [429]


def test_limit_is_per_client_address(db, low_limits):
    one, other = APIClient(REMOTE_ADDR="10.0.0.1"), APIClient(REMOTE_ADDR="10.0.0.2")
    for _ in range(3):
        one.get("/api/v1/countries/")
    assert one.get("/api/v1/countries/").status_code == 429
    assert other.get("/api/v1/countries/").status_code == 200
