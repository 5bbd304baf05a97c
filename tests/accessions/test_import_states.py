"""The access list's `states` column: the export writes the series in one cell, the import reads
the same format back (accessions.states_text), proposes the suspensions, restorations,
revocations and ends an entry does not have yet in the same batch, never deletes a state the cell
leaves out, and refuses a malformed cell naming the column and the bad part."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from accessions.models import AccessState, MarketAccess, Proposal, ProposalBatch
from accessions.services import deciding, imports
from accessions.states_text import states_parse, states_text
from accounts.services import account_create
from registry.errors import DomainError
from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory

pytestmark = pytest.mark.django_db

SERIES = "in_force 2023-06-13; suspended 2024-01-01; restored 2024-06-01 (zone A, zone B)"


@pytest.fixture
def people(db):
    return {
        role: account_create(
            username=f"s-{role}", email=f"{role}@example.org", password="pw-states-1", role=role
        )
        for role in ("inspector", "senior_inspector")
    }


@pytest.fixture
def world(db):
    kz = CountryFactory(iso2="KZ", iso3="KAZ", name_en="Kazakhstan")
    wheat, maize, flax = (ProductFactory(slug=s) for s in ("wheat", "maize", "flaxseed"))
    return {
        "kz": kz,
        "wheat": MarketAccessFactory(product=wheat, country=kz, treatment=""),
        "maize": MarketAccessFactory(product=maize, country=kz, treatment=""),
        "flax": flax,
    }


def _apply(content: str, by):
    return imports.import_apply(
        kind="access",
        file_name="list.csv",
        content=content.encode(),
        source="GACC list (test)",
        confidence="medium",
        by=by,
    )


def _dry_run(content: str):
    rows = imports.import_read(file_name="list.csv", content=content.encode())
    return imports.import_dry_run(
        kind="access", rows=rows, source="GACC list (test)", confidence="medium"
    )


def _state_proposals() -> list[Proposal]:
    return list(Proposal.objects.filter(content_type__model="accessstate").order_by("id"))


# --- The cell's text: one writer, one reader -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "negotiating",
        "protocol_signed 2020-01-01",
        SERIES,
        "suspended 2022-01-01 (north (Akmola); south; =B)",
        "in_force; ended 2027-01-02",
    ],
)
def test_the_cell_reads_back_as_written(text):
    assert states_text(states_parse(text)) == text


def test_the_series_writes_and_reads_back():
    states = [
        {"kind": "in_force", "starts_on": None, "limited_to": ""},
        {"kind": "suspended", "starts_on": dt.date(2024, 1, 1), "limited_to": "zone A; zone B"},
        {"kind": "revoked", "starts_on": dt.date(2025, 2, 28), "limited_to": ""},
    ]
    assert states_parse(states_text(states)) == states


@pytest.mark.parametrize(
    ("cell", "part"),
    [
        ("in_force 2023-06-13; paused 2024-01-01", "paused"),
        ("suspended 2024-13-01", "2024-13-01"),
        ("suspended 1 May 2024", "suspended 1 May 2024"),
        ("suspended 2024-01-01 (zone A", "(zone A"),
        ("suspended 2024-01-01 zone A)", "zone A)"),
        ("suspended 2024-01-01 (zone A) and more", "and more"),
    ],
)
def test_a_malformed_cell_names_the_bad_part(cell, part):
    with pytest.raises(ValueError) as err:
        states_parse(cell)
    assert part in str(err.value)


# --- The import ----------------------------------------------------------------------------------


def test_new_states_are_proposed_in_the_batch_with_the_rows_provenance(world, people):
    content = (
        "product,country,states,source,confidence\n"
        f'wheat,KZ,"{SERIES}",GACC notice 2024 No.1,high\n'
        "maize,KZ,in_force 2023-06-13; revoked 2025-03-01,,\n"
    )
    report, batch = _apply(content, people["inspector"])
    assert [(i["row"], i["text"]) for i in report.states_added] == [
        (2, "suspended 2024-01-01; restored 2024-06-01 (zone A, zone B)"),
        (3, "revoked 2025-03-01"),
    ]
    assert report.unchanged and not report.changed  # the entries themselves are as they were
    assert batch is not None
    assert [p.action for p in _state_proposals()] == ["create", "create", "create"]
    assert not AccessState.objects.filter(kind__in=["suspended", "restored", "revoked"]).exists()

    # Before publication, the same file proposes nothing new.
    again, none = _apply(content, people["inspector"])
    assert none is None and not again.states_added
    assert len([i for i in again.already_proposed if "states" in i]) == 2

    deciding.batch_publish(batch=batch, by=people["senior_inspector"])
    wheat = {
        s.kind: s
        for s in AccessState.objects.filter(market_access=world["wheat"], origin="recorded")
    }
    assert wheat["restored"].limited_to == "zone A, zone B"
    assert (wheat["suspended"].source, wheat["suspended"].confidence) == (
        "GACC notice 2024 No.1",
        "high",
    )
    revoked = AccessState.objects.get(market_access=world["maize"], kind="revoked")
    assert (revoked.source, revoked.confidence) == ("GACC list (test)", "medium")
    assert revoked.starts_on == dt.date(2025, 3, 1)

    # After publication, the same file proposes nothing.
    third, nothing = _apply(content, people["inspector"])
    assert nothing is None and third.differences == 0 and not third.states_added


def test_a_row_that_changes_its_entry_and_adds_a_state_publishes_as_a_whole(world, people):
    content = (
        "product,country,treatment,states\n"
        "wheat,KZ,heat treatment,in_force 2023-06-13; suspended 2024-01-01\n"
    )
    report, batch = _apply(content, people["inspector"])
    assert [c["pk"] for c in report.changed] == [world["wheat"].pk]
    assert batch is not None
    # The new state refreshes the entry's kept status: applied before the entry's own update,
    # it would make that update stale.
    deciding.batch_publish(batch=batch, by=people["senior_inspector"])
    world["wheat"].refresh_from_db()
    assert world["wheat"].treatment == "heat treatment"
    assert world["wheat"].status == "suspended"
    assert AccessState.objects.filter(market_access=world["wheat"], kind="suspended").exists()


def test_bad_cells_are_row_errors_naming_the_column_and_nothing_changes(world, people):
    content = (
        "product,country,status,states\n"
        "wheat,KZ,in_force,in_force 2023-06-13; paused 2024-01-01\n"  # row 2: unknown kind
        "maize,KZ,in_force,in_force 2023-06-13; suspended 2024-02-30\n"  # row 3: bad date
        "flaxseed,KZ,in_force,suspended 2024-01-01 (zone A\n"  # row 4: parenthesis
        "wheat,XX,in_force,\n"  # row 5: an unknown country, as before
    )
    before = (Proposal.objects.count(), AccessState.objects.count(), MarketAccess.objects.count())
    with pytest.raises(DomainError) as err:
        _apply(content, people["inspector"])
    reasons = {e["row"]: e["reason"] for e in err.value.extra["errors"]}
    columns = {e["row"]: e["column"] for e in err.value.extra["errors"]}
    assert sorted(reasons) == [2, 3, 4, 5]
    assert columns[2] == "states" and "paused" in reasons[2]
    assert columns[3] == "states" and "2024-02-30" in reasons[3]
    assert columns[4] == "states" and "(zone A" in reasons[4]
    assert columns[5] == "country" and "XX" in reasons[5]
    after = (Proposal.objects.count(), AccessState.objects.count(), MarketAccess.objects.count())
    assert after == before
    assert not ProposalBatch.objects.exists()


def test_a_state_the_entrys_columns_contradict_is_a_row_error(world):
    report = _dry_run("product,country,states\nwheat,KZ,in_force 2020-01-01\n")
    (error,) = report.errors
    assert error["column"] == "states" and "in_force 2020-01-01" in error["reason"]


def test_states_of_an_entry_the_file_adds_are_refused_with_a_reason(world):
    content = (
        "product,country,status,instrument_kind,valid_from,valid_from_precision,states\n"
        # The entry's own start stands for its first state: no recorded state, nothing refused.
        "flaxseed,KZ,in_force,announcement,2024-05-01,exact,in_force 2024-05-01\n"
    )
    report = _dry_run(content)
    assert report.ok and len(report.added) == 1 and not report.states_added
    report = _dry_run(content.replace("in_force 2024-05-01\n", "in_force 2024-05-01; ") + "\n")
    assert report.ok
    refused = _dry_run(content.rstrip("\n") + "; suspended 2024-09-01\n")
    (error,) = refused.errors
    assert error["row"] == 2 and error["column"] == "states"
    assert "suspended 2024-09-01" in error["reason"] and "import the entry first" in error["reason"]


def test_a_state_the_cell_leaves_out_is_noted_never_deleted(world, people):
    entry = MarketAccessFactory(
        product=ProductFactory(slug="barley"),
        country=world["kz"],
        states=[{"kind": "suspended", "starts_on": dt.date(2024, 1, 1)}],
    )
    content = "product,country,states\nbarley,KZ,in_force 2023-06-13; restored 2024-06-01\n"
    report, batch = _apply(content, people["inspector"])
    assert report.ok
    assert [(n["row"], n["reason"]) for n in report.notes] == [
        (
            2,
            "“suspended 2024-01-01” is in the registry but not in the cell: an import never "
            "deletes a state",
        )
    ]
    assert batch is not None
    deciding.batch_publish(batch=batch, by=people["senior_inspector"])
    kinds = set(AccessState.objects.filter(market_access=entry).values_list("kind", flat=True))
    assert kinds == {"in_force", "suspended", "restored"}


def test_an_exported_list_re_imported_proposes_no_states(client, world, people):
    MarketAccessFactory(
        product=ProductFactory(slug="barley"),
        country=world["kz"],
        valid_until=dt.date(2027, 1, 1),
        states=[
            {"kind": "suspended", "starts_on": dt.date(2024, 1, 1)},
            {"kind": "restored", "starts_on": dt.date(2024, 6, 1), "limited_to": "zone A, =B"},
        ],
    )
    response = client.get("/api/v1/access/?format=csv")
    content = b"".join(response.streaming_content)
    assert b"suspended 2024-01-01; restored 2024-06-01 (zone A, =B); ended 2027-01-02" in content
    report, batch = imports.import_apply(
        kind="access",
        file_name="access.csv",
        content=content,
        source="GACC list (test)",
        confidence="medium",
        by=people["inspector"],
    )
    assert report.ok and report.rows == 3
    assert not report.states_added and not report.notes
    assert batch is None
    assert not _state_proposals()


def test_the_report_lists_the_new_states_in_words(world, people):
    _report, batch = _apply(f'product,country,states\nwheat,KZ,"{SERIES}"\n', people["inspector"])
    assert batch is not None
    client = Client()
    client.force_login(people["senior_inspector"])
    page = client.get(reverse("batch-detail", args=[batch.pk])).content.decode()
    section = page.split("Legal states added")[1]
    assert "Suspended from 2024-01-01" in section
    assert "Restored from 2024-06-01, only for zone A, zone B" in section
