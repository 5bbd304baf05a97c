"""The OpenAPI schema validates, and schemathesis finds no failure of any of its checks (`--checks
all`: server errors, status codes, content types, headers, response schemas, schema-valid input
accepted and schema-invalid input refused, ...) on every operation, with and without an API key
(positive and negative inputs, bounded examples: SCHEMATHESIS_EXAMPLES, 60 by default).

The configuration is the repository's schemathesis.toml, the one the command line reads (README,
"Two commands"), so the two runs judge alike."""

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from api.base import REFERENCE_EXTENSION
from config.wsgi import application

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
    "/api/v1/answers/{public_id}/",
    "/api/v1/regulations/",
    "/api/v1/regulations/{id}/",
    "/api/v1/ports/",
    "/api/v1/accessions/",
    "/api/v1/establishments/",
    "/api/v1/changes/",
    "/api/v1/changes/between/",
    "/api/v1/hs/",
    "/api/v1/hs/{code}/",
    "/api/v1/saved-questions/",
    "/api/v1/saved-questions/{id}/",
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
CONFIG_PATH = Path(__file__).resolve().parents[2] / "schemathesis.toml"
RAW_SCHEMA = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
# The key the with-key run sends. Like the command line's `-H`, it is a configured header:
# schemathesis then knows it sets the header itself, and a negative case that leaves the header
# out is not sent it back (a key added to every call would turn that case into a 200).
SCHEMATHESIS_KEY = "schemathesis.project-test-key"


def _dates_out_of_order(case) -> bool:
    """`to` before `from` (changes/between): no schema can say that one date must not precede
    another, so that 400 naming `to` is allowed too."""
    query = case.query or {}
    try:
        return dt.date.fromisoformat(str(query["from"])) > dt.date.fromisoformat(str(query["to"]))
    except (KeyError, ValueError):
        return False


def _schema(headers: dict | None = None):
    loaded = schemathesis.openapi.from_dict(
        RAW_SCHEMA, config=schemathesis.Config.from_path(str(CONFIG_PATH))
    )
    loaded.app = test_database_app
    loaded.config.update(headers=headers)
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=int(os.environ.get("SCHEMATHESIS_EXAMPLES", "60")),
        database="none",
        allow_x00=False,  # a NUL in a query string is refused (400) and no real client sends one
    )
    return loaded


schema = _schema()
keyed_schema = _schema(headers={"X-API-Key": SCHEMATHESIS_KEY})


def reference_parameters(operation: dict) -> set[str]:
    """The parameters (and request-body fields) of one operation that the schema marks as naming
    a registry record: the one home of that rule is api.base.REFERENCE_PARAMETERS."""
    names = {
        p["name"] for p in operation.get("parameters", []) if p.get(REFERENCE_EXTENSION) is True
    }
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    pending = [body["schema"]] if body else []
    components = RAW_SCHEMA["components"]["schemas"]
    while pending:
        node = pending.pop()
        if "$ref" in node:
            pending.append(components[node["$ref"].rsplit("/", 1)[-1]])
            continue
        for name, field in node.get("properties", {}).items():
            if field.get(REFERENCE_EXTENSION) is True:
                names.add(name)
            pending.append(field)
        if "items" in node:
            pending.append(node["items"])
    return names


def positive_data_refused_only_for_unknown_records(ctx, response, case):
    """Narrower than schemathesis.toml, which allows a 400 to schema-valid input on the operations
    that take a reference: the 400 must name only references (a bulk line's field is named
    "checks[N].country": the field's own name counts)."""
    meta = case.meta
    if response.status_code != 400 or meta is None or not meta.generation.mode.is_positive:
        return None
    operation = RAW_SCHEMA["paths"][case.operation.path][case.operation.method.lower()]
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        errors = []
    named = {str(e.get("parameter", "")).rsplit(".", 1)[-1] for e in errors}
    allowed = reference_parameters(operation) | ({"to"} if _dates_out_of_order(case) else set())
    assert errors and named <= allowed, (
        f"schema-valid input refused for {sorted(named)}, which name no record: {response.text}"
    )
    return None


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


def test_schemathesis_config_allows_that_400_exactly_where_the_schema_marks_a_reference():
    """schemathesis.toml (read by the command line and by this module) lists the
    operations whose schema-valid input may be a 400: exactly those with a marked parameter."""
    config = tomllib.loads(CONFIG_PATH.read_text())
    (override,) = config["operations"]
    allowed = override["checks"]["positive_data_acceptance"]["expected-statuses"]
    assert set(allowed) == {"2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"}
    with_references = {
        path
        for path, operations in RAW_SCHEMA["paths"].items()
        for operation in operations.values()
        if reference_parameters(operation)
    }
    assert set(override["include-path"]) == with_references
    assert "positive_data_acceptance" not in config.get("checks", {})  # nowhere else


@pytest.fixture
def unthrottled(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,  # every example is answered, none throttled
        "DEFAULT_THROTTLE_RATES": {"anon": None, "key": None, "bad_key": None},
    }


@pytest.fixture
def schemathesis_key(db):
    """An issued key whose secret is the configured SCHEMATHESIS_KEY."""
    from api.models import ApiKey
    from api.services import api_key_issue, hash_api_key

    key, _raw = api_key_issue(name="schemathesis")
    ApiKey.objects.filter(pk=key.pk).update(hashed_key=hash_api_key(SCHEMATHESIS_KEY))


SCHEMATHESIS_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@SCHEMATHESIS_SETTINGS
@pytest.mark.django_db
def test_api_conforms_to_its_schema_without_a_key(case, seeded, unthrottled):
    case.call_and_validate(additional_checks=[positive_data_refused_only_for_unknown_records])


@keyed_schema.parametrize()
@SCHEMATHESIS_SETTINGS
@pytest.mark.django_db
def test_api_conforms_to_its_schema_with_a_key(case, seeded, unthrottled, schemathesis_key):
    case.call_and_validate(additional_checks=[positive_data_refused_only_for_unknown_records])
