"""Query counts are constant in the number of rows; an eligibility check costs at most 4."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accessions.eligibility import check_eligibility
from tests import factories as f

pytestmark = pytest.mark.django_db


ELIGIBILITY_QUESTIONS = [
    {"product": "maize", "country": "KZ"},
    {"product": "maize", "country": "KZ", "port": "khorgos"},
    {"product": "100590", "country": "KZ", "date": "2020-01-01"},
    {"product": "fresh-grapes", "country": "TM"},  # no access: the explaining path
    {"product": "nothing-like-it", "country": "KZ"},
    {"product": "corn", "country": "ZZ"},
]


@pytest.mark.parametrize("params", ELIGIBILITY_QUESTIONS)
def test_eligibility_check_costs_at_most_four_queries(
    seeded, django_assert_max_num_queries, params
):
    question = dict(params)
    on = dt.date.fromisoformat(question.pop("date", "2025-01-01"))
    with django_assert_max_num_queries(4):
        check_eligibility(on=on, **question)


@pytest.mark.parametrize("params", ELIGIBILITY_QUESTIONS)
def test_eligibility_endpoint_costs_the_check_plus_the_data_version(
    seeded, api, django_assert_max_num_queries, params
):
    """One query more than the check: the data version, which makes ETag/304 and the answer
    cache exact (a repeated question then costs that one query alone)."""
    with django_assert_max_num_queries(5):
        response = api.get("/api/v1/eligibility/", params)
    assert response.status_code == 200


def test_eligibility_with_establishment_costs_four_queries_in_the_service(
    seeded, django_assert_max_num_queries
):
    """The service's budget (access, regulations, ports, establishment); over HTTP the data
    version adds one (it makes ETag/304 and the answer cache exact)."""
    from registry.models import Country, Product

    f.EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201010001",
        country=Country.objects.get(iso2="KZ"),
        products=[Product.objects.get(slug="maize")],
    )
    with django_assert_max_num_queries(4):
        answer = check_eligibility(
            product="maize",
            country="KZ",
            port="khorgos",
            on=dt.date(2024, 5, 1),
            establishment="CKAZ01012201010001",
        )
    assert answer.establishment is not None


def test_repeated_eligibility_question_is_answered_from_cache_with_one_query(
    seeded, api, django_assert_num_queries
):
    params = {"product": "maize", "country": "KZ", "port": "khorgos"}
    first = api.get("/api/v1/eligibility/", params)
    with django_assert_num_queries(1):  # the data version only
        second = api.get("/api/v1/eligibility/", params)
    assert second.json() == first.json()


def test_cached_eligibility_answer_is_not_served_after_a_change(seeded, api):
    from accessions.models import MarketAccess

    params = {"product": "maize", "country": "KZ"}
    assert api.get("/api/v1/eligibility/", params).json()["verdict"] != "not_eligible"
    MarketAccess.objects.filter(product__slug="maize", country__iso2="KZ").update(
        status="suspended"
    )
    after = api.get("/api/v1/eligibility/", params).json()
    assert after["verdict"] == "not_eligible"
    assert after["reasons"][0]["code"] == "access_suspended"


def _grow(n):
    country = f.CountryFactory(iso2="QQ", iso3="QQQ")
    port = f.PortFactory(facing_country=country)
    union = f.UnionFactory(code="TESTU")
    f.UnionMembershipFactory(country=country, union=union)
    regime = f.RegistrationRegimeFactory()
    for _ in range(n):
        product = f.ProductFactory()
        f.ProductAliasFactory(product=product)
        access = f.MarketAccessFactory(product=product, country=country)
        access.allowed_ports.add(port)
        f.AccessionStageFactory(accession=f.AccessionFactory(market_access=access))
        f.RegulationProductFactory(product=product, regulation=f.RegulationFactory(union=union))
        f.EstablishmentRegistrationFactory(country=country, regime=regime, products=[product])
        f.PortRegimeFactory(port=f.PortFactory(facing_country=country))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/countries/",
        "/api/v1/products/?page_size=200",
        "/api/v1/ports/?page_size=200",
        "/api/v1/access/?page_size=200",
        "/api/v1/access/?page_size=200&as_of=2024-01-01&country=QQ",
        "/api/v1/accessions/?page_size=200",
        "/api/v1/establishments/?page_size=200",
        "/api/v1/regulations/?page_size=200&country=QQ",
    ],
)
def test_list_query_count_is_constant_in_rows(db, api, url):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
        assert response.status_code == 200, response.content
        return len(queries), len(response.json()["results"])

    _grow(2)
    few_queries, few_rows = count()
    _more(25)
    many_queries, many_rows = count()
    assert many_rows > few_rows
    assert many_queries == few_queries


def _more(n):
    from accessions.models import RegistrationRegime
    from registry.models import Country, Port, Union

    country, union = Country.objects.get(iso2="QQ"), Union.objects.get(code="TESTU")
    port = Port.objects.filter(facing_country=country).first()
    regime = RegistrationRegime.objects.first()
    for _ in range(n):
        product = f.ProductFactory()
        f.ProductAliasFactory(product=product)
        access = f.MarketAccessFactory(product=product, country=country)
        access.allowed_ports.add(port)
        f.AccessionStageFactory(accession=f.AccessionFactory(market_access=access))
        f.RegulationProductFactory(product=product, regulation=f.RegulationFactory(union=union))
        f.EstablishmentRegistrationFactory(country=country, regime=regime, products=[product])
        f.PortRegimeFactory(port=f.PortFactory(facing_country=country))
    f.CountryFactory()
