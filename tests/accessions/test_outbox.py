"""Events are written to the outbox in the same transaction as the change they describe."""

import datetime as dt

import pytest
from django.db import transaction

from accessions import outbox
from accessions.models import AccessStatus, MarketAccess, OutboxEvent
from accessions.services import market_access
from registry.errors import DomainError
from tests.factories import CountryFactory, MarketAccessFactory, ProductFactory


def test_status_change_writes_its_event_and_asks_for_dispatch_after_commit(
    db, django_capture_on_commit_callbacks
):
    access = MarketAccessFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        market_access.market_access_state_record(
            access=access,
            kind=AccessStatus.SUSPENDED,
            starts_on=dt.date(2026, 3, 1),
            reason="ban",
            source="test",
            confidence="high",
        )

    event = OutboxEvent.objects.get()
    assert (event.kind, event.status_from, event.status_to) == (
        "status_changed",
        "in_force",
        "suspended",
    )
    assert (event.market_access, event.country, event.product) == (
        access,
        access.country,
        access.product,
    )
    assert event.data == {"reason": "ban", "state": "suspended"}
    assert event.fanned_out_at is None
    assert callbacks == [outbox.dispatch_enqueue]


def test_rolled_back_change_leaves_no_event(db):
    access = MarketAccessFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        market_access.market_access_state_record(
            access=access,
            kind=AccessStatus.REVOKED,
            starts_on=dt.date(2026, 3, 1),
            source="test",
            confidence="high",
        )
        raise RuntimeError("the request failed after the change")

    access.refresh_from_db()
    assert access.status == "in_force"
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    ("status", "code"), [("in_force", "invalid_state"), ("gone", "invalid_state")]
)
def test_status_change_refuses_bad_status_and_writes_nothing(db, status, code):
    access = MarketAccessFactory()

    with pytest.raises(DomainError) as excinfo:
        market_access.market_access_state_record(
            access=access,
            kind=status,
            starts_on=dt.date(2026, 3, 1),
            source="test",
            confidence="high",
        )

    assert excinfo.value.code == code
    assert not OutboxEvent.objects.exists()


def test_new_access_writes_a_new_access_event(db):
    access = market_access.market_access_create(
        product=ProductFactory(),
        country=CountryFactory(),
        status="in_force",
        instrument_kind="announcement",
        valid_from=dt.date(2026, 2, 1),
        source="test fixture",
        confidence="high",
        is_illustrative=True,
    )

    event = OutboxEvent.objects.get()
    assert (event.kind, event.market_access, event.occurred_on) == (
        "new_access",
        access,
        dt.date(2026, 2, 1),
    )


def test_invalid_new_access_is_refused_without_an_event(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        market_access.market_access_create(
            product=ProductFactory(),
            country=CountryFactory(),
            status="granted",  # not a status
            instrument_kind="announcement",
            valid_from=dt.date(2026, 2, 1),
            source="test fixture",
            confidence="high",
        )

    assert not MarketAccess.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_admin_edits_of_access_reach_subscribers_through_the_outbox(admin_client):
    from accessions.models import EventKind, OutboxEvent

    access = MarketAccessFactory(status="in_force")
    url = f"/admin/accessions/marketaccess/{access.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        status="suspended", allowed_ports=[], product=access.product_id, country=access.country_id
    )
    assert admin_client.post(url, data).status_code == 302
    event = OutboxEvent.objects.get(market_access=access)
    assert (event.kind, event.status_from, event.status_to) == (
        EventKind.STATUS_CHANGED,
        "in_force",
        "suspended",
    )
    assert admin_client.post(url, data).status_code == 302  # saved again, status unchanged
    assert OutboxEvent.objects.filter(market_access=access).count() == 1
