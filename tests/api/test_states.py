"""The API shows an access entry's dated legal states (accessions.validity): the list, the detail,
the exports and the eligibility answer carry the series; a list asked `as_of` a date shows the
status on that date; a question about a pair the registry does not record is `not_recorded`, not
a refusal, with what the registry covers for the country. The access page shows the series."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accessions.models import AccessState, MarketAccess
from accessions.validity import derived_status
from registry.models import ReportedFigure
from tests import factories as f

pytestmark = pytest.mark.django_db

SUSPENDED_ON = dt.date(2024, 1, 1)
RESTORED_ON = dt.date(2024, 6, 1)


@pytest.fixture
def suspended_then_restored():
    """In force from 2023-06-13, wholly suspended from 2024-01-01, restored from 2024-06-01."""
    return f.MarketAccessFactory(
        states=[
            {
                "kind": "suspended",
                "starts_on": SUSPENDED_ON,
                "starts_on_precision": "exact",
                "instrument_kind": "announcement",
                "instrument_ref": "GACC 2024 No.1",
                "source_url": "https://example.org/no-1",
                "public_note": "FMD outbreak",
            },
            {
                "kind": "restored",
                "starts_on": RESTORED_ON,
                "starts_on_precision": "month",
                "limited_to": "zone A, zone B",
            },
        ]
    )


def test_access_detail_lists_the_series_oldest_first(api, suspended_then_restored):
    body = api.get(f"/api/v1/access/{suspended_then_restored.pk}/").json()
    assert [(s["kind"], s["starts_on"]) for s in body["states"]] == [
        ("in_force", "2023-06-13"),
        ("suspended", "2024-01-01"),
        ("restored", "2024-06-01"),
    ]
    suspension = body["states"][1]
    assert suspension == {
        "kind": "suspended",
        "starts_on": "2024-01-01",
        "starts_on_precision": "exact",
        "limited_to": "",
        "instrument_kind": "announcement",
        "instrument_ref": "GACC 2024 No.1",
        "instrument_ref_zh": "",
        "instrument_ref_ru": "",
        "source": "test fixture",
        "source_zh": "",
        "source_ru": "",
        "source_url": "https://example.org/no-1",
        "confidence": "high",
        "public_note": "FMD outbreak",
        "public_note_zh": "",
        "public_note_ru": "",
        "translated_by_registry": "",
    }
    assert body["states"][2]["limited_to"] == "zone A, zone B"
    # API v1 keeps its fields: the series is one more.
    assert {"status", "valid_from", "valid_until", "allowed_ports", "updated_at"} <= set(body)


def test_a_state_whose_start_is_not_known_comes_first(api):
    access = f.MarketAccessFactory(
        valid_from=None, valid_from_precision="", states=[{"kind": "suspended", "starts_on": None}]
    )
    # Two states of unknown start: the later step of the procedure last (accessions.validity).
    kinds = [s["kind"] for s in api.get(f"/api/v1/access/{access.pk}/").json()["states"]]
    assert kinds == ["in_force", "suspended"]


def test_access_list_entries_carry_their_series(api, suspended_then_restored):
    plain = f.MarketAccessFactory()
    body = api.get("/api/v1/access/").json()
    by_id = {entry["id"]: entry for entry in body["results"]}
    assert [s["kind"] for s in by_id[suspended_then_restored.pk]["states"]] == [
        "in_force",
        "suspended",
        "restored",
    ]
    assert [s["kind"] for s in by_id[plain.pk]["states"]] == ["in_force"]


def test_access_list_reads_the_page_states_in_one_query(api, suspended_then_restored):
    def statements():
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/access/").status_code == 200
        # The table itself (quoted by the ORM, not in the hand-written page), not its events'.
        table = re.compile(rf'"?{AccessState._meta.db_table}"?(?![a-z_])')
        return [q["sql"] for q in queries.captured_queries if table.search(q["sql"])]

    few = statements()
    for _ in range(5):
        f.MarketAccessFactory(states=[{"kind": "suspended", "starts_on": SUSPENDED_ON}])
    assert len(statements()) == len(few) == 1


def test_access_list_as_of_shows_the_status_on_that_date(api):
    """Whatever the `as_of` filter keeps, each entry shows its status on the date (from its
    series), not its status today."""
    on = dt.date(2024, 3, 1)
    # Kept in force today, suspended on the date.
    in_force_today = f.MarketAccessFactory(
        states=[
            {"kind": "suspended", "starts_on": SUSPENDED_ON},
            {"kind": "restored", "starts_on": RESTORED_ON},
        ]
    )
    # Suspended today, in force on the date.
    suspended_today = f.MarketAccessFactory(
        status="suspended", states=[{"kind": "suspended", "starts_on": dt.date(2025, 1, 1)}]
    )
    assert {in_force_today.status, suspended_today.status} == {"in_force", "suspended"}
    for path in (f"/api/v1/access/?as_of={on}", f"/api/v1/access/?as_of={on}&format=csv"):
        response = api.get(path)
        assert response.status_code == 200
    results = api.get(f"/api/v1/access/?as_of={on}").json()["results"]
    assert results
    differs = False
    for entry in results:
        access = MarketAccess.objects.get(pk=entry["id"])
        expected = derived_status(AccessState.objects.filter(market_access=access), on)
        assert entry["status"] == expected
        differs |= entry["status"] != access.status
    assert differs  # the status on the date is not the status today
    # Without `as_of`, the status today.
    today = {e["id"]: e["status"] for e in api.get("/api/v1/access/").json()["results"]}
    assert today[in_force_today.pk] == "in_force"
    assert today[suspended_today.pk] == "suspended"


def test_access_export_has_the_series_as_text(client, suspended_then_restored):
    content = b"".join(client.get("/api/v1/access/?format=csv").streaming_content).decode()
    header = content.splitlines()[0].lstrip("\ufeff").split(",")
    assert header[-1] == "states"
    assert (
        '"in_force 2023-06-13; suspended 2024-01-01; restored 2024-06-01 (zone A, zone B)"'
        in content
    )


# --- Eligibility ---------------------------------------------------------------------------------


def test_a_pair_with_no_entry_is_not_recorded_with_the_country_coverage(api):
    country = f.CountryFactory(iso2="XX", iso3="XXX")
    product = f.ProductFactory()
    f.MarketAccessFactory(country=country)  # another product with access
    ReportedFigure.objects.create(
        key="xx-products",
        metric="products_with_access",
        country=country,
        value=40,
        qualifier="more_than",
        as_of=dt.date(2025, 6, 1),
        as_of_precision="exact",
        label_en="More than 40 products from XX",
        source="MFA statement",
        source_url="https://example.org/mfa",
        confidence="high",
    )
    response = api.get(
        "/api/v1/eligibility/", {"product": product.slug, "country": "XX", "date": "2025-07-01"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "not_recorded"
    assert {"not_recorded", "registry_coverage"} <= {r["code"] for r in body["reasons"]}
    assert body["coverage"] == {
        "country": "XX",
        "on": "2025-07-01",
        "recorded": 1,
        "reported": [
            {
                "label": "More than 40 products from XX",
                "value": 40,
                "qualifier": "more_than",
                "as_of": "2025-06-01",
                "source": "MFA statement",
                "source_zh": "",
                "source_ru": "",
                "source_url": "https://example.org/mfa",
            }
        ],
    }
    assert body["access"] is None
    assert body["state"] is None
    assert body["states"] == []


def test_answers_carry_the_state_on_the_date_and_the_series(api, suspended_then_restored):
    params = {
        "product": suspended_then_restored.product.slug,
        "country": suspended_then_restored.country.iso2,
    }
    during = api.get("/api/v1/eligibility/", {**params, "date": "2024-03-01"}).json()
    assert during["verdict"] == "not_eligible"
    assert during["state"]["kind"] == "suspended"
    assert during["state"]["starts_on"] == "2024-01-01"
    assert during["state"]["starts_on_precision"] == "exact"
    assert during["state"]["instrument_ref"] == "GACC 2024 No.1"
    assert [s["kind"] for s in during["states"]] == ["in_force", "suspended", "restored"]
    assert during["coverage"] is None
    before = api.get("/api/v1/eligibility/", {**params, "date": "2023-07-01"}).json()
    assert before["state"]["kind"] == "in_force"
    assert before["state"]["starts_on"] == "2023-06-13"
    ahead = api.get("/api/v1/eligibility/", {**params, "date": "2020-01-01"}).json()
    assert ahead["state"] is None
    assert len(ahead["states"]) == 3


def test_bulk_answers_carry_the_series_and_coverage(keyed_api, suspended_then_restored):
    product = f.ProductFactory()
    iso2 = suspended_then_restored.country.iso2
    checks = [
        {"product": suspended_then_restored.product.slug, "country": iso2, "date": "2024-03-01"},
        {"product": product.slug, "country": iso2, "date": "2024-03-01"},
        {"product": "no-such-product-at-all", "country": iso2},
    ]
    response = keyed_api.post("/api/v1/eligibility/bulk/", {"checks": checks}, format="json")
    assert response.status_code == 200, response.content
    first, second, third = response.json()["results"]
    assert first["state"]["kind"] == "suspended"
    assert len(first["states"]) == 3
    assert second["verdict"] == "not_recorded"
    assert second["coverage"]["country"] == iso2
    assert second["states"] == []
    assert third["states"] == []
    assert third["coverage"] is None


def test_the_schema_documents_not_recorded_coverage_and_states():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert "not_recorded" in components["VerdictEnum"]["enum"]
    answer = components["EligibilityAnswer"]["properties"]
    assert "not a refusal" in answer["verdict"]["description"]
    assert {"state", "states", "coverage"} <= set(answer)
    assert set(components["Coverage"]["properties"]) == {"country", "on", "recorded", "reported"}
    assert "states" in components["MarketAccessList"]["properties"]
    assert "states" in components["MarketAccessDetail"]["properties"]


# --- The access page ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans", "ru"])
def test_access_page_shows_the_series_as_a_table(client, suspended_then_restored, language):
    response = client.get(f"/access/{suspended_then_restored.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-labelledby="states-heading"' in page
    rows = [page.index(f'data-kind="{kind}"') for kind in ("in_force", "suspended", "restored")]
    assert rows == sorted(rows)  # oldest first
    assert "GACC 2024 No.1" in page
    assert "FMD outbreak" in page
    assert "zone A, zone B" in page
    assert 'href="https://example.org/no-1"' in page


def test_status_with_as_of_is_the_status_on_that_date(client):
    import datetime as dt

    from tests.factories import MarketAccessFactory

    suspended = MarketAccessFactory(
        valid_from=dt.date(2020, 1, 1),
        states=[
            {"kind": "suspended", "starts_on": dt.date(2022, 1, 1)},
            {"kind": "restored", "starts_on": dt.date(2024, 2, 7)},
        ],
    )
    MarketAccessFactory(valid_from=dt.date(2020, 1, 1))

    def ids(query):
        response = client.get(f"/api/v1/access/?{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids("status=suspended&as_of=2023-06-01") == {suspended.pk}
    assert suspended.pk not in ids("as_of=2023-06-01")
    assert suspended.pk in ids("status=in_force&as_of=2025-01-01")
    assert ids("status=suspended&as_of=2025-01-01") == set()
