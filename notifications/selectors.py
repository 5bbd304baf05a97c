"""Shared reads of the notifications app."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from notifications.models import Delivery, DeliveryState, Subscription


def subscriptions_of(user: Any) -> QuerySet[Subscription]:
    """A subscriber's subscriptions with their undelivered and dead-letter deliveries."""
    failing = Delivery.objects.filter(
        state__in=(DeliveryState.RETRYING, DeliveryState.DEAD)
    ).select_related("event")
    return (
        Subscription.objects.filter(user=user)
        .select_related("country", "product", "registration")
        .prefetch_related(Prefetch("deliveries", queryset=failing, to_attr="failing"))
        .order_by("-created_at")
    )
