"""Proposals (maker-checker): nothing changes until another reviewer publishes; self-approval is
refused by the service; a stale proposal is never applied; publishing equals the direct write."""

from __future__ import annotations

import datetime as dt

import pghistory.models
import pytest
from django.core import mail

from accessions.models import MarketAccess, OutboxEvent, Proposal, ProposalState
from accessions.services import deciding, proposing, records
from accessions.services.market_access import market_access_state_record
from accounts.services import account_create
from registry.errors import DomainError
from registry.history import event_data
from tests.factories import (
    CountryFactory,
    EstablishmentRegistrationFactory,
    MarketAccessFactory,
    PortFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return {
        role: account_create(
            username=f"p-{role}", email=f"{role}@example.org", password="pw-proposal-1", role=role
        )
        for role in ("trader", "inspector", "senior_inspector", "administrator")
    } | {
        "senior2": account_create(
            username="p-senior2",
            email="senior2@example.org",
            password="pw-proposal-1",
            role="senior_inspector",
        )
    }


def _propose_status(access, by, status="suspended"):
    return proposing.proposal_create(
        model=MarketAccess,
        action="update",
        by=by,
        target=access,
        values={"status": status},
        comment="per announcement",
    )


def test_a_proposal_changes_nothing_until_published(people):
    access = MarketAccessFactory()
    events = OutboxEvent.objects.count()
    proposal = _propose_status(access, people["inspector"])
    access.refresh_from_db()
    assert access.status == "in_force"
    assert OutboxEvent.objects.count() == events
    assert proposal.changes == {"status": ["in_force", "suspended"]}
    assert proposal.state == ProposalState.PENDING

    deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"], comment="ok")
    access.refresh_from_db()
    assert access.status == "suspended"
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reviewer) == ("published", people["senior_inspector"])


def test_self_approval_is_refused_by_the_service(people):
    proposal = _propose_status(MarketAccessFactory(), people["senior_inspector"])
    with pytest.raises(DomainError) as err:
        deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"])
    assert err.value.code == "self_approval"
    proposal.refresh_from_db()
    assert proposal.state == "pending"


@pytest.mark.parametrize("role", ["trader", "inspector"])
def test_only_reviewers_publish(people, role):
    proposal = _propose_status(MarketAccessFactory(), people["senior2"])
    with pytest.raises(DomainError) as err:
        deciding.proposal_publish(proposal=proposal, by=people[role])
    assert err.value.code == "not_allowed"


def test_traders_do_not_propose(people):
    with pytest.raises(DomainError) as err:
        _propose_status(MarketAccessFactory(), people["trader"])
    assert err.value.code == "not_allowed"


def test_an_invalid_proposal_is_refused_when_made(people):
    access = MarketAccessFactory()
    with pytest.raises(DomainError) as err:
        proposing.proposal_create(
            model=MarketAccess,
            action="update",
            by=people["inspector"],
            target=access,
            values={"valid_until": "2001-01-01"},  # before valid_from
        )
    assert err.value.code == "invalid_record"
    assert not Proposal.objects.exists()


def test_a_stale_proposal_is_never_applied_and_shows_three_versions(people):
    access = MarketAccessFactory(treatment="none")
    proposal = proposing.proposal_create(
        model=MarketAccess,
        action="update",
        by=people["inspector"],
        target=access,
        values={"treatment": "fumigation"},
    )
    market_access_state_record(
        access=access,
        kind="suspended",
        starts_on=dt.date(2024, 1, 1),
        source="test",
        confidence="high",
    )
    assert proposing.proposal_is_stale(proposal)
    versions = {v["field"]: v for v in proposing.proposal_versions(proposal)}
    assert versions["treatment"] == {
        "field": "treatment",
        "base": "none",
        "proposed": "fumigation",
        "current": "none",
        "changed_since": False,
    }
    assert versions["status"]["base"] == "in_force"
    assert versions["status"]["current"] == "suspended"
    assert versions["status"]["changed_since"] is True

    with pytest.raises(DomainError) as err:
        deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"])
    assert err.value.code == "stale"
    access.refresh_from_db()
    assert (access.treatment, access.status) == ("none", "suspended")

    fresh = deciding.proposal_rebase(proposal=proposal, by=people["inspector"])
    proposal.refresh_from_db()
    assert (proposal.state, proposal.rebased_to) == ("rebased", fresh)
    assert fresh.base["status"] == "suspended"
    deciding.proposal_publish(proposal=fresh, by=people["senior_inspector"])
    access.refresh_from_db()
    assert (access.treatment, access.status) == ("fumigation", "suspended")


def test_creation_and_deletion_go_through_proposals(people):
    product, country = ProductFactory(), CountryFactory()
    port = PortFactory()
    create = proposing.proposal_create(
        model=MarketAccess,
        action="create",
        by=people["inspector"],
        values={
            "product": product.pk,
            "country": country.pk,
            "status": "negotiating",
            "instrument_kind": "reported",
            "source": "GACC list (test)",
            "confidence": "medium",
            "allowed_ports": [port.pk],
        },
    )
    assert not MarketAccess.objects.filter(product=product).exists()
    deciding.proposal_publish(proposal=create, by=people["senior_inspector"])
    access = MarketAccess.objects.get(product=product, country=country)
    assert list(access.allowed_ports.all()) == [port]
    create.refresh_from_db()
    assert create.object_id == str(access.pk)

    delete = proposing.proposal_create(
        model=MarketAccess, action="delete", by=people["inspector"], target=access
    )
    assert MarketAccess.objects.filter(pk=access.pk).exists()
    deciding.proposal_publish(proposal=delete, by=people["senior_inspector"])
    assert not MarketAccess.objects.filter(pk=access.pk).exists()


def test_rejection_needs_a_reason_and_applies_nothing(people):
    registration = EstablishmentRegistrationFactory()
    proposal = proposing.proposal_create(
        model=type(registration),
        action="update",
        by=people["inspector"],
        target=registration,
        values={"name": "Renamed"},
    )
    with pytest.raises(DomainError):
        deciding.proposal_reject(proposal=proposal, by=people["senior_inspector"], comment=" ")
    deciding.proposal_reject(proposal=proposal, by=people["senior_inspector"], comment="no source")
    registration.refresh_from_db()
    assert registration.name != "Renamed"
    with pytest.raises(DomainError) as err:
        deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"])
    assert err.value.code == "not_pending"


def test_reviewers_get_an_email_but_not_the_author(people, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _propose_status(MarketAccessFactory(), people["senior_inspector"])
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["administrator@example.org", "senior2@example.org"]
    assert "/proposals/" in mail.outbox[0].body


def _history(access):
    events = pghistory.models.Events.objects.tracks(access).order_by("pgh_created_at", "pgh_id")
    return [
        (e.pgh_label, {k: v for k, v in e.pgh_data.items() if k != "updated_at"}) for e in events
    ]


def _outbox(access):
    return [
        (e.kind, e.status_from, e.status_to, e.occurred_on)
        for e in OutboxEvent.objects.filter(market_access=access).order_by("id")
    ]


def _row(access):
    access.refresh_from_db()
    data = {k: v for k, v in event_data(access).items() if k not in ("id", "updated_at")}
    data["allowed_ports"] = sorted(access.allowed_ports.values_list("pk", flat=True))
    return data


def test_publishing_equals_the_direct_write(people):
    """Differential: the same edit, once proposed and published, once written directly by an
    administrator, gives the same row, the same history and the same outbox events."""
    port = PortFactory()
    pair = [MarketAccessFactory(treatment="none"), MarketAccessFactory(treatment="none")]
    # Make both alike but for their product and country, which the comparison leaves out.
    edit = {"status": "suspended", "treatment": "heat", "allowed_ports": [port.pk]}

    via_proposal, direct = pair
    proposal = proposing.proposal_create(
        model=MarketAccess,
        action="update",
        by=people["inspector"],
        target=via_proposal,
        values=edit,
    )
    deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"])

    obj = MarketAccess.objects.get(pk=direct.pk)
    obj.status, obj.treatment = "suspended", "heat"
    records.record_direct_write(
        obj=obj, by=people["administrator"], links={"allowed_ports": [port.pk]}
    )

    def same(access):
        row = _row(access)
        for key in ("product_id", "country_id", "instrument_ref"):
            row.pop(key)
        return row

    assert same(via_proposal) == same(direct)
    strip = ("id", "product_id", "country_id", "instrument_ref", "market_access_id")

    def history(access):
        return [
            (label, {k: v for k, v in data.items() if k not in strip})
            for label, data in _history(access)
        ]

    assert history(via_proposal) == history(direct)
    assert len(history(direct)) >= 2  # the insert, the update (and the port link)
    assert _outbox(via_proposal) == _outbox(direct)
    assert _outbox(direct)[-1][:3] == ("status_changed", "in_force", "suspended")

    # Both are recorded with who did it: the author and the reviewer, or the administrator.
    contexts = [
        e.pgh_context
        for e in pghistory.models.Events.objects.tracks(via_proposal)
        if e.pgh_label == "update"
    ]
    assert contexts[-1]["user"] == people["inspector"].pk
    assert contexts[-1]["reviewer"] == people["senior_inspector"].pk
    direct_ctx = [
        e.pgh_context
        for e in pghistory.models.Events.objects.tracks(direct)
        if e.pgh_label == "update"
    ]
    assert direct_ctx[-1]["user"] == people["administrator"].pk


def test_a_suspension_is_proposed_and_published_like_any_legal_record(people):
    """A recorded state is a record with legal effect: an inspector proposes it, a senior
    inspector publishes it, and only then does the entry answer "suspended" for dates in it."""
    from accessions.eligibility.check import check_eligibility
    from accessions.models import AccessState

    access = MarketAccessFactory(valid_from=dt.date(2020, 1, 1))

    def verdict():
        return check_eligibility(
            product=access.product.slug, country=access.country.iso2, on=dt.date(2023, 6, 1)
        ).verdict

    before = verdict()
    proposal = proposing.proposal_create(
        model=AccessState,
        action="create",
        by=people["inspector"],
        values={
            "market_access": access.pk,
            "kind": "suspended",
            "starts_on": "2022-03-01",
            "starts_on_precision": "exact",
            "instrument_ref": "GACC 2022 No.17",
            "source": "GACC announcement (test)",
            "confidence": "high",
        },
        comment="per announcement",
    )
    assert verdict() == before != "not_eligible"
    deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"], comment="ok")
    assert AccessState.objects.filter(market_access=access, kind="suspended").exists()
    assert verdict() == "not_eligible"
    access.refresh_from_db()
    assert access.status == "suspended"
