"""Issue 21 on the pages: the review of a proposal (and of an import) shows the record's public
note beside a change to a legal state or a date and asks the reviewer to confirm or rewrite it;
the access page and the API show the day a note was written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accessions.models import MarketAccess, ProposalBatch
from accessions.services import proposing
from accounts.services import account_create
from tests.factories import MarketAccessFactory

pytestmark = pytest.mark.django_db

NOTE = "Access is not recorded as in force until the announcement is seen."
WRITTEN = dt.date(2024, 1, 5)


@pytest.fixture
def people(db):
    return {
        role: account_create(
            username=f"wn-{role}", email=f"wn-{role}@example.org", password="pw-notes-1", role=role
        )
        for role in ("inspector", "senior_inspector")
    }


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _propose(access, by, batch=None, **values):
    return proposing.proposal_create(
        model=MarketAccess, action="update", by=by, target=access, values=values, batch=batch
    )


def test_the_review_page_shows_the_note_beside_a_date_change(people):
    access = MarketAccessFactory(public_note=NOTE, public_note_written_on=WRITTEN)
    proposal = _propose(access, people["inspector"], valid_from="2026-12-07")
    page = (
        _client(people["senior_inspector"])
        .get(reverse("proposal-detail", args=[proposal.pk]))
        .content.decode()
    )
    assert NOTE in page
    assert "2024-01-05" in page
    assert 'name="note_confirmed"' in page
    assert f'name="public_note" rows="3" form="decide-form">{NOTE}</textarea>' in page

    undated = MarketAccessFactory(public_note=NOTE)
    other = _propose(undated, people["inspector"], status="suspended")
    page = (
        _client(people["senior_inspector"])
        .get(reverse("proposal-detail", args=[other.pk]))
        .content.decode()
    )
    assert NOTE in page and "date not recorded" in page

    # A change that touches no state or date asks nothing of the note.
    plain = _propose(access, people["inspector"], treatment="fumigation")
    page = (
        _client(people["senior_inspector"])
        .get(reverse("proposal-detail", args=[plain.pk]))
        .content.decode()
    )
    assert 'name="note_confirmed"' not in page and 'class="note-review"' not in page


def test_publishing_from_the_page_needs_the_tick_or_a_new_note(people):
    access = MarketAccessFactory(public_note=NOTE, public_note_written_on=WRITTEN)
    proposal = _propose(access, people["inspector"], valid_from="2026-12-07")
    client = _client(people["senior_inspector"])
    url = reverse("proposal-decide", args=[proposal.pk])

    page = client.post(url, {"decision": "publish", "public_note": NOTE}, follow=True)
    assert "confirm that the record&#x27;s public note still holds" in page.content.decode()
    access.refresh_from_db()
    assert access.valid_from == dt.date(2023, 6, 13)

    client.post(url, {"decision": "publish", "public_note": "From 7 December 2026."})
    access.refresh_from_db()
    assert access.valid_from == dt.date(2026, 12, 7)
    assert (access.public_note, access.public_note_written_on) == (
        "From 7 December 2026.",
        timezone.localdate(),
    )


def test_the_import_page_asks_for_each_note_and_publishes_with_them(people):
    access = MarketAccessFactory(public_note=NOTE, public_note_written_on=WRITTEN)
    batch = ProposalBatch.objects.create(
        kind="access",
        file_name="list.csv",
        source="GACC list",
        confidence="high",
        author=people["inspector"],
    )
    proposal = _propose(access, people["inspector"], batch=batch, status="suspended")
    client = _client(people["senior_inspector"])
    page = client.get(reverse("batch-detail", args=[batch.pk])).content.decode()
    assert NOTE in page and "2024-01-05" in page
    assert f'name="note_confirmed_{proposal.pk}"' in page

    client.post(reverse("batch-decide", args=[batch.pk]), {"decision": "publish"})
    access.refresh_from_db()
    assert access.status == "in_force"

    client.post(
        reverse("batch-decide", args=[batch.pk]),
        {"decision": "publish", f"note_confirmed_{proposal.pk}": "1"},
    )
    access.refresh_from_db()
    assert access.status == "suspended"
    assert (access.public_note, access.public_note_written_on) == (NOTE, WRITTEN)


def test_the_access_page_and_the_api_show_the_day_the_note_was_written(client):
    dated = MarketAccessFactory(public_note=NOTE, public_note_written_on=WRITTEN)
    undated = MarketAccessFactory(public_note="Another note.")
    page = client.get(reverse("access-detail", args=[dated.pk])).content.decode()
    assert NOTE in page and "written on" in page and "2024-01-05" in page
    page = client.get(reverse("access-detail", args=[undated.pk])).content.decode()
    assert "Another note." in page and "written on" not in page

    detail = client.get(f"/api/v1/access/{dated.pk}/").json()
    assert detail["public_note_written_on"] == "2024-01-05"
    listed = {row["id"]: row for row in client.get("/api/v1/access/").json()["results"]}
    assert listed[dated.pk]["public_note_written_on"] == "2024-01-05"
    assert listed[undated.pk]["public_note_written_on"] is None
