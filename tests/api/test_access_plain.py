"""The access list renders its JSON page without the nested serializers (the hot path at 500,000
entries, issues 13 and 23): PostgreSQL writes each entry's JSON (api.access_page.access_entry_sql)
and the embedded mode renders plain rows in Python (access_entries); every seeded entry comes out
of both exactly as the serializer renders it, in every language, and every page matches the
OpenAPI schema the serializer defines."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlparse

import jsonschema_rs
import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from rest_framework.renderers import JSONRenderer

from accessions.models import MarketAccess
from accessions.selectors.access import (
    market_access_api_list,
    market_access_page_ports,
    market_access_port_codes,
    market_access_rows,
)
from accessions.selectors.access_page import access_page
from api.access_page import access_entries, access_entry_sql
from api.serializers import MarketAccessListSerializer
from registry.localize import content_language
from tests.factories import MarketAccessFactory, PortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(seeded):
    """The seeds plus the cases they may lack: no establishment requirement known, no dates, a
    formula-like text, names missing in some languages."""
    ports = [PortFactory(code=code) for code in ("zz-last", "aa-first")]
    made = [
        MarketAccessFactory(
            requires_registered_establishments=None,
            registered_establishments_basis="",
            instrument_date=None,
            instrument_date_precision="",
            valid_until=dt.date(2027, 1, 1),
            conditions='=HYPERLINK("x")',
        ),
        MarketAccessFactory(status="suspended", public_note="note «ru» 中文"),
    ]
    made[0].allowed_ports.set(ports)
    made[1].product.name_zh = ""
    made[1].product.save()
    made[1].country.name_ru = ""
    made[1].country.save()
    return made


def _serialized() -> str:
    rows = market_access_api_list().order_by("id")
    return json.dumps(MarketAccessListSerializer(rows, many=True).data, ensure_ascii=False)


def _plain() -> str:
    rows = list(market_access_rows(MarketAccess.objects.order_by("id")))
    ports = market_access_page_ports(rows)
    # The ports read with the rows (PostgreSQL) are the ones the separate query reads (SQLite).
    assert ports == market_access_port_codes([row["id"] for row in rows])
    assert any(ports.values())
    return json.dumps(access_entries(rows, ports), ensure_ascii=False)


@pytest.mark.parametrize("language", ["en", "zh-hans", "ru"])
def test_plain_rows_render_every_entry_as_the_serializer_does(entries, language):
    with translation.override(language):
        serialized, plain = _serialized(), _plain()
    assert MarketAccess.objects.count() > 40  # the seeds are there
    assert plain == serialized  # same keys, same order, same values


@pytest.mark.parametrize("language", ["en", "zh-hans", "ru"])
def test_postgresql_writes_every_entry_as_the_serializer_does(entries, language):
    """Byte for byte as DRF's renderer writes the serializer's entries (compact, keys in
    order, text escaped the same way, times in UTC as Z)."""
    entries[0].conditions = 'quote " back\\slash\nline\ttab \x01 \u2028 中文 ёж 😀'
    entries[0].save()
    with translation.override(language):
        expected = JSONRenderer().render(
            MarketAccessListSerializer(market_access_api_list().order_by("id"), many=True).data
        )
        rows = access_page(
            entry=access_entry_sql(content_language(), False),
            conditions=[],
            params={},
            ordering=["id"],
            limit=10_000,
        )
    written = "[" + ",".join(row["entry"] for row in rows) + "]"
    assert len(rows) > 40
    assert written.encode() == expected


def _page_validator():
    """The schema of the list's JSON page, as a JSON Schema (OpenAPI 3.0's `nullable` spelt as a
    null type)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)

    def convert(node):
        if isinstance(node, dict):
            node = {key: convert(value) for key, value in node.items()}
            if node.pop("nullable", False):
                node = {"anyOf": [node, {"type": "null"}]}
            return node
        if isinstance(node, list):
            return [convert(item) for item in node]
        return node

    page = schema["paths"]["/api/v1/access/"]["get"]["responses"]["200"]["content"]
    document = convert({**page["application/json"]["schema"], "components": schema["components"]})
    return jsonschema_rs.validator_for(document, validate_formats=True)


def test_every_page_of_the_list_equals_the_serializer_and_matches_the_schema(client, entries):
    validator = _page_validator()
    with translation.override("en"):
        expected = json.loads(_serialized())
    served: list[dict] = []
    url = "/api/v1/access/?page_size=7"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        validator.validate(body)
        served.extend(body["results"])
        url = body["next"]
        if url:
            url = "/api/v1/access/?" + urlparse(url).query
            assert parse_qs(urlparse(url).query)["cursor"]
    assert served == expected
    assert list(served[0]) == list(MarketAccessListSerializer.Meta.fields)


def test_a_page_off_the_schema_is_caught(entries):
    """The schema check can fail: a page whose entry lacks a field does not validate."""
    validator = _page_validator()
    rows = list(market_access_rows(MarketAccess.objects.order_by("id")[:1]))
    entry = access_entries(rows, market_access_page_ports(rows))[0]
    page = {"next": None, "previous": None, "results": [entry]}
    validator.validate(page)
    del entry["updated_at"]
    assert not validator.is_valid(page)
