"""Reads: every endpoint through its URL, point in time (`as_of`), HTTP caching (ETag, 304) and
the streamed exports."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from accessions.models import MarketAccess
from accessions.services.market_access import market_access_save
from regulations.models import Regulation
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def maize_kz(db):
    """Maize from Kazakhstan, a port and a regulation: what the caching tests read (made-up
    records, not the seeds)."""
    f.PortFactory()
    f.RegulationFactory()
    return f.MarketAccessFactory(
        product=f.ProductFactory(slug="maize"), country=f.CountryFactory(iso2="KZ", iso3="KAZ")
    )


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/api/v1/countries/", "iso2"),
        ("/api/v1/countries/kz/", "iso2"),
        ("/api/v1/products/?q=кукуруза", "slug"),
        ("/api/v1/products/maize/", "slug"),
        ("/api/v1/ports/", "code"),
        ("/api/v1/access/?country=KZ", "id"),
        ("/api/v1/accessions/?year=2023", "id"),
        ("/api/v1/establishments/", "registration_number"),
        ("/api/v1/regulations/?country=KZ", "code"),
    ],
)
def test_every_read_endpoint_answers(seeded, api, url, key):
    response = api.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    if "results" in body:
        if "establishments" not in url:
            assert body["results"] and key in body["results"][0]
    else:
        assert key in body


def test_product_search_finds_names_in_three_languages_and_aliases(seeded, api):
    for term in ("maize", "玉米", "Кукуруза", "corn"):
        slugs = [p["slug"] for p in api.get("/api/v1/products/", {"q": term}).json()["results"]]
        assert "maize" in slugs, term


def test_product_hs_prefix_and_country_filters(seeded, api):
    slugs = [p["slug"] for p in api.get("/api/v1/products/?hs=10").json()["results"]]
    assert {"maize", "wheat"} <= set(slugs)
    listed = api.get("/api/v1/products/?country=KZ&page_size=200").json()["results"]
    kz = {p["slug"] for p in listed}
    assert "corn-meal" in kz and "fresh-grapes" not in kz


def test_access_filters_select_the_right_rows(seeded, api):
    rows = api.get("/api/v1/access/?country=UZ&status=in_force&page_size=500").json()["results"]
    assert rows and all(r["country"]["iso2"] == "UZ" and r["status"] == "in_force" for r in rows)
    maize = api.get("/api/v1/access/?product=100590").json()["results"]
    assert [r["product"]["slug"] for r in maize] == ["maize"]


def test_regulations_for_a_country_include_its_unions_acts_on_the_date(seeded, api):
    def codes(iso2, on):
        url = f"/api/v1/regulations/?country={iso2}&as_of={on}&page_size=200"
        return {r["jurisdiction"] for r in api.get(url).json()["results"]}

    assert "EAEU" in codes("KZ", "2024-01-01")
    assert "EAEU" not in codes("KZ", "2014-06-01")  # before KZ joined (2015-01-01)
    assert "EAEU" not in codes("UZ", "2024-01-01")  # observer, not bound


def test_access_as_of_answers_what_was_in_force_then(seeded, api):
    grapes_uz = MarketAccess.objects.get(product__slug="fresh-grapes", country__iso2="UZ")
    start = grapes_uz.valid_from

    def ids(on):
        url = f"/api/v1/access/?as_of={on.isoformat()}&country=UZ&page_size=500"
        return {r["id"] for r in api.get(url).json()["results"]}

    assert grapes_uz.pk in ids(start)
    assert grapes_uz.pk not in ids(start - dt.timedelta(days=1))
    grapes_uz.valid_until = start + dt.timedelta(days=30)
    market_access_save(access=grapes_uz)  # the service syncs the entry's dates into its series
    assert grapes_uz.pk not in ids(start + dt.timedelta(days=31))


def test_eligibility_as_of_alias_equals_date(seeded, api):
    by_date = api.get("/api/v1/eligibility/?product=fresh-grapes&country=UZ&date=2020-01-01")
    by_as_of = api.get("/api/v1/eligibility/?product=fresh-grapes&country=UZ&as_of=2020-01-01")
    assert by_date.json() == by_as_of.json()
    assert by_date.json()["verdict"] == "not_eligible"
    assert by_date.json()["as_of"] == "2020-01-01"


def test_eligibility_answer_has_permalink_to_the_checker(seeded, api):
    body = api.get("/api/v1/eligibility/?product=corn&country=kz&port=KHORGOS").json()
    assert body["permalink"].startswith("http://testserver/check/?")
    assert "product=maize" in body["permalink"] and "country=KZ" in body["permalink"]
    assert "port=khorgos" in body["permalink"] and "date=" in body["permalink"]
    assert body["access"]["status"] == "in_force"
    assert body["sources"]
    # Grain enters through designated grain sites, and the registry records none: not "allowed".
    assert body["allowed_ports"] == [] and body["verdict"] == "unknown"
    assert "designated_sites_not_recorded" in [r["code"] for r in body["reasons"]]


def test_access_history_lists_changes(maize_kz, api):
    access = maize_kz
    access.conditions = "For processing only (test change)."
    access.save()
    history = api.get(f"/api/v1/access/{access.pk}/history/").json()["results"]
    assert [h["action"] for h in history] == ["created", "updated"]
    assert history[1]["changes"]["conditions"][1] == "For processing only (test change)."


# --- HTTP caching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/access/?country=KZ",
        "/api/v1/countries/KZ/",
        "/api/v1/eligibility/?product=maize&country=KZ",
        "/api/v1/regulations/?as_of=2024-01-01",
    ],
)
def test_conditional_request_gets_304_until_the_data_changes(maize_kz, api, url):
    first = api.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    f.ProductFactory()  # any change to the registry is a new data version
    changed = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_etag_depends_on_the_requested_date_and_language(api):
    a = api.get("/api/v1/access/?as_of=2024-01-01")["ETag"]
    b = api.get("/api/v1/access/?as_of=2024-01-02")["ETag"]
    c = api.get("/api/v1/access/?as_of=2024-01-01", HTTP_ACCEPT_LANGUAGE="ru")["ETag"]
    assert len({a, b, c}) == 3


def test_untracked_alias_change_is_a_new_version(api):
    etag = api.get("/api/v1/products/")["ETag"]
    f.ProductAliasFactory(product=f.ProductFactory())
    assert api.get("/api/v1/products/", HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- Exports -------------------------------------------------------------------------------------


def test_csv_export_streams_every_filtered_row(seeded, api):
    response = api.get("/api/v1/access/?format=csv&country=UZ")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = MarketAccess.objects.filter(country__iso2="UZ").count()
    assert len(rows) == expected > 0  # all rows, not one page
    assert {r["country"] for r in rows} == {"UZ"}
    assert "fresh-grapes" in {r["product"] for r in rows}


def test_xlsx_export_has_the_filtered_rows(seeded, api):
    response = api.get("/api/v1/regulations/?format=xlsx&jurisdiction=EAEU")
    assert response.status_code == 200
    assert response.streaming
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert "code" in header and "jurisdiction" in header
    expected = Regulation.objects.filter(union__code="EAEU").count()
    assert len(data) == expected > 0
    assert {row[header.index("jurisdiction")] for row in data} == {"EAEU"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_exist_on_every_list(seeded, api, fmt):
    for url in (
        "countries",
        "products",
        "ports",
        "access",
        "accessions",
        "establishments",
        "regulations",
    ):
        response = api.get(f"/api/v1/{url}/?format={fmt}")
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content)


def test_allowed_port_link_is_a_new_version(maize_kz, api):
    from registry.models import Port

    access = maize_kz
    url = f"/api/v1/access/{access.pk}/"
    etag = api.get(url)["ETag"]
    access.allowed_ports.add(Port.objects.exclude(allowed_accesses=access).first())
    changed = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert len(changed.json()["allowed_ports"]) == access.allowed_ports.count()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/countries/",
        "/api/v1/products/",
        "/api/v1/ports/",
        "/api/v1/access/",
        "/api/v1/accessions/",
        "/api/v1/regulations/",
    ],
)
def test_lists_carry_the_public_note_and_never_the_internal_one(seeded, api, url):
    """API consumers get what the public pages show (issue 11): the public note beside the
    provenance, never the internal note of sources and reasoning."""
    rows = api.get(url, {"page_size": 200}).json()["results"]
    assert rows and all("public_note" in row and "notes" not in row for row in rows)
    if url == "/api/v1/access/":
        assert any(row["public_note"] for row in rows)  # 33 seeded entries have one


def _access_ids(api, query: str) -> set[int]:
    return {r["id"] for r in api.get(f"/api/v1/access/?{query}&page_size=500").json()["results"]}


def test_access_as_of_reads_the_series_not_the_status_kept_for_today(api):
    """An entry valid 2020-01-01 to 2024-01-01 is expired today, yet was in force in 2023."""
    expired = f.MarketAccessFactory(
        valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2024, 1, 1), status="expired"
    )
    assert expired.pk in _access_ids(api, "as_of=2023-06-01")
    assert expired.pk in _access_ids(api, "as_of=2024-01-01")
    assert expired.pk not in _access_ids(api, "as_of=2024-01-02")
    assert expired.pk not in _access_ids(api, "as_of=2019-12-31")


def test_access_as_of_inside_a_recorded_suspension_drops_the_entry(api):
    access = f.MarketAccessFactory(
        valid_from=dt.date(2019, 1, 1),
        status="in_force",
        states=[
            {"kind": "suspended", "starts_on": dt.date(2022, 1, 1)},
            {"kind": "restored", "starts_on": dt.date(2024, 2, 7)},
        ],
    )
    partial = f.MarketAccessFactory(
        valid_from=dt.date(2019, 1, 1),
        states=[{"kind": "suspended", "starts_on": dt.date(2022, 1, 1), "limited_to": "zone A"}],
    )
    assert access.pk in _access_ids(api, "as_of=2021-12-31")
    assert access.pk not in _access_ids(api, "as_of=2023-06-01")
    assert access.pk in _access_ids(api, "as_of=2024-02-07")
    # Suspended for all but the listed zones: access still holds for them.
    assert partial.pk in _access_ids(api, "as_of=2023-06-01")


def test_access_expiring_within_reads_ends_and_revocations_of_the_series(api):
    from django.utils import timezone

    today = timezone.localdate()
    ending = f.MarketAccessFactory(
        valid_from=dt.date(2019, 1, 1), valid_until=today + dt.timedelta(days=10)
    )
    revoked = f.MarketAccessFactory(
        valid_from=dt.date(2019, 1, 1),
        states=[{"kind": "revoked", "starts_on": today + dt.timedelta(days=20)}],
    )
    later = f.MarketAccessFactory(
        valid_from=dt.date(2019, 1, 1), valid_until=today + dt.timedelta(days=100)
    )
    ended = f.MarketAccessFactory(
        valid_from=dt.date(2019, 1, 1), valid_until=today - dt.timedelta(days=1), status="expired"
    )
    found = _access_ids(api, "expiring_within=30")
    assert {ending.pk, revoked.pk} <= found
    assert later.pk not in found and ended.pk not in found
    # The last day counts: access that ends today (valid until today) ends within 0 days.
    last_day = f.MarketAccessFactory(valid_from=dt.date(2019, 1, 1), valid_until=today)
    assert last_day.pk in _access_ids(api, "expiring_within=0")
