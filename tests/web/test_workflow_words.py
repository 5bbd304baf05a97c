"""The workflow says what happened (issue 25, item 3): an author publishing their own proposal is
told why it is refused; withdrawing is "withdrawn", by its author, with no reviewer; rows stored
as author-"rejections" before are withdrawn with no reviewer after the migration."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accessions.models import MarketAccess, Proposal, ProposalBatch, ProposalState
from accessions.services import deciding, proposing
from accounts.services import account_create
from registry.errors import DomainError
from tests.factories import MarketAccessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return {
        role: account_create(
            username=f"ww-{role}", email=f"ww-{role}@example.org", password="pw-words-1", role=role
        )
        for role in ("inspector", "senior_inspector")
    }


def _client(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _proposal(by):
    return proposing.proposal_create(
        model=MarketAccess,
        action="update",
        by=by,
        target=MarketAccessFactory(treatment="none"),
        values={"treatment": "fumigation"},
    )


@pytest.mark.parametrize("role", ["inspector", "senior_inspector"])
def test_publishing_ones_own_proposal_says_why_it_is_refused(people, role):
    proposal = _proposal(people[role])
    response = _client(people[role]).post(
        reverse("proposal-decide", args=[proposal.pk]), {"decision": "publish"}, follow=True
    )
    page = response.content.decode()
    assert "This page is for inspectors" not in page
    assert "You proposed this; a senior inspector other than you publishes it." in page
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PENDING


def test_the_refusal_is_in_the_pages_language(people):
    proposal = _proposal(people["inspector"])
    with translation.override("ru"):
        expected = translation.gettext(
            "You proposed this; a senior inspector other than you publishes it."
        )
    assert expected != "You proposed this; a senior inspector other than you publishes it."
    page = (
        _client(people["inspector"], "ru")
        .post(reverse("proposal-decide", args=[proposal.pk]), {"decision": "publish"}, follow=True)
        .content.decode()
    )
    assert expected in page


def test_an_inspector_publishing_someone_elses_proposal_is_told_the_rule(people):
    proposal = _proposal(people["senior_inspector"])
    response = _client(people["inspector"]).post(
        reverse("proposal-decide", args=[proposal.pk]), {"decision": "publish"}
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only senior inspectors publish proposals." in page
    assert "This page is for inspectors" not in page


def test_withdrawing_reads_withdrawn_by_its_author_with_no_reviewer(people):
    proposal = _proposal(people["inspector"])
    client = _client(people["inspector"])
    detail = client.get(reverse("proposal-detail", args=[proposal.pk])).content.decode()
    assert 'value="withdraw"' in detail and 'value="reject"' not in detail
    response = client.post(
        reverse("proposal-decide", args=[proposal.pk]),
        {"decision": "withdraw", "comment": "wrong pair"},
        follow=True,
    )
    page = response.content.decode()
    assert "rejected" not in page.lower()
    assert "You withdrew the proposal." in page
    assert "by its author, ww-inspector" in page
    assert "Reviewer" not in page
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reviewer_id) == (ProposalState.WITHDRAWN, None)


def test_a_reviewer_may_not_withdraw_and_an_author_may_not_reject(people):
    proposal = _proposal(people["senior_inspector"])
    with pytest.raises(DomainError) as err:
        deciding.proposal_reject(proposal=proposal, by=people["senior_inspector"], comment="x")
    assert err.value.code == "own_proposal"
    with pytest.raises(DomainError) as err:
        deciding.proposal_withdraw(proposal=proposal, by=people["inspector"])
    assert err.value.code == "not_allowed"
    deciding.proposal_withdraw(proposal=proposal, by=people["senior_inspector"])
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reviewer_id) == ("withdrawn", None)


def test_a_reviewers_rejection_still_names_the_reviewer(people):
    proposal = _proposal(people["inspector"])
    deciding.proposal_reject(proposal=proposal, by=people["senior_inspector"], comment="no source")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reviewer) == ("rejected", people["senior_inspector"])


def test_the_migration_makes_old_self_rejections_withdrawn(people):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accessions.migrations.0021_proposal_withdrawn")
    own = _proposal(people["inspector"])
    reviewed = _proposal(people["inspector"])
    batch = ProposalBatch.objects.create(
        kind="access",
        file_name="x.csv",
        file_sha256="0" * 64,
        source="s",
        confidence="high",
        author=people["inspector"],
    )
    Proposal.objects.filter(pk=own.pk).update(state="rejected", reviewer=people["inspector"])
    Proposal.objects.filter(pk=reviewed.pk).update(
        state="rejected", reviewer=people["senior_inspector"]
    )
    ProposalBatch.objects.filter(pk=batch.pk).update(state="rejected", reviewer=people["inspector"])
    migration._withdrawals_were_never_rejections(apps, None)
    own.refresh_from_db()
    reviewed.refresh_from_db()
    batch.refresh_from_db()
    assert (own.state, own.reviewer_id) == ("withdrawn", None)
    assert (reviewed.state, reviewed.reviewer) == ("rejected", people["senior_inspector"])
    assert (batch.state, batch.reviewer_id) == ("withdrawn", None)
