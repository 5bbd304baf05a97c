"""Shared reads of the notifications app."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from accessions.models import MarketAccess, OutboxEvent
from notifications.models import Delivery, DeliveryState, Subscription, Watch, WebhookTest

RECENT_DELIVERIES = 5
LATEST_CHANGES = 3


def subscriptions_of(user: Any) -> QuerySet[Subscription]:
    """A subscriber's subscriptions with their undelivered and dead-letter deliveries and their
    test events, newest first (`latest_tests`)."""
    failing = Delivery.objects.filter(
        state__in=(DeliveryState.RETRYING, DeliveryState.DEAD)
    ).select_related("event")
    return (
        Subscription.objects.filter(user=user)
        .select_related("country", "product", "registration")
        .prefetch_related(
            Prefetch("deliveries", queryset=failing, to_attr="failing"),
            Prefetch(
                "webhook_tests",
                queryset=WebhookTest.objects.order_by("-id"),
                to_attr="latest_tests",
            ),
        )
        .order_by("-created_at")
    )


def recent_deliveries(subscription_ids: list[int]) -> dict[int, list[Delivery]]:
    """The latest deliveries of each subscription (any state), newest first."""
    recent: dict[int, list[Delivery]] = {pk: [] for pk in subscription_ids}
    rows = (
        Delivery.objects.filter(subscription_id__in=subscription_ids)
        .select_related("event")
        .order_by("subscription_id", "-id")
    )
    for delivery in rows:
        if len(recent[delivery.subscription_id]) < RECENT_DELIVERIES:
            recent[delivery.subscription_id].append(delivery)
    return recent


def watches_of(user: Any) -> list[Watch]:
    """A user's watchlist: each watched product or pair with its access entries
    (`watch.entries`) and the latest changes subscribers heard about (`watch.changes`).
    Three queries however long the list is."""
    watches = list(
        Watch.objects.filter(user=user).select_related("product", "country").order_by("-created_at")
    )
    if not watches:
        return watches
    product_ids = {w.product_id for w in watches}
    entries = list(
        MarketAccess.objects.filter(product_id__in=product_ids)
        .select_related("country", "product")
        .order_by("country__iso2")
    )
    events = list(
        OutboxEvent.objects.filter(
            market_access__isnull=False, product_id__in=product_ids
        ).order_by("-occurred_on", "-id")[: 50 * len(product_ids)]
    )
    for watch in watches:
        watch.entries = [  # type: ignore[attr-defined]
            e
            for e in entries
            if e.product_id == watch.product_id
            and (watch.country_id is None or e.country_id == watch.country_id)
        ]
        watch.changes = [  # type: ignore[attr-defined]
            e
            for e in events
            if e.product_id == watch.product_id
            and (watch.country_id is None or e.country_id == watch.country_id)
        ][:LATEST_CHANGES]
    return watches


def outbox_events_waiting() -> bool:
    """Whether the outbox holds events not yet fanned out (a change of records since the last
    dispatch): the dispatcher then also re-answers the saved questions."""
    return OutboxEvent.objects.filter(fanned_out_at__isnull=True).exists()
