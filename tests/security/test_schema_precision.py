"""Finding 6: the schema says what the views check (the conformance failures schemathesis found),
and the views refuse what the schema refuses."""

import pytest
from drf_spectacular.generators import SchemaGenerator

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator(api_version="v1").get_schema(request=None, public=True)


def _parameter(schema, path, name):
    operation = schema["paths"][path]["get"]
    return next(p for p in operation["parameters"] if p["name"] == name)["schema"]


def test_paging_parameters_have_their_bounds(schema):
    assert _parameter(schema, "/api/v1/countries/", "page") == {"type": "integer", "minimum": 1}
    size = _parameter(schema, "/api/v1/countries/", "page_size")
    assert (size["minimum"], size["maximum"]) == (1, 200)
    cursor_size = _parameter(schema, "/api/v1/access/", "page_size")
    assert (cursor_size["minimum"], cursor_size["maximum"]) == (1, 500)
    changes = _parameter(schema, "/api/v1/changes/", "page_size")
    assert (changes["minimum"], changes["maximum"]) == (1, 1000)


def test_types_enums_and_lengths_are_precise(schema):
    assert _parameter(schema, "/api/v1/ports/", "mode")["type"] == "string"
    assert _parameter(schema, "/api/v1/access/", "product") == {
        "type": "string",
        "minLength": 1,
        "maxLength": 200,
    }
    assert _parameter(schema, "/api/v1/accessions/", "year")["type"] == "integer"
    assert _parameter(schema, "/api/v1/eligibility/", "product")["minLength"] == 1
    bulk = schema["components"]["schemas"]["BulkInputRequest"]["properties"]["checks"]
    assert (bulk["minItems"], bulk["maxItems"]) == (1, 1000)


def test_the_invalid_page_404_is_documented(schema):
    for path in ("/api/v1/countries/", "/api/v1/accessions/", "/api/v1/regulations/"):
        responses = schema["paths"][path]["get"]["responses"]
        assert PROBLEM in responses["404"]["content"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/access/?format=",
        "/api/v1/access/?as_of=",
        "/api/v1/regulations/?kind=",
        "/api/v1/accessions/?year=0.5",
        "/api/v1/accessions/?year=",
        "/api/v1/countries/?page_size=0",
        "/api/v1/countries/?page=0",
        "/api/v1/ports/?mode=2",
        "/api/v1/eligibility/?product=&country=KZ",
    ],
)
def test_what_the_schema_refuses_is_a_400_problem(client, db, url):
    response = client.get(url)
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["errors"][0]["parameter"]


def test_a_page_past_the_end_is_the_documented_404(client, db):
    response = client.get("/api/v1/countries/", {"page": 3294249298943738904576})
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
