"""The subscriber's page: subscribe (bad input is a 400 with the reason, nothing saved), see dead
letters, retry them; strangers cannot."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accessions.models import OutboxEvent
from accounts import roles
from notifications.models import Delivery, Subscription
from tests.factories import CountryFactory, EstablishmentRegistrationFactory


@pytest.fixture
def trader(django_user_model):
    from accounts.roles import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user("trader", email="trader@example.org")
    user.groups.add(Group.objects.get(name="trader"))
    return user


@pytest.fixture
def kz(db):
    return CountryFactory(iso2="KZ", iso3="KAZ")


def test_trader_subscribes_with_a_webhook_and_sees_the_secret_once(client, trader, kz):
    client.force_login(trader)

    response = client.post(
        reverse("subscriptions"),
        {"channel": "webhook", "country": "KZ", "webhook_url": "https://example.org/hook"},
        follow=True,
    )

    sub = Subscription.objects.get()
    assert (sub.user, sub.country, sub.webhook_url) == (trader, kz, "https://example.org/hook")
    assert sub.secret in response.content.decode()
    assert sub.secret not in client.get(reverse("subscriptions")).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"channel": "webhook", "country": "KZ", "webhook_url": "ftp://example.org/x"},
        {"channel": "email", "country": "XX"},
        {"channel": "email", "product": "nothing-like-this"},
        {"channel": "email"},
    ],
)
def test_bad_subscription_answers_400_with_the_reason(client, trader, kz, data):
    client.force_login(trader)

    response = client.post(reverse("subscriptions"), data)

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Subscription.objects.exists()


def test_user_without_role_gets_403(client, django_user_model, kz):
    client.force_login(django_user_model.objects.create_user("nobody", email="n@example.org"))

    response = client.post(reverse("subscriptions"), {"channel": "email", "country": "KZ"})

    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert "login" in client.get(reverse("subscriptions"))["Location"]


def _dead_letter(user):
    reg = EstablishmentRegistrationFactory()
    event = OutboxEvent.objects.create(
        kind="expired", occurred_on=dt.date(2026, 6, 1), registration=reg, country=reg.country
    )
    sub = Subscription.objects.create(
        user=user, channel="webhook", country=reg.country, webhook_url="https://example.org/"
    )
    return Delivery.objects.create(
        event=event,
        subscription=sub,
        channel="webhook",
        state="dead",
        attempts=8,
        last_status_code=500,
        next_attempt_at=timezone.now(),
    )


def test_subscriber_sees_a_dead_letter_and_retries_it(client, trader):
    delivery = _dead_letter(trader)
    client.force_login(trader)

    page = client.get(reverse("subscriptions")).content.decode()
    response = client.post(reverse("delivery-retry", args=[delivery.pk]))

    assert "dead letter" in page
    assert reverse("delivery-retry", args=[delivery.pk]) in page
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("retrying", 0)


def test_stranger_cannot_retry_someone_elses_delivery(client, trader, django_user_model):
    delivery = _dead_letter(trader)
    stranger = django_user_model.objects.create_user("stranger")
    roles.role_self_registered(stranger)
    client.force_login(stranger)

    response = client.post(reverse("delivery-retry", args=[delivery.pk]))

    assert response.status_code == 404
    delivery.refresh_from_db()
    assert delivery.state == "dead"
