"""The access list's export reads plain column values (the fast path for 500,000 rows); the file
is byte for byte the one the serializer path writes (issue 13)."""

import datetime as dt

import pytest
from openpyxl import load_workbook

from api.access import MarketAccessListView
from tests.factories import MarketAccessFactory, PortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accesses():
    ports = [PortFactory(code=code) for code in ("zz-last", "aa-first", "mm-mid")]
    made = [
        MarketAccessFactory(),
        MarketAccessFactory(
            status="suspended",
            valid_until=dt.date(2027, 1, 1),
            requires_registered_establishments=None,
            registered_establishments_basis="",
            conditions='=HYPERLINK("x")',
            treatment="cold, 2 °C; «ru» 中文",
        ),
        MarketAccessFactory(instrument_date=None, instrument_date_precision=""),
    ]
    made[0].allowed_ports.set(ports)
    made[2].allowed_ports.set(ports[1:2])
    return made


@pytest.mark.parametrize("query", ["", "&status=in_force", "&port=aa-first", "&ordering=-id"])
def test_plain_csv_export_equals_the_serializer_export(client, accesses, monkeypatch, query):
    assert MarketAccessListView.export_paths is not None  # the fast path is the one served
    url = f"/api/v1/access/?format=csv{query}"
    fast = b"".join(client.get(url).streaming_content)
    monkeypatch.setattr(MarketAccessListView, "export_paths", None)
    slow = b"".join(client.get(url).streaming_content)
    assert fast == slow
    if not query:
        assert fast.count(b"\n") == 4
        assert b"aa-first; mm-mid; zz-last" in fast


def test_plain_xlsx_export_equals_the_serializer_export(client, accesses, monkeypatch, tmp_path):
    def cells(content: bytes) -> list[tuple]:
        path = tmp_path / "export.xlsx"
        path.write_bytes(content)
        return list(load_workbook(path).active.iter_rows(values_only=True))

    fast = cells(b"".join(client.get("/api/v1/access/?format=xlsx").streaming_content))
    monkeypatch.setattr(MarketAccessListView, "export_paths", None)
    slow = cells(b"".join(client.get("/api/v1/access/?format=xlsx").streaming_content))
    assert fast == slow
    assert len(fast) == 4
