"""The OpenAPI schema validates, and schemathesis finds no failure of any of its checks (`--checks
all`: server errors, status codes, content types, headers, response schemas, schema-valid input
accepted and schema-invalid input refused, ...) on every operation, with and without an API key
(positive and negative inputs, bounded examples: SCHEMATHESIS_EXAMPLES, 60 by default)."""

import datetime as dt
import os

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from registry.wsgi import application

EXPECTED_PATHS = {
    "/api/v1/countries/",
    "/api/v1/countries/{iso2}/",
    "/api/v1/products/",
    "/api/v1/products/{slug}/",
    "/api/v1/access/",
    "/api/v1/access/{id}/",
    "/api/v1/access/{id}/history/",
    "/api/v1/eligibility/",
    "/api/v1/eligibility/bulk/",
    "/api/v1/regulations/",
    "/api/v1/regulations/{id}/",
    "/api/v1/ports/",
    "/api/v1/accessions/",
    "/api/v1/establishments/",
    "/api/v1/changes/",
    "/api/v1/changes/between/",
}


def test_database_app(environ, start_response):
    """The WSGI app as the test client runs it: the request signals must not close the test's
    database connection (which holds the test transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        return list(application(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


test_database_app.__test__ = False
RAW_SCHEMA = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
schema.app = test_database_app
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=int(os.environ.get("SCHEMATHESIS_EXAMPLES", "60")),
    database="none",
    allow_x00=False,  # a NUL in a query string is refused (400) and no real client sends one
)

# Parameters that name a registry record (a country, a product, a port, a union, an event, a
# regulation's jurisdiction, a change-feed cursor). A well-formed name of a record the registry
# does not hold is a 400 naming the parameter; no schema can list the records, so that 400 is the
# one schema-valid refusal allowed.
REFERENCE_PARAMETERS = {
    "country",
    "facing_country",
    "product",
    "port",
    "union",
    "event",
    "jurisdiction",
    "topic",
    "cursor",
    "registration_number",
}


def _dates_out_of_order(case) -> bool:
    """`to` before `from` (changes/between): no schema can say that one date must not precede
    another, so that 400 naming `to` is allowed too."""
    query = case.query or {}
    try:
        return dt.date.fromisoformat(str(query["from"])) > dt.date.fromisoformat(str(query["to"]))
    except (KeyError, ValueError):
        return False


def positive_data_acceptance_except_unknown_records(ctx, response, case):
    if response.status_code == 400:
        try:
            errors = response.json().get("errors") or []
        except ValueError:
            errors = []
        # A bulk line's field is named "checks[N].country": the field's own name counts.
        named = [str(e.get("parameter", "")).rsplit(".", 1)[-1] for e in errors]
        allowed = REFERENCE_PARAMETERS | ({"to"} if _dates_out_of_order(case) else set())
        if errors and all(name in allowed for name in named):
            return None
    return positive_data_acceptance(ctx, response, case)


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


def test_schema_lists_every_endpoint_with_its_problems():
    assert set(RAW_SCHEMA["paths"]) == EXPECTED_PATHS
    for path, operations in RAW_SCHEMA["paths"].items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], (path, method)
            assert "application/problem+json" in operation["responses"]["400"]["content"]
    access = RAW_SCHEMA["paths"]["/api/v1/access/"]["get"]
    names = {p["name"] for p in access["parameters"]}
    assert {"country", "product", "hs", "category", "status", "port", "as_of"} <= names
    assert {"updated_since", "expiring_within", "ordering", "cursor", "format"} <= names
    status = next(p for p in access["parameters"] if p["name"] == "status")
    assert "in_force" in status["schema"]["enum"]


def test_docs_and_schema_are_served_with_self_hosted_assets(client):
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower() and "<script>" not in html  # no inline script
    assert "script-src 'self';" in docs["Content-Security-Policy"]
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    assert client.get("/api/v1/schema/").status_code == 200


@pytest.fixture(params=["with-key", "without-key"])
def key_headers(request, db):
    from api.services import api_key_issue

    if request.param == "without-key":
        return {}
    return {"X-API-Key": api_key_issue(name="schemathesis")[1]}


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_api_conforms_to_its_schema(case, seeded, key_headers, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,  # every example is answered, none throttled
        "DEFAULT_THROTTLE_RATES": {"anon": None, "key": None, "bad_key": None},
    }
    case.call_and_validate(
        headers=key_headers,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[positive_data_acceptance_except_unknown_records],
    )
