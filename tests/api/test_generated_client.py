"""A client generated from the schema (openapi-python-client) talks to a live server."""

import datetime as dt
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture
def generated_client(tmp_path, monkeypatch):
    schema = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(schema))
    package = tmp_path / "registry_api_client"
    generator = Path(sys.executable).with_name("openapi-python-client")
    subprocess.run(
        [generator, "generate", "--path", schema_file, "--output-path", package, "--meta", "none"],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        timeout=300,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module("registry_api_client")


@pytest.mark.django_db(transaction=True)
def test_generated_client_calls_eligibility_and_access(generated_client, live_server):
    from api.services import api_key_issue
    from tests.conftest import seeds_put_in

    seeds_put_in()
    _key, raw = api_key_issue(name="generated client")
    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=raw, prefix="", auth_header_name="X-API-Key"
    )
    api = "registry_api_client.api"
    eligibility = importlib.import_module(f"{api}.eligibility.eligibility_retrieve")
    access_list = importlib.import_module(f"{api}.access.access_list")

    answer = eligibility.sync(
        client=client, product="fresh-grapes", country="UZ", date=dt.date(2024, 6, 1)
    )
    assert answer.verdict.value in {"eligible", "eligible_with_conditions"}
    assert answer.product.slug == "fresh-grapes"
    assert answer.permalink.startswith(live_server.url + "/check/?")

    page = access_list.sync(client=client, country="UZ", page_size=5)
    assert len(page.results) == 5
    assert {row.country.iso2 for row in page.results} == {"UZ"}
    assert page.next_ is not None  # cursor paging: there is more
