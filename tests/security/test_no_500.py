"""Finding 2: no input the API admits reaches the database unchecked or raises a 500; oversize and
deeply nested bodies are refused in the one error shape; every path under /api/ answers
problem+json, odd characters included."""

import json

import pytest

from api.services import api_key_issue

PROBLEM = "application/problem+json"


@pytest.fixture
def raw_key(db):
    return api_key_issue(name="security")[1]


def _is_problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["code"]
    return body


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
        "2024-13-01T00:00:00Z",
        "2024-01-01T25:00:00Z",
        "yesterday",
    ],
)
def test_updated_since_outside_what_postgresql_takes_is_a_400(client, db, value):
    response = client.get("/api/v1/access/", {"updated_since": value})
    body = _is_problem(response, 400)
    assert body["errors"][0]["parameter"] == "updated_since"


@pytest.mark.parametrize(
    "value", ["2024-01-01T00:00:00+17:15", "2024-01-01T00:00:00-23:59", "2024-01-01T00:00:00+14:00"]
)
def test_updated_since_with_an_offset_postgresql_refuses_is_answered_in_utc(client, db, value):
    """PostgreSQL refuses offsets past ±15:59 (the probe's 500); the time is a valid instant, so it
    is converted to UTC before the query and answered."""
    assert client.get("/api/v1/access/", {"updated_since": value}).status_code == 200


def test_an_oversize_bulk_body_is_a_413_problem(client, raw_key, settings):
    body = json.dumps({"checks": [{"product": "x" * 100, "country": "KZ"}] * 30000})
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(
        "/api/v1/eligibility/bulk/", body, content_type="application/json", HTTP_X_API_KEY=raw_key
    )
    _is_problem(response, 413)


def test_an_oversize_body_without_a_key_is_a_4xx_problem(client, db, settings):
    body = "[" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = client.post("/api/v1/eligibility/bulk/", body, content_type="application/json")
    assert response.status_code in (401, 413)
    assert response["Content-Type"].startswith(PROBLEM)


@pytest.mark.parametrize("depth", [40, 5000, 100_000])
def test_deeply_nested_json_is_a_400_problem(client, raw_key, depth):
    body = '{"checks": ' + "[" * depth + "]" * depth + "}"
    response = client.post(
        "/api/v1/eligibility/bulk/", body, content_type="application/json", HTTP_X_API_KEY=raw_key
    )
    _is_problem(response, 400)


def test_deeply_nested_objects_are_a_400_problem(client, raw_key):
    body = '{"a":' * 3000 + "1" + "}" * 3000
    response = client.post(
        "/api/v1/eligibility/bulk/", body, content_type="application/json", HTTP_X_API_KEY=raw_key
    )
    _is_problem(response, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/foo%0Abar/",
        "/api/v1/%0A",
        "/api/v1/a%0D%0Ab/",
        "/api/v1/%00/",
        "/api/v1/%E2%80%A8x/",
        "/api/v2/",
        "/api/",
        "/api/v1/products/%0A/",
    ],
)
def test_every_unknown_path_under_api_is_a_404_problem(client, db, path):
    _is_problem(client.get(path), 404)
