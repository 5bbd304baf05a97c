"""Finding 6: the schema says what the views check (the conformance failures schemathesis found),
and the views refuse what the schema refuses."""

import re
import sys

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


# --- Blank text: the code and the schema's pattern agree -----------------------------------------


@pytest.fixture
def wheat_from_kz(db):
    """The pair the blank tests ask about (a made-up record, not the seeds)."""
    from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory

    return MarketAccessFactory(
        product=ProductFactory(slug="wheat", name_en="Wheat"),
        country=CountryFactory(iso2="KZ", iso3="KAZ"),
    )


@pytest.fixture
def unthrottled(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "key": None, "bad_key": None},
    }


# ECMAScript's `\s` (ECMA-262, WhiteSpace and LineTerminator): what a schema `pattern` reads.
ECMA_WHITESPACE = set("\t\n\v\f\r \xa0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {
    chr(code) for code in range(0x2000, 0x200B)
}


def test_blank_is_what_python_or_ecmascript_calls_whitespace():
    from api.text import BLANK_CHARACTERS

    python = {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}
    assert set(BLANK_CHARACTERS) == python | ECMA_WHITESPACE
    assert {"\x1c", "\x1f", "\x85", "\ufeff"} <= set(BLANK_CHARACTERS)


def test_the_not_blank_pattern_reads_alike_in_python_and_in_the_schema_validator():
    """Python's `re` (the serializer) and jsonschema-rs (what schemathesis validates with) agree
    with is_blank on every character of the Basic Multilingual Plane (bar the surrogates)."""
    import jsonschema_rs

    from api.text import NOT_BLANK_PATTERN, is_blank

    validator = jsonschema_rs.validator_for({"type": "string", "pattern": NOT_BLANK_PATTERN})
    compiled = re.compile(NOT_BLANK_PATTERN)
    disagree = [
        hex(code)
        for code in range(0x10000)
        if not 0xD800 <= code <= 0xDFFF
        and not (
            (compiled.search(chr(code)) is not None)
            == validator.is_valid(chr(code))
            == (not is_blank(chr(code)))
        )
    ]
    assert disagree == []


def test_a_blank_product_is_refused_by_the_schema_and_by_the_api(
    schema, client, wheat_from_kz, unthrottled
):
    import jsonschema_rs

    query = _parameter(schema, "/api/v1/eligibility/", "product")["pattern"]
    body = schema["components"]["schemas"]["EligibilityInputRequest"]["properties"]["product"]
    for blank in ["\x1c", "\x1f", "\x85", "\xa0", "\u3000", "\ufeff", " \x1e "]:
        for pattern in (query, body["pattern"]):
            assert not jsonschema_rs.is_valid({"type": "string", "pattern": pattern}, blank)
        response = client.get("/api/v1/eligibility/", {"product": blank, "country": "KZ"})
        assert response.status_code == 400, repr(blank)
        assert response.json()["errors"][0]["parameter"] == "product"


def test_blanks_around_a_product_are_trimmed_by_the_same_rule(client, wheat_from_kz, unthrottled):
    from api.services import api_key_issue

    api_key = api_key_issue(name="blank test")[1]
    for blank in ["\x1c", "\x85", "\ufeff", "\u3000"]:
        one = client.get(
            "/api/v1/eligibility/", {"product": f"{blank}wheat{blank}", "country": "KZ"}
        )
        assert one.status_code == 200, one.content[:300]
        assert one.json()["product"]["slug"] == "wheat"
        bulk = client.post(
            "/api/v1/eligibility/bulk/",
            {"checks": [{"product": f"{blank}wheat", "country": f"KZ{blank}"}]},
            content_type="application/json",
            HTTP_X_API_KEY=api_key,
        )
        assert bulk.status_code == 200, bulk.content[:300]
        assert bulk.json()["results"][0]["product"]["slug"] == "wheat"


# --- References to records the registry does not hold --------------------------------------------


def test_parameters_naming_records_are_marked_and_their_400_described(schema):
    from api.base import REFERENCE_EXTENSION

    access = schema["paths"]["/api/v1/access/"]["get"]
    marked = {p["name"] for p in access["parameters"] if p.get(REFERENCE_EXTENSION)}
    assert marked == {"country", "product", "port", "cursor"}
    assert "does not hold" in access["responses"]["400"]["description"]
    question = schema["components"]["schemas"]["EligibilityInputRequest"]["properties"]
    assert question["product"][REFERENCE_EXTENSION] is question["country"][REFERENCE_EXTENSION]
    assert REFERENCE_EXTENSION not in question["date"]
    detail = schema["paths"]["/api/v1/access/{id}/"]["get"]
    assert "does not hold" not in detail["responses"]["400"]["description"]
