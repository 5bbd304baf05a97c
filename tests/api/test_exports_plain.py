"""The access list's export reads plain column values (the fast path for 500,000 rows): as CSV
lines formatted by PostgreSQL, or as cells formatted in Python elsewhere (SQLite, another time
zone); the file is byte for byte the one the serializer path writes (issue 13)."""

import datetime as dt

import pytest
from openpyxl import load_workbook

from api import exports
from api.access import MarketAccessListView
from tests.factories import MarketAccessFactory, PortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accesses():
    ports = [PortFactory(code=code) for code in ("zz-last", "aa-first", "mm-mid")]
    made = [
        # A series with a partial restoration (its zones hold a comma: the cell is quoted).
        MarketAccessFactory(
            states=[
                {"kind": "suspended", "starts_on": dt.date(2024, 1, 1)},
                {"kind": "restored", "starts_on": dt.date(2024, 6, 1), "limited_to": "A, =B"},
            ]
        ),
        MarketAccessFactory(
            status="suspended",
            valid_until=dt.date(2027, 1, 1),
            requires_registered_establishments=None,
            registered_establishments_basis="",
            conditions='=HYPERLINK("x")',
            treatment="cold, 2 °C; «ru» 中文",
        ),
        MarketAccessFactory(instrument_date=None, instrument_date_precision=""),
        # Every cell CSV quotes or neutralises: commas, quotes, line breaks, formula triggers.
        MarketAccessFactory(
            instrument_ref='GACC "No. 5", 2024',
            treatment="-18 °C\r\nthen\nstore",
            pest_free_areas="\tleading tab",
            conditions="+1; @home; a\rb",
            source="@gacc, notice",
            public_note='"quoted"',
            requires_registered_establishments=False,
        ),
    ]
    # A time without microseconds (DRF then writes none).
    type(made[3]).objects.filter(pk=made[3].pk).update(
        updated_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    )
    made[0].allowed_ports.set(ports)
    made[2].allowed_ports.set(ports[1:2])
    return made


@pytest.mark.parametrize(
    "query", ["", "&status=in_force", "&port=aa-first", "&ordering=-id", "&as_of=2024-03-01"]
)
def test_plain_csv_export_equals_the_serializer_export(client, accesses, monkeypatch, query):
    assert MarketAccessListView.export_paths is not None  # the fast path is the one served
    url = f"/api/v1/access/?format=csv{query}"
    fast = b"".join(client.get(url).streaming_content)
    monkeypatch.setattr(MarketAccessListView, "export_paths", None)
    slow = b"".join(client.get(url).streaming_content)
    assert fast == slow
    if not query:
        assert fast.count(b"\r\n") == 6  # the header, 4 rows, a line break in a cell
        assert b"aa-first; mm-mid; zz-last" in fast
        assert b',"GACC ""No. 5"", 2024",' in fast
        assert ',"\'-18 °C\r\nthen\nstore",'.encode() in fast
        assert b"2026-01-02T03:04:05Z" in fast
        assert b',"in_force 2023-06-13; suspended 2024-01-01; restored 2024-06-01 (A, =B)"' in fast


@pytest.mark.parametrize("query", ["", "&port=aa-first&ordering=-updated_at", "&as_of=2024-03-01"])
def test_python_csv_export_equals_the_postgresql_export(client, accesses, monkeypatch, query):
    """Where PostgreSQL cannot write the lines (SQLite, a time zone other than UTC), the Python
    path writes the same file."""
    url = f"/api/v1/access/?format=csv{query}"
    assert exports.sql_lines_supported()
    in_sql = b"".join(client.get(url).streaming_content)
    monkeypatch.setattr(exports, "sql_lines_supported", lambda: False)
    in_python = b"".join(client.get(url).streaming_content)
    assert in_sql == in_python
    assert in_sql.count(b"\r\n") >= 2


def test_plain_xlsx_export_equals_the_serializer_export(client, accesses, monkeypatch, tmp_path):
    def cells(content: bytes) -> list[tuple]:
        path = tmp_path / "export.xlsx"
        path.write_bytes(content)
        return list(load_workbook(path).active.iter_rows(values_only=True))

    fast = cells(b"".join(client.get("/api/v1/access/?format=xlsx").streaming_content))
    monkeypatch.setattr(MarketAccessListView, "export_paths", None)
    slow = cells(b"".join(client.get("/api/v1/access/?format=xlsx").streaming_content))
    assert fast == slow
    assert len(fast) == 5
