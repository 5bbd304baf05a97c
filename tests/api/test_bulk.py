"""eligibility/bulk/: limits, line numbers, bounded queries, and answers identical to the single
check."""

import datetime as dt
import itertools
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accessions.eligibility.answer import EligibilityQuestion
from accessions.eligibility.check import (
    MAX_STATEMENTS,
    check_eligibility,
    check_eligibility_batch,
)
from accessions.eligibility.kinds import COUNTRY_KIND_STATEMENTS
from accessions.models import MarketAccess
from registry.models import Country, Port, Product
from registry.selectors.resolver import KIND_STATEMENTS
from tests import factories as f

pytestmark = pytest.mark.django_db
BULK = "/api/v1/eligibility/bulk/"


def test_bulk_needs_an_api_key(api):
    response = api.post(BULK, {"checks": [{"product": "maize", "country": "KZ"}]}, format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert "X-API-Key" in response["WWW-Authenticate"]


def test_bulk_over_1000_lines_is_refused_naming_the_limit(keyed_api):
    checks = [{"product": "maize", "country": "KZ"}] * 1001
    response = keyed_api.post(BULK, {"checks": checks}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["parameter"] == "checks"
    assert "1000" in body["errors"][0]["reason"] and "1001" in body["errors"][0]["reason"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"checks": [{"product": "maize", "country": "KZ"}, {"product": "maize"}]},
            [("checks[1].country", 2)],
        ),
        (
            {
                "checks": [
                    {"product": "maize", "country": "Kazakhstan"},
                    {"product": "maize", "country": "KZ"},
                    {"product": "maize", "country": "KZ", "date": "2024-02-30"},
                ]
            },
            [("checks[0].country", 1), ("checks[2].date", 3)],
        ),
        ({"checks": "maize"}, [("checks", None)]),
        ({"checks": []}, [("checks", None)]),
        ({"questions": []}, [("checks", None)]),
        ([{"product": "maize", "country": "KZ"}], [("checks", None)]),
    ],
)
def test_bulk_wrong_shape_names_parameter_and_line(keyed_api, body, expected):
    response = keyed_api.post(BULK, body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [(e["parameter"], e.get("line")) for e in errors] == expected


def test_bulk_malformed_json_is_a_problem(keyed_api):
    response = keyed_api.generic("POST", BULK, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


@pytest.fixture
def lines(db):
    """What the bulk lines name (made-up records, not the seeds): maize from Kazakhstan, three
    products sharing one HS code, and grapes from Uzbekistan in force from 2021."""
    kz, uz = f.CountryFactory(iso2="KZ", iso3="KAZ"), f.CountryFactory(iso2="UZ", iso3="UZB")
    f.MarketAccessFactory(product=f.ProductFactory(slug="maize"), country=kz)
    for slug in ("dried-fruits", "dried-melon", "dried-oleaster"):
        f.ProductFactory(slug=slug, hs_code="081340")
    f.MarketAccessFactory(
        product=f.ProductFactory(slug="fresh-grapes"),
        country=uz,
        instrument_date=dt.date(2021, 6, 1),
        valid_from=dt.date(2021, 6, 1),
    )


def test_bulk_results_in_order_with_line_errors(lines, keyed_api):
    checks = [
        {"product": "maize", "country": "KZ"},
        {"product": "081340", "country": "UZ"},  # HS code of three products: an error line
        {"product": "fresh-grapes", "country": "UZ", "date": "2020-01-01"},
    ]
    response = keyed_api.post(BULK, {"checks": checks}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["line"] for r in results] == [1, 2, 3]
    assert results[0]["ok"] and results[0]["query"]["product"] == "maize"
    assert not results[1]["ok"]
    assert results[1]["error"]["code"] == "ambiguous_product"
    assert set(results[1]["error"]["candidates"]) >= {"dried-fruits", "dried-melon"}
    assert results[2]["verdict"] == "not_eligible"
    assert results[2]["reasons"][0]["code"] == "not_yet_in_force"


def _questions_over_seeds():
    products = [*Product.objects.values_list("slug", flat=True), "100590", "corn", "кукуруза"]
    products += ["no-such-product", "081340"]
    countries = ["KZ", "KG", "TJ", "TM", "UZ", "ZZ"]
    ports = ["", "khorgos", "alashankou", "nowhere"]
    dates = [dt.date(2015, 1, 1), dt.date(2023, 6, 1), dt.date(2026, 1, 1)]
    questions = []
    for product, country in itertools.product(products, countries):
        for port, on in zip(ports, itertools.cycle(dates), strict=False):
            questions.append(EligibilityQuestion(product, country, on, port))
    return questions


def test_bulk_answers_equal_single_answers_over_seeded_data(seeded):
    f.EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201010001",
        country=Country.objects.get(iso2="KZ"),
        products=[Product.objects.get(slug="maize")],
    )
    questions = _questions_over_seeds()
    questions += [
        EligibilityQuestion("maize", "KZ", dt.date(2024, 5, 1), "khorgos", "CKAZ01012201010001"),
        EligibilityQuestion("wheat-bran", "KZ", dt.date(2024, 5, 1), "", "CKAZ01012201010001"),
        EligibilityQuestion("maize", "KZ", dt.date(2030, 5, 1), "", "ckaz01012201010001"),
        EligibilityQuestion("maize", "KZ", dt.date(2024, 5, 1), "", "CKAZ99999999999999"),
    ]
    batch = check_eligibility_batch(questions)
    compared = 0
    for question, from_batch in zip(questions, batch, strict=True):
        try:
            single = check_eligibility(
                product=question.product,
                country=question.country,
                port=question.port,
                on=question.on,
                establishment=question.establishment,
            )
        except Exception as error:  # the batch returns what the single check raises
            assert type(from_batch) is type(error) and from_batch.extra == error.extra
            continue
        assert from_batch == single, question
        assert [p.pk for p in from_batch.allowed_ports] == [p.pk for p in single.allowed_ports]
        assert [r.pk for r in from_batch.regulations] == [r.pk for r in single.regulations]
        assert from_batch.sources == single.sources
        compared += 1
    assert compared > 500


def test_bulk_http_answers_equal_single_endpoint(seeded, keyed_api):
    checks = [
        {"product": slug, "country": iso2, "port": port}
        for slug, iso2, port in [
            ("maize", "KZ", "khorgos"),
            ("fresh-grapes", "UZ", ""),
            ("corn-meal", "KZ", "alashankou"),
            ("wheat", "KZ", ""),
            ("beef", "KZ", "khorgos"),
            ("fresh-grapes", "TM", ""),
        ]
    ]
    bulk = keyed_api.post(BULK, {"checks": checks}, format="json").json()["results"]
    for check, result in zip(checks, bulk, strict=True):
        # A query parameter is given with a value or not at all (an empty one is a 400).
        single = keyed_api.get("/api/v1/eligibility/", {k: v for k, v in check.items() if v}).json()
        assert {k: v for k, v in result.items() if k not in {"line", "ok", "error"}} == single


def test_bulk_query_count_does_not_grow_with_lines(seeded, api_key):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    slugs = list(MarketAccess.objects.values_list("product__slug", "country__iso2"))
    ports = list(Port.objects.values_list("code", flat=True))

    def run(n):
        checks = [
            {"product": slug, "country": iso2, "port": ports[i % len(ports)]}
            for i, (slug, iso2) in zip(range(n), itertools.cycle(slugs), strict=False)
        ]
        with CaptureQueriesContext(connection) as queries:
            response = client.post(BULK, {"checks": checks}, format="json")
        assert response.status_code == 200
        assert len(response.json()["results"]) == n
        return len(queries)

    run(1)  # the first request with a key stamps its last use (one UPDATE, then not for minutes)
    few, many, more = run(3), run(400), run(800)
    assert many == more
    # The engine's statements (the series of states come with the entries) + the key lookup;
    # never per line. Words that name a covered kind (issue 24: "dried-melon" is also a kind of
    # dried-fruits) add a fixed few: the kinds, and the countries' entries for them.
    assert few <= many <= MAX_STATEMENTS + 2 + KIND_STATEMENTS + COUNTRY_KIND_STATEMENTS


def test_bulk_body_echoes_nothing_unsafe(lines, keyed_api):
    response = keyed_api.post(
        BULK, {"checks": [{"product": "<script>", "country": "KZ"}]}, format="json"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["results"][0]["verdict"] == "unknown"
