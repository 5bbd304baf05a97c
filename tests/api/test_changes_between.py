"""GET /api/v1/changes/between/: the selector's answer as JSON, CSV and XLSX; bad input is a 400
naming the parameter."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/between/"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"to": "2023-12-31"}, "from"),
        ({"from": "2023-01-01"}, "to"),
        ({"from": "2023-02-30", "to": "2023-12-31"}, "from"),
        ({"from": "2024-01-01", "to": "2023-12-31"}, "to"),
        ({"from": "2023-01-01", "to": "2023-12-31", "meaning": "both"}, "meaning"),
        ({"from": "2023-01-01", "to": "2023-12-31", "hs_chapter": "8"}, "hs_chapter"),
        ({"from": "2023-01-01", "to": "2023-12-31", "country": "XX"}, "country"),
        ({"from": "2023-01-01", "to": "2023-12-31", "product": "no-such-thing-at-all"}, "product"),
        ({"from": "2023-01-01", "to": "2023-12-31", "format": "pdf"}, "format"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(client, query, parameter):
    response = client.get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert parameter in {e["parameter"] for e in response.json()["errors"]}


def test_json_answer_names_its_meaning_and_lists_field_changes(client):
    access = f.MarketAccessFactory(valid_from=dt.date(2023, 6, 13))
    body = client.get(URL, {"from": "2023-01-01", "to": "2023-12-31"}).json()
    assert body["meaning"] == "legal" and body["meaning_label"]
    assert body["in_force_before"] == 0 and body["in_force_after"] == 1
    (change,) = body["changes"]
    assert change["kind"] == "came_into_force" and change["access_id"] == access.pk
    assert change["fields"][0]["field"] == "valid_from"
    assert change["fields"][0]["new"] == "2023-06-13"
    assert change["instrument"].endswith(access.instrument_ref)
    edits = client.get(URL, {"from": "2023-01-01", "to": "2023-12-31", "meaning": "edits"}).json()
    assert edits["meaning"] == "edits" and edits["changes"] == []  # recorded today, not in 2023


def test_csv_and_xlsx_exports_neutralise_formulas(client):
    f.MarketAccessFactory(
        valid_from=dt.date(2023, 6, 13), instrument_ref="=HYPERLINK(1)", source="+cmd"
    )
    query = {"from": "2023-01-01", "to": "2023-12-31", "format": "csv"}
    response = client.get(URL, query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1 and rows[0]["field"] == "valid_from"
    assert rows[0]["source"] == "'+cmd"
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]
    query["format"] = "xlsx"
    response = client.get(URL, query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert "'+cmd" in values


def test_the_page_shows_both_meanings_and_bad_dates_are_a_400(client):
    f.MarketAccessFactory(valid_from=dt.date(2023, 6, 13))
    page = client.get("/changes/between/", {"from": "2023-01-01", "to": "2023-12-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "Legal validity" in html and "Registry edits" in html and "came into force" in html.lower()
    )
    assert client.get("/changes/between/", {"from": "2023-13-01", "to": "x"}).status_code == 400
    assert client.get("/changes/between/").status_code == 200


@pytest.mark.parametrize("meaning", ["legal", "edits"])
def test_the_edges_of_the_calendar_are_answered(client, meaning):
    query = {"from": "0001-01-01", "to": "9999-12-31", "meaning": meaning}
    assert client.get(URL, query).status_code == 200
