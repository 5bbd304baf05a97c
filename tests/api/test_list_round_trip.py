"""One list format, in and out: the access list's export (CSV and XLSX, both export paths)
imports as it is and proposes nothing; the serializer, the plain rows and the import read the
one declaration (accessions.lists)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from accessions.lists import ACCESS, lists
from accessions.models import AccessState
from accessions.selectors.access import MARKET_ACCESS_ROW_FIELDS
from accessions.services import import_specs, imports
from api import exports
from api.serializers import MarketAccessListSerializer
from tests.factories import CountryFactory, MarketAccessFactory, PortFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accesses(db):
    kz = CountryFactory(iso2="KZ", iso3="KAZ", name_en="Kazakhstan")
    ports = [PortFactory(code="khorgos"), PortFactory(code="alashankou")]
    plain = MarketAccessFactory(country=kz, product=ProductFactory(slug="maize"))
    limited = MarketAccessFactory(
        country=kz,
        product=ProductFactory(slug="wheat"),
        treatment="fumigation, then 14 days",
        protocol_signed_on=dt.date(2023, 5, 19),
        required_site_kind="grain",
        conditions='=cmd|" /C calc"!A0',  # a formula-looking text survives the round trip
    )
    limited.allowed_ports.set(ports)
    AccessState.objects.create(
        market_access=limited,
        kind="suspended",
        starts_on=dt.date(2024, 1, 1),
        limited_to="zone A; zone B",
        origin="recorded",
        source="GACC (test)",
        confidence="high",
    )
    return [plain, limited]


def _dry_run(name: str, content: bytes):
    rows = imports.import_read(file_name=name, content=content)
    return imports.import_dry_run(
        kind="access", rows=rows, source="the registry's own export", confidence="high"
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("sql", [True, False], ids=["postgresql-path", "python-path"])
def test_an_export_reimports_proposing_nothing(client, accesses, monkeypatch, fmt, sql):
    if not sql:
        monkeypatch.setattr(exports, "sql_lines_supported", lambda: False)
    response = client.get(f"/api/v1/access/?format={fmt}")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    report = _dry_run(f"access.{fmt}", content)
    assert report.errors == []
    assert report.differences == 0, (report.added, report.changed, report.states_added)
    assert len(report.unchanged) == 2


def test_an_edited_export_proposes_exactly_the_edit(client, accesses):
    content = b"".join(client.get("/api/v1/access/?format=csv").streaming_content).decode()
    edited = content.replace("fumigation, then 14 days", "fumigation")
    report = _dry_run("access.csv", edited.encode())
    # The row keeps its own source and confidence, so only the edited cell changes.
    assert [sorted(c["changes"]) for c in report.changed] == [["treatment"]]


def test_the_serializer_and_the_plain_rows_read_the_declaration():
    assert MarketAccessListSerializer.Meta.fields == ACCESS.public_names()
    own = [
        n
        for n in ACCESS.public_names()
        if n not in ("product", "country", "allowed_ports", "states")
    ]
    assert list(MARKET_ACCESS_ROW_FIELDS[: len(own)]) == own


def test_a_row_with_several_faults_reports_each_with_its_column_and_value(accesses):
    content = (
        b"product,country,status,instrument_kind,valid_from,allowed_ports\n"
        b"nosuch,KZ,flying,announcement,2023-13-01,khorgos; nowhere\n"
    )
    report = _dry_run("access.csv", content)
    faults = {(e["row"], e["column"], e["value"]) for e in report.errors}
    assert faults == {
        (2, "product", "nosuch"),
        (2, "valid_from", "2023-13-01"),
        (2, "allowed_ports", "khorgos; nowhere"),
        (2, "status", "flying"),
    }
    reasons = {e["column"]: e["reason"] for e in report.errors}
    assert "YYYY-MM-DD" in reasons["valid_from"] and "nowhere" in reasons["allowed_ports"]


def test_an_unknown_column_is_named_once_on_the_header_row(accesses):
    report = _dry_run("access.csv", b"product,country,colour\nmaize,KZ,red\n")
    assert [(e["row"], e["column"]) for e in report.errors] == [(1, "colour")]


@pytest.mark.parametrize("kind", ["access", "regulations", "registrations"])
def test_every_list_declares_what_its_import_reads(kind):
    spec = import_specs.SPECS[kind]
    declared = lists()[kind]
    assert set(spec.columns) | set(import_specs.PROVENANCE_COLUMNS) | set(spec.ignored) | (
        {import_specs.STATES_COLUMN} if spec.series else set()
    ) == set(declared.names())
    for column in declared.columns:
        assert str(column.meaning) and column.format_text
    template = imports.import_read(file_name="t.csv", content=declared.template_csv())
    assert list(template[0]) == declared.names()
    xlsx = imports.import_read(file_name="t.xlsx", content=declared.template_xlsx())
    assert list(xlsx[0]) == declared.names()


@pytest.mark.parametrize(
    ("name", "kind"), [("market_access.csv", "access"), ("regulations.csv", "regulations")]
)
def test_a_seeds_file_imports_into_the_seeded_registry_proposing_nothing(seeded, name, kind):
    """The seeds are in the lists' one format: read as an inspector's upload, each row is the
    record it seeded (the internal notes and the bases included; the public note is kept)."""
    content = (Path(__file__).resolve().parents[2] / "seeds" / name).read_bytes()
    rows = imports.import_read(file_name=name, content=content)
    report = imports.import_dry_run(kind=kind, rows=rows, source="seeds", confidence="high")
    assert report.errors == []
    assert report.differences == 0, (report.added, report.changed, report.states_added)
    assert len(report.unchanged) == len(rows) > 30
    # The public notes (in each language) are reviewed on their own and read past.
    assert report.ignored_columns and all(
        c.startswith("public_note") for c in report.ignored_columns
    )
    assert "public_note" in report.ignored_columns


def test_the_documented_tables_are_the_declarations():
    """docs/list-formats.md (linked from the README) is what `manage.py list_formats` writes."""
    from accessions.management.commands.list_formats import render

    docs = Path(__file__).resolve().parents[2].joinpath("docs/list-formats.md")
    assert docs.read_text() == render()
    readme = (docs.parents[1] / "README.md").read_text()
    assert "(docs/list-formats.md)" in readme
