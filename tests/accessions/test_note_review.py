"""Issue 21, "Notes cannot silently go stale": a proposal that changes a legal state or a date is
published only once the reviewer confirms the record's public note or writes a new one, and
every service that writes a public note dates it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accessions.models import AccessState, MarketAccess, ProposalBatch, ProposalState, StateKind
from accessions.seeding import seeds_load
from accessions.services import deciding, note_review, proposing, records
from accessions.services.market_access import market_access_create, market_access_save
from accounts.services import account_create
from registry.errors import DomainError
from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory

pytestmark = pytest.mark.django_db

NOTE = "The date from which access applies is unknown."
WRITTEN = dt.date(2024, 1, 5)


@pytest.fixture
def people(db):
    return {
        role: account_create(
            username=f"n-{role}", email=f"n-{role}@example.org", password="pw-notes-1", role=role
        )
        for role in ("inspector", "senior_inspector", "administrator")
    }


@pytest.fixture
def access(db):
    return MarketAccessFactory(
        valid_from=None, valid_from_precision="", public_note=NOTE, public_note_written_on=WRITTEN
    )


def _propose(access, by, **values):
    return proposing.proposal_create(
        model=MarketAccess, action="update", by=by, target=access, values=values
    )


def test_a_date_change_without_the_note_confirmed_is_refused_and_changes_nothing(access, people):
    proposal = _propose(access, people["inspector"], valid_from="2026-12-07")
    with pytest.raises(DomainError) as err:
        deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"])
    assert err.value.code == "public_note_unconfirmed"
    assert err.value.extra == {"proposals": [proposal.pk]}
    access.refresh_from_db()
    assert (access.valid_from, access.public_note, access.public_note_written_on) == (
        None,
        NOTE,
        WRITTEN,
    )
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PENDING


@pytest.mark.parametrize(
    "values",
    [
        {"valid_from": "2026-12-07"},
        {"status": "suspended"},
        {"valid_until": "2030-01-01"},
        {"instrument_ref": "GACC 2026 No.1"},
    ],
)
def test_every_state_or_date_field_asks_for_the_note(access, people, values):
    proposal = _propose(access, people["inspector"], **values)
    review = note_review.note_reviews([proposal])[proposal.pk]
    assert (review.note, review.written_on, review.fields) == (NOTE, WRITTEN, tuple(values))
    with pytest.raises(DomainError) as err:
        deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"])
    assert err.value.code == "public_note_unconfirmed"


def test_with_the_note_confirmed_it_publishes_and_the_note_keeps_its_date(access, people):
    proposal = _propose(access, people["inspector"], valid_from="2026-12-07")
    deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"], note_confirmed=True)
    access.refresh_from_db()
    assert access.valid_from == dt.date(2026, 12, 7)
    assert (access.public_note, access.public_note_written_on) == (NOTE, WRITTEN)


def test_with_a_new_note_it_publishes_the_change_and_the_note_dated_today(access, people):
    proposal = _propose(access, people["inspector"], valid_from="2026-12-07")
    deciding.proposal_publish(
        proposal=proposal,
        by=people["senior_inspector"],
        public_note="Access applies from 7 December 2026.\r\n",
    )
    access.refresh_from_db()
    assert access.valid_from == dt.date(2026, 12, 7)
    assert access.public_note == "Access applies from 7 December 2026."
    assert access.public_note_written_on == timezone.localdate()
    # The entry's start in its series carries the same note and date.
    start = AccessState.objects.get(market_access=access, kind=StateKind.IN_FORCE)
    assert (start.public_note, start.note_written_on) == (
        access.public_note,
        timezone.localdate(),
    )


def test_the_unchanged_note_in_the_form_is_no_confirmation(access, people):
    proposal = _propose(access, people["inspector"], valid_from="2026-12-07")
    with pytest.raises(DomainError) as err:
        deciding.proposal_publish(
            proposal=proposal, by=people["senior_inspector"], public_note=NOTE + "\r\n"
        )
    assert err.value.code == "public_note_unconfirmed"


def test_a_treatment_change_needs_no_confirmation(access, people):
    proposal = _propose(access, people["inspector"], treatment="fumigation")
    assert note_review.note_reviews([proposal]) == {}
    deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"])
    access.refresh_from_db()
    assert access.treatment == "fumigation"
    assert access.public_note_written_on == WRITTEN
    with pytest.raises(DomainError) as err:  # nor does it take a new note
        deciding.proposal_publish(
            proposal=_propose(access, people["inspector"], treatment="heat"),
            by=people["senior_inspector"],
            public_note="Other words.",
        )
    assert err.value.code == "public_note_not_reviewed"


def test_a_record_without_a_public_note_has_nothing_to_confirm(people):
    access = MarketAccessFactory(public_note="")
    proposal = _propose(access, people["inspector"], valid_from="2023-07-01")
    review = note_review.note_reviews([proposal])[proposal.pk]
    assert not review.required
    deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"])
    access.refresh_from_db()
    assert access.valid_from == dt.date(2023, 7, 1)
    assert access.public_note_written_on is None


def _batch(people, *records_values):
    batch = ProposalBatch.objects.create(
        kind="access",
        file_name="list.csv",
        source="GACC list",
        confidence="high",
        author=people["inspector"],
    )
    made = [
        proposing.proposal_create(
            model=MarketAccess,
            action="update",
            by=people["inspector"],
            target=record,
            values=values,
            batch=batch,
        )
        for record, values in records_values
    ]
    return batch, made


def test_an_import_is_published_only_with_every_note_reviewed(access, people):
    other = MarketAccessFactory(public_note="Only listed zones.", public_note_written_on=WRITTEN)
    plain = MarketAccessFactory()
    batch, (first, second, third) = _batch(
        people,
        (access, {"valid_from": "2026-12-07"}),
        (other, {"status": "suspended"}),
        (plain, {"treatment": "fumigation"}),
    )
    with pytest.raises(DomainError) as err:
        deciding.batch_publish(batch=batch, by=people["senior_inspector"], notes={first.pk: None})
    assert err.value.code == "public_note_unconfirmed"
    assert err.value.extra == {"proposals": [second.pk]}
    access.refresh_from_db()
    plain.refresh_from_db()
    assert (access.valid_from, plain.treatment) == (None, "")

    deciding.batch_publish(
        batch=batch,
        by=people["senior_inspector"],
        notes={first.pk: None, second.pk: "Suspended: see the announcement."},
    )
    access.refresh_from_db()
    other.refresh_from_db()
    plain.refresh_from_db()
    assert (access.valid_from, access.public_note_written_on) == (dt.date(2026, 12, 7), WRITTEN)
    assert (other.status, other.public_note) == ("suspended", "Suspended: see the announcement.")
    assert other.public_note_written_on == timezone.localdate()
    assert plain.treatment == "fumigation"


def test_the_services_that_write_a_note_date_it(people):
    access = market_access_create(
        product=ProductFactory(),
        country=CountryFactory(),
        status="in_force",
        instrument_kind="announcement",
        valid_from=dt.date(2023, 6, 13),
        source="GACC",
        confidence="high",
        public_note="In force since the announcement.",
    )
    assert access.public_note_written_on == timezone.localdate()

    MarketAccess.objects.filter(pk=access.pk).update(public_note_written_on=WRITTEN)
    access.refresh_from_db()
    access.treatment = "fumigation"
    market_access_save(access=access)
    assert access.public_note_written_on == WRITTEN  # the note did not change

    access.public_note = "New words."
    market_access_save(access=access)
    access.refresh_from_db()
    assert access.public_note_written_on == timezone.localdate()

    access.public_note = ""
    market_access_save(access=access)
    access.refresh_from_db()
    assert access.public_note_written_on is None


def test_a_state_edited_directly_dates_its_new_note(people):
    access = MarketAccessFactory()
    state = AccessState.objects.get(market_access=access, kind=StateKind.IN_FORCE)
    state.public_note = "Access holds for the whole country."
    records.record_direct_write(obj=state, by=people["administrator"])
    state.refresh_from_db()
    assert state.note_written_on == timezone.localdate()


def test_the_seeds_date_the_notes_they_write_and_keep_the_date_of_the_others():
    seeds_load()
    noted = MarketAccess.objects.exclude(public_note="").order_by("pk")
    assert noted.count() >= 2
    assert {a.public_note_written_on for a in noted} == {timezone.localdate()}
    kept, edited = noted[0], noted[1]
    MarketAccess.objects.filter(pk=kept.pk).update(public_note_written_on=WRITTEN)
    MarketAccess.objects.filter(pk=edited.pk).update(
        public_note="An older note.", public_note_written_on=WRITTEN
    )

    seeds_load()
    kept.refresh_from_db()
    edited.refresh_from_db()
    assert kept.public_note_written_on == WRITTEN
    assert edited.public_note_written_on == timezone.localdate()
