"""Imports of official-style lists: a file with bad rows changes nothing (the tables are byte for
byte the same) and names every bad row; a clean file proposes exactly its differences, as one
batch published as a whole; the same file twice proposes nothing the second time."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import Workbook

from accessions.models import EstablishmentRegistration, MarketAccess, Proposal, ProposalBatch
from accessions.services import deciding, import_runs, imports
from accounts.services import account_create
from registry.errors import DomainError
from tests.factories import (
    CountryFactory,
    EstablishmentRegistrationFactory,
    MarketAccessFactory,
    ProductFactory,
    RegistrationRegimeFactory,
)

pytestmark = pytest.mark.django_db

TABLES = [
    MarketAccess._meta.db_table,
    MarketAccess.allowed_ports.through._meta.db_table,
    EstablishmentRegistration._meta.db_table,
    Proposal._meta.db_table,
    ProposalBatch._meta.db_table,
    "accessions_outboxevent",
]


def _dump() -> bytes:
    """The tables an import may touch, as PostgreSQL's own COPY writes them, plus their history."""
    out = b""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE 'accessions_%%event' "
            "ORDER BY tablename"
        )
        history = [row[0] for row in cursor.fetchall()]
        for table in TABLES + history:
            with cursor.cursor.copy(f"COPY (SELECT * FROM {table} ORDER BY 1) TO STDOUT") as copy:
                out += table.encode() + b"\n" + b"".join(bytes(chunk) for chunk in copy)
    return out


@pytest.fixture
def people(db):
    return {
        role: account_create(
            username=f"i-{role}", email=f"{role}@example.org", password="pw-import-1", role=role
        )
        for role in ("inspector", "senior_inspector", "trader")
    }


@pytest.fixture
def world(db):
    kz = CountryFactory(iso2="KZ", iso3="KAZ", name_en="Kazakhstan")
    maize, wheat, flax = (ProductFactory(slug=s) for s in ("maize", "wheat", "flaxseed"))
    kept = MarketAccessFactory(product=maize, country=kz, instrument_ref="A 1", treatment="")
    edited = MarketAccessFactory(product=wheat, country=kz, instrument_ref="A 2", treatment="")
    gone = MarketAccessFactory(product=ProductFactory(slug="barley"), country=kz)
    return {"kz": kz, "kept": kept, "edited": edited, "gone": gone, "flax": flax}


HEADER = "product,country,status,instrument_kind,instrument_ref,treatment\n"


def _clean(world) -> bytes:
    return (
        HEADER
        + "maize,KZ,in_force,announcement,A 1,\n"  # unchanged
        + "wheat,KZ,in_force,announcement,A 2,heat treatment\n"  # changed
        + "flaxseed,KZ,negotiating,reported,,\n"  # added
    ).encode()


def _apply(content: bytes, by, name="list.csv"):
    return imports.import_apply(
        kind="access",
        file_name=name,
        content=content,
        source="GACC list (test)",
        confidence="medium",
        by=by,
    )


def test_planted_bad_rows_change_nothing_and_are_all_named(world, people):
    bad = (
        HEADER
        + "maize,KZ,in_force,announcement,A 1,\n"
        + "nosuchthing,KZ,in_force,announcement,A 9,\n"  # row 3: unknown product
        + "wheat,KZ,flying,announcement,A 2,\n"  # row 4: invalid status
        + "flaxseed,KZ,in_force,protocol,,\n"  # row 5: a protocol alone is not access
        + "maize,KZ,in_force,announcement,A 1,\n"  # row 6: the same record as row 2
        + ",KZ,in_force,announcement,,\n"  # row 7: no product
    ).encode()
    before = _dump()
    with pytest.raises(DomainError) as err:
        _apply(bad, people["inspector"])
    assert _dump() == before
    rows = [e["row"] for e in err.value.extra["errors"]]
    assert rows == [3, 4, 5, 6, 7]
    reasons = {e["row"]: e["reason"] for e in err.value.extra["errors"]}
    assert "nosuchthing" in reasons[3]
    assert "row 2" in reasons[6]


def test_a_clean_file_proposes_exactly_its_differences(world, people):
    report, batch = _apply(_clean(world), people["inspector"])
    assert [a["key"] for a in report.added] == [f"{world['flax'].pk} / {world['kz'].pk}"]
    assert [(c["pk"], sorted(c["changes"])) for c in report.changed] == [
        (world["edited"].pk, ["confidence", "source", "treatment"])
    ]
    assert [u["row"] for u in report.unchanged] == [2]
    assert [r["pk"] for r in report.removed] == [world["gone"].pk]
    assert batch is not None
    assert sorted(p.action for p in batch.proposals.all()) == ["create", "update"]
    # Nothing public changed yet.
    world["edited"].refresh_from_db()
    assert world["edited"].treatment == ""
    assert not MarketAccess.objects.filter(product=world["flax"]).exists()

    # Before publication, the same file again proposes nothing new.
    again, none = _apply(_clean(world), people["inspector"])
    assert none is None
    assert len(again.already_proposed) == 2

    deciding.batch_publish(batch=batch, by=people["senior_inspector"])
    world["edited"].refresh_from_db()
    assert world["edited"].treatment == "heat treatment"
    assert world["edited"].source == "GACC list (test)"
    added = MarketAccess.objects.get(product=world["flax"])
    assert (added.source, added.confidence) == ("GACC list (test)", "medium")

    # After publication, the same file proposes nothing.
    third, nothing = _apply(_clean(world), people["inspector"])
    assert nothing is None
    assert third.differences == 0


def test_a_batch_is_published_as_a_whole_or_not_at_all(world, people):
    _report, batch = _apply(_clean(world), people["inspector"])
    # Someone changes one of the records meanwhile: the batch is stale and applies nothing.
    MarketAccess.objects.filter(pk=world["edited"].pk).update(conditions="changed meanwhile")
    with pytest.raises(DomainError) as err:
        deciding.batch_publish(batch=batch, by=people["senior_inspector"])
    assert err.value.code == "stale"
    assert not MarketAccess.objects.filter(product=world["flax"]).exists()
    with pytest.raises(DomainError) as err:
        deciding.batch_publish(batch=batch, by=people["inspector"])
    assert err.value.code in {"not_allowed", "self_approval"}


def test_xlsx_registrations_and_provenance_required(world, people):
    RegistrationRegimeFactory()
    existing = EstablishmentRegistrationFactory(country=world["kz"], name="Old name")
    book = Workbook()
    sheet = book.active
    sheet.append(["registration_number", "name", "country", "products", "status", "regime"])
    sheet.append(
        [existing.registration_number, "New name", "KZ", "maize", "registered", "decree-248"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    rows = imports.import_read(file_name="list.xlsx", content=buffer.getvalue())
    report = imports.import_dry_run(
        kind="registrations", rows=rows, source="GACC CIFER (test)", confidence="high"
    )
    assert report.ok
    (changed,) = report.changed
    assert changed["changes"]["name"] == ["Old name", "New name"]
    assert changed["changes"]["products"] == [[], [world["kept"].product_id]]
    with pytest.raises(DomainError) as err:
        imports.import_dry_run(kind="registrations", rows=rows, source=" ", confidence="high")
    assert err.value.code == "source_required"


def test_traders_do_not_import(world, people):
    with pytest.raises(DomainError) as err:
        _apply(_clean(world), people["trader"])
    assert err.value.code == "not_allowed"


def test_the_command_dry_run_and_apply(world, people, tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_bytes(_clean(world))
    args = ["--kind", "access", "--source", "GACC list (test)", "--confidence", "medium"]
    call_command("import_list", str(path), *args, "--dry-run")
    out = capsys.readouterr().out
    assert "added 1, changed 1, unchanged 1" in out
    assert "treatment: '' -> 'heat treatment'" in out
    assert not ProposalBatch.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_list", str(path), *args)  # no --as
    call_command("import_list", str(path), *args, "--as", people["inspector"].username)
    assert ProposalBatch.objects.count() == 1
    with pytest.raises(CommandError):
        call_command(
            "import_list", str(path), "--kind", "access", "--source", "x", "--confidence", "sure"
        )


def test_a_run_records_its_progress_and_runs_once(world, people):
    from accessions.models import ImportRun

    run = ImportRun.objects.create(
        kind="access",
        file_name="list.csv",
        content=_clean(world),
        source="GACC list (test)",
        confidence="medium",
        propose=True,
        author=people["inspector"],
    )
    done = import_runs.import_run_execute(run_id=run.pk)
    assert done is not None
    assert (done.state, done.rows_done, done.rows_total) == ("done", 3, 3)
    assert done.batch is not None and bytes(done.content) == b""
    assert import_runs.import_run_execute(run_id=run.pk) is None  # a second delivery does nothing
    assert ProposalBatch.objects.count() == 1


def test_a_registration_suspended_by_import_carries_its_date(world, people):
    RegistrationRegimeFactory()
    existing = EstablishmentRegistrationFactory(country=world["kz"])
    header = "registration_number,name,country,products,status,stopped_on,regime\n"
    row = f"{existing.registration_number},{existing.name},KZ,,suspended,{{day}},decree-248\n"
    undated = imports.import_read(file_name="r.csv", content=(header + row.format(day="")).encode())
    report = imports.import_dry_run(
        kind="registrations", rows=undated, source="GACC CIFER (test)", confidence="high"
    )
    assert not report.ok  # a suspension needs the day it takes effect
    dated = imports.import_read(
        file_name="r.csv", content=(header + row.format(day="2026-03-01")).encode()
    )
    report = imports.import_dry_run(
        kind="registrations", rows=dated, source="GACC CIFER (test)", confidence="high"
    )
    assert report.ok
    (changed,) = report.changed
    assert changed["changes"]["stopped_on"][1] == "2026-03-01"
