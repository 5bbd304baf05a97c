"""The admin pages for alerts, subscriptions, the outbox and deliveries answer, and their actions
go through the services."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accessions.models import Alert, OutboxEvent
from notifications.models import Delivery, Subscription
from tests.factories import EstablishmentRegistrationFactory


@pytest.fixture
def dead_letter(admin_user):
    reg = EstablishmentRegistrationFactory()
    event = OutboxEvent.objects.create(
        kind="expired", occurred_on=dt.date(2026, 6, 1), registration=reg, country=reg.country
    )
    sub = Subscription.objects.create(
        user=admin_user, channel="webhook", country=reg.country, webhook_url="https://example.org/"
    )
    Alert.objects.create(
        registration=reg, kind="expired", due_on=reg.valid_until, raised_on=dt.date(2026, 6, 1)
    )
    return Delivery.objects.create(
        event=event,
        subscription=sub,
        channel="webhook",
        state="dead",
        next_attempt_at=timezone.now(),
    )


@pytest.mark.parametrize("model", ["alert", "subscription", "outboxevent", "delivery"])
def test_admin_changelist_and_detail_answer(admin_client, dead_letter, model):
    obj = {
        "alert": Alert.objects.get(),
        "subscription": dead_letter.subscription,
        "outboxevent": dead_letter.event,
        "delivery": dead_letter,
    }[model]

    app = "accessions" if model in ("alert", "outboxevent") else "notifications"
    assert admin_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    change = reverse(f"admin:{app}_{model}_change", args=[obj.pk])
    assert admin_client.get(change).status_code == 200


def test_admin_retry_action_revives_a_dead_letter(admin_client, dead_letter):
    response = admin_client.post(
        reverse("admin:notifications_delivery_changelist"),
        {"action": "retry", "_selected_action": [dead_letter.pk]},
    )

    assert response.status_code == 302
    dead_letter.refresh_from_db()
    assert dead_letter.state == "retrying"


def test_admin_acknowledge_action_keeps_who(admin_client, admin_user, dead_letter):
    alert = Alert.objects.get()

    admin_client.post(
        reverse("admin:accessions_alert_changelist"),
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )

    alert.refresh_from_db()
    assert alert.acknowledged_by == admin_user


def test_subscription_admin_cannot_add(admin_client):
    assert admin_client.get(reverse("admin:notifications_subscription_add")).status_code == 403
