"""Bad input: a 4xx in the one problem+json shape naming the parameter and the reason."""

import pytest

from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(db):
    """What the questions below name (made-up records, not the seeds): maize from Kazakhstan,
    Uzbekistan, and three products sharing one HS code (an ambiguous code)."""
    maize = ProductFactory(slug="maize", name_en="Maize", name_ru="Кукуруза", name_zh="玉米")
    MarketAccessFactory(product=maize, country=CountryFactory(iso2="KZ", iso3="KAZ"))
    CountryFactory(iso2="UZ", iso3="UZB")
    for slug in ("dried-fruits", "dried-melon", "dried-oleaster"):
        ProductFactory(slug=slug, hs_code="081340")


def _assert_problem(response, status, parameter=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert body["status"] == status
    if parameter is not None:
        assert parameter in [e["parameter"] for e in body["errors"]], body
    return body


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/access/?as_of=2024-13-01", "as_of"),
        ("/api/v1/access/?as_of=yesterday", "as_of"),
        ("/api/v1/access/?status=approved", "status"),
        ("/api/v1/access/?country=XX", "country"),
        ("/api/v1/access/?country=Kazakhstan", "country"),
        ("/api/v1/access/?product=no-such-thing", "product"),
        ("/api/v1/access/?product=081340", "product"),
        ("/api/v1/access/?hs=10a", "hs"),
        ("/api/v1/access/?port=atlantis", "port"),
        ("/api/v1/access/?expiring_within=-1", "expiring_within"),
        ("/api/v1/access/?expiring_within=99999", "expiring_within"),
        # A parameter given twice: found by schemathesis's CLI (300 examples), which sent
        # `expiring_within` six times and got a 200 for the last value alone.
        ("/api/v1/access/?expiring_within=30&expiring_within=0", "expiring_within"),
        ("/api/v1/access/?country=KZ&country=UZ", "country"),
        ("/api/v1/eligibility/?product=maize&country=KZ&country=UZ", "country"),
        ("/api/v1/access/?updated_since=last-week", "updated_since"),
        ("/api/v1/access/?page_size=0", "page_size"),
        ("/api/v1/access/?page_size=501", "page_size"),
        ("/api/v1/access/?page_size=ten", "page_size"),
        ("/api/v1/access/?cursor=not-a-cursor", "cursor"),
        ("/api/v1/access/?ordering=name", "ordering"),
        ("/api/v1/access/?format=pdf", "format"),
        ("/api/v1/products/?page=0", "page"),
        ("/api/v1/products/?page_size=201", "page_size"),
        ("/api/v1/products/?category=fish", "category"),
        ("/api/v1/products/?origin_type=mineral", "origin_type"),
        ("/api/v1/regulations/?as_of=2024-02-30", "as_of"),
        ("/api/v1/regulations/?country=XX", "country"),
        ("/api/v1/regulations/?kind=poem", "kind"),
        ("/api/v1/establishments/?status=alive", "status"),
        ("/api/v1/establishments/?expiring_within=soon", "expiring_within"),
        ("/api/v1/eligibility/?country=KZ", "product"),
        ("/api/v1/eligibility/?product=maize", "country"),
        ("/api/v1/eligibility/?product=maize&country=KZ&date=2024-02-30", "date"),
        ("/api/v1/eligibility/?product=maize&country=KZ&establishment=123", "establishment"),
        ("/api/v1/eligibility/?product=maize&country=KZ&date=2024-01-01&as_of=2024-02-01", "as_of"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(records, api, url, parameter):
    _assert_problem(api.get(url), 400, parameter)


def test_ambiguous_hs_code_lists_the_candidates(records, api):
    body = _assert_problem(
        api.get("/api/v1/eligibility/", {"product": "081340", "country": "UZ"}), 400
    )
    assert body["code"] == "ambiguous_product"
    assert {"dried-fruits", "dried-melon", "dried-oleaster"} <= set(body["candidates"])


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/countries/XX/",
        "/api/v1/products/no-such-product/",
        "/api/v1/access/999999/",
        "/api/v1/access/999999/history/",
        "/api/v1/regulations/999999/",
        "/api/v1/no-such-endpoint/",
        "/api/v1/access/abc/",
    ],
)
def test_not_found_is_a_problem(db, api, url):
    _assert_problem(api.get(url), 404)


def test_writes_are_not_part_of_the_public_surface(db, api):
    _assert_problem(api.post("/api/v1/access/", {}, format="json"), 405)
    _assert_problem(api.delete("/api/v1/countries/KZ/"), 405)


@pytest.mark.parametrize("header", ["HTTP_X_API_KEY", "HTTP_AUTHORIZATION"])
def test_invalid_api_key_is_a_401_not_anonymous(db, api, header):
    value = "nope.nope" if header == "HTTP_X_API_KEY" else "Api-Key nope.nope"
    body = _assert_problem(api.get("/api/v1/countries/", **{header: value}), 401)
    assert "invalid" in body["detail"]


def test_messages_follow_accept_language(api):
    english = api.get("/api/v1/countries/XX/", HTTP_ACCEPT_LANGUAGE="en").json()
    russian = api.get("/api/v1/countries/XX/", HTTP_ACCEPT_LANGUAGE="ru").json()
    chinese = api.get("/api/v1/countries/XX/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert english["detail"] != russian["detail"]
    assert english["detail"] != chinese["detail"]
    assert any("\u0400" <= ch <= "\u04ff" for ch in russian["detail"])


def test_answer_names_follow_accept_language(records, api):
    params = {"product": "maize", "country": "KZ"}
    russian = api.get("/api/v1/eligibility/", params, HTTP_ACCEPT_LANGUAGE="ru").json()
    chinese = api.get("/api/v1/eligibility/", params, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert russian["product"]["name"] == "Кукуруза"
    assert chinese["product"]["name"] == "玉米"
