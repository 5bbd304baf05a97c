"""One list format, in and out (issue 25): the regulations and registrations exports (CSV and
XLSX) write their declared columns (regulations.lists, accessions.lists) and import as they are,
proposing nothing; an edited export proposes exactly the edit. The JSON lists keep their own
shape. On PostgreSQL here, and in the embedded mode (SQLite) by running this file and the access
list's round trip (test_list_round_trip.py) in a subprocess."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.db import connection
from openpyxl import load_workbook

from accessions.demo import demo_load
from accessions.lists import REGISTRATIONS
from accessions.models import EstablishmentRegistration
from accessions.services import imports
from regulations.lists import REGULATIONS
from regulations.models import Regulation
from tests.embedded import pytest_on_sqlite
from tests.factories import (
    CountryFactory,
    EstablishmentRegistrationFactory,
    ProductFactory,
    RegulationFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
ON_SQLITE = "LISTS_ON_SQLITE"
URLS = {"regulations": "/api/v1/regulations/", "registrations": "/api/v1/establishments/"}
FORMATS = {"regulations": REGULATIONS, "registrations": REGISTRATIONS}


@pytest.fixture
def awkward(db):
    """A record of each list with the cells a spreadsheet misreads (formula triggers, commas,
    quotes, line breaks, an OOXML escape typed as text), a replaced regulation, a suspended
    registration of two products."""
    kz = CountryFactory(iso2="KZ", iso3="KAZ", name_en="Kazakhstan")
    topics = [TopicFactory(slug="food_safety"), TopicFactory(slug="labelling")]
    replacing = RegulationFactory(
        slug="test-replacing",
        union=None,
        country=kz,
        scope='=HYPERLINK("x")\r\nthen "quoted", -1, _x0041_ as typed',
        title_translated_by_registry="ru zh",
        source="@gacc, notice",
    )
    replaced = RegulationFactory(
        slug="test-replaced",
        status="superseded",
        superseded_by=replacing,
        scope="a, b",
        adopted_on=dt.date(2011, 1, 1),
        adopted_on_precision="year",
    )
    replaced.topics.set(topics[:1])
    registration = EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201019999",
        name='=Astana "Grain", LLP',
        country=kz,
        status="suspended",
        stopped_on=dt.date(2024, 2, 1),
        source_url="https://example.org/list",
    )
    registration.products.set([ProductFactory(slug="test-maize"), ProductFactory(slug="test-rye")])
    EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201018888",
        country=kz,
        registered_on=dt.date(2021, 1, 1),
        valid_until=dt.date(2025, 12, 31),
        extended_until=dt.date(2026, 6, 30),
    )


@pytest.fixture
def listed(seeded, awkward):
    """The seeded registry's regulations and the demo registrations, with the awkward records."""
    demo_load(today=dt.date(2025, 3, 1))


def _export(client, kind: str, fmt: str, query: str = "") -> bytes:
    response = client.get(f"{URLS[kind]}?format={fmt}{query}")
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def _dry_run(kind: str, name: str, content: bytes):
    rows = imports.import_read(file_name=name, content=content)
    return imports.import_dry_run(
        kind=kind, rows=rows, source="the registry's own export", confidence="high"
    )


def _header(fmt: str, content: bytes) -> list[str]:
    """The header row as a spreadsheet program reads it."""
    if fmt == "csv":
        return next(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return list(next(sheet.iter_rows(values_only=True)))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["regulations", "registrations"])
def test_the_export_writes_the_declared_columns_and_the_json_keeps_its_own(
    client, awkward, kind, fmt
):
    assert _header(fmt, _export(client, kind, fmt)) == FORMATS[kind].public_names()
    # The JSON list is its clients' shape (the schema's), not the list format: unchanged.
    first = client.get(URLS[kind]).json()["results"][0]
    kept = {"regulations": {"id", "title", "products"}, "registrations": {"effective_until"}}
    assert kept[kind] <= set(first)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["regulations", "registrations"])
def test_an_export_reimports_proposing_nothing(client, listed, kind, fmt):
    content = _export(client, kind, fmt)
    report = _dry_run(kind, f"{kind}.{fmt}", content)
    assert report.errors == []
    assert report.differences == 0, (report.added, report.changed)
    model = Regulation if kind == "regulations" else EstablishmentRegistration
    assert len(report.unchanged) == model.objects.count() > 10
    assert report.removed == []


def _edited(content: bytes, kind: str, key: str, column: str, value: str) -> bytes:
    """The CSV export with one cell changed (the record named `key`, the column `column`)."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    header = rows[0]
    found = [row for row in rows[1:] if row[header.index(FORMATS[kind].key[0])] == key]
    assert len(found) == 1 and found[0][header.index(column)] != value
    found[0][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize(
    ("kind", "key", "column", "value"),
    [
        ("regulations", "test-replaced", "scope", "a, b, c"),
        ("regulations", "test-replaced", "superseded_by", ""),
        ("regulations", "test-replaced", "topics", "food_safety; labelling"),
        ("regulations", "test-replacing", "adopted_on", "2011-12-09"),
        ("registrations", "CKAZ01012201019999", "name", "Astana Grain LLP"),
        ("registrations", "CKAZ01012201019999", "products", "test-rye"),
        ("registrations", "CKAZ01012201019999", "stopped_on", "2024-03-01"),
        ("registrations", "CKAZ01012201018888", "extended_until", "2026-12-31"),
        ("registrations", "CKAZ01012201018888", "extended_until", ""),
    ],
)
def test_an_edited_export_proposes_exactly_the_edit(client, awkward, kind, key, column, value):
    content = _edited(_export(client, kind, "csv"), kind, key, column, value)
    report = _dry_run(kind, f"{kind}.csv", content)
    assert report.errors == []
    # The row keeps its own source and confidence, so only the edited cell changes.
    assert [sorted(c["changes"]) for c in report.changed] == [[column]]
    assert report.added == []


@pytest.mark.skipif(bool(os.environ.get(ON_SQLITE)), reason="already the SQLite run")
def test_every_list_round_trips_in_the_embedded_mode(tmp_path):
    """The embedded mode (SQLite) exports through the Python path: the same round trips."""
    assert connection.vendor == "postgresql"  # this run; the subprocess is the embedded mode
    files = [__file__, str(ROOT / "tests/api/test_list_round_trip.py")]
    done = pytest_on_sqlite(files, tmp_path / "lists.sqlite3", ON_SQLITE)
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout and "1 skipped" in done.stdout
