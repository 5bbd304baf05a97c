"""Subscriptions, fan-out, signed webhooks with retries and dead letters, e-mail digests."""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.utils import timezone

from accessions import outbox
from accessions.models import EventKind, OutboxEvent
from notifications import emails, services, subscriptions
from notifications.models import Delivery, DeliveryAttempt, Subscription
from notifications.selectors import subscriptions_of
from registry.errors import DomainError
from tests.factories import (
    CountryFactory,
    EstablishmentRegistrationFactory,
    MarketAccessFactory,
    ProductFactory,
)
from tests.integration.receiver import Receiver, payload, signature_valid


@pytest.fixture
def trader(django_user_model):
    from accounts.roles import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user(
        "trader", email="trader@example.org", password="pw-trader-1"
    )
    user.groups.add(Group.objects.get(name="trader"))
    return user


@pytest.fixture
def catalogue(db):
    kz = CountryFactory(iso2="KZ", iso3="KAZ")
    maize = ProductFactory(slug="maize", hs_code="100590")
    reg = EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201010001", country=kz, products=[maize]
    )
    return {"kz": kz, "maize": maize, "registration": reg}


@pytest.fixture
def receiver():
    with Receiver(hang_seconds=3) as r:
        yield r


def webhook(user, url, **target):
    return subscriptions.subscription_create(
        user=user, channel="webhook", webhook_url=url, **target
    )


def event_for(registration, kind=EventKind.EXPIRED):
    return outbox.event_record(
        kind=kind,
        occurred_on=dt.date(2026, 6, 1),
        registration=registration,
        status_from="renewal_due",
        status_to="expired",
    )


# --- Subscriptions: bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "url", "code"),
    [
        ({"country": "XX"}, "https://example.org/hook", "not_found"),
        ({"product": "no-such-product"}, "https://example.org/hook", "not_found"),
        ({"registration": "CKAZ99999999999999"}, "https://example.org/hook", "not_found"),
        ({"hs_prefix": "0101"}, "https://example.org/hook", "not_found"),
        ({"hs_prefix": "10ab"}, "https://example.org/hook", "invalid_hs_prefix"),
        ({"country": "KZ"}, "ftp://example.org/hook", "invalid_webhook_url"),
        ({"country": "KZ"}, "javascript:alert(1)", "invalid_webhook_url"),
        ({"country": "KZ"}, "example.org/hook", "invalid_webhook_url"),
        ({"country": "KZ"}, "", "invalid_webhook_url"),
        ({}, "https://example.org/hook", "one_target"),
        ({"country": "KZ", "product": "maize"}, "https://example.org/hook", "one_target"),
    ],
)
def test_bad_subscription_is_refused_and_nothing_saved(trader, catalogue, target, url, code):
    with pytest.raises(DomainError) as excinfo:
        webhook(trader, url, **target)

    assert excinfo.value.code == code
    assert excinfo.value.message
    assert not Subscription.objects.exists()


def test_unknown_channel_is_refused(trader, catalogue):
    with pytest.raises(DomainError, match="e-mail or webhook"):
        subscriptions.subscription_create(user=trader, channel="sms", country="KZ")


def test_user_without_trader_or_inspector_role_cannot_subscribe(django_user_model, catalogue):
    user = django_user_model.objects.create_user("nobody", email="n@example.org")

    with pytest.raises(DomainError) as excinfo:
        subscriptions.subscription_create(user=user, channel="email", country="KZ")

    assert excinfo.value.code == "not_allowed"


def test_email_subscription_needs_an_address(trader, catalogue):
    trader.email = ""
    trader.save()

    with pytest.raises(DomainError) as excinfo:
        subscriptions.subscription_create(user=trader, channel="email", country="KZ")

    assert excinfo.value.code == "no_email"


@pytest.mark.parametrize(
    ("target", "field", "expected"),
    [
        ({"country": "kz"}, "country_id", "kz"),
        ({"product": "maize"}, "product_id", "maize"),
        ({"hs_prefix": "1005"}, "hs_prefix", "1005"),
        ({"registration": "ckaz01012201010001"}, "registration_id", "registration"),
    ],
)
def test_webhook_subscription_to_an_existing_target_gets_a_secret(
    trader, catalogue, target, field, expected
):
    sub = webhook(trader, "https://example.org/hook", **target)

    value = catalogue[expected].pk if expected in catalogue else expected
    assert getattr(sub, field) == value
    assert len(sub.secret) == 64


# --- Fan-out -------------------------------------------------------------------------------------


def test_events_fan_out_to_matching_subscriptions_only(trader, catalogue):
    other_country = CountryFactory(iso2="UZ", iso3="UZB")
    other_product = ProductFactory(slug="cotton", hs_code="520100")
    matching = [
        webhook(trader, "https://example.org/a", country="KZ"),
        webhook(trader, "https://example.org/b", product="maize"),
        webhook(trader, "https://example.org/c", hs_prefix="10"),
        webhook(trader, "https://example.org/d", registration="CKAZ01012201010001"),
    ]
    webhook(trader, "https://example.org/e", country="UZ")
    webhook(trader, "https://example.org/f", product="cotton")
    webhook(trader, "https://example.org/g", hs_prefix="52")
    inactive = webhook(trader, "https://example.org/h", country="KZ")
    Subscription.objects.filter(pk=inactive.pk).update(is_active=False)
    event = event_for(catalogue["registration"])
    access = MarketAccessFactory(country=other_country, product=other_product)
    access_event = outbox.event_record(
        kind=EventKind.NEW_ACCESS, occurred_on=dt.date(2026, 1, 1), market_access=access
    )

    services.events_fan_out()
    services.events_fan_out()

    got = set(Delivery.objects.filter(event=event).values_list("subscription_id", flat=True))
    assert got == {s.pk for s in matching}
    assert Delivery.objects.filter(event=access_event).count() == 3  # UZ, cotton, HS 52


# --- Webhooks ------------------------------------------------------------------------------------


def test_webhook_is_signed_carries_idempotency_key_and_is_sent_once(trader, catalogue, receiver):
    sub = webhook(trader, receiver.url("/ok"), country="KZ")
    event = event_for(catalogue["registration"])

    first = services.webhooks_dispatch()
    second = services.webhooks_dispatch()

    assert (first.delivered, second.delivered) == (1, 0)
    [request] = receiver.received()
    assert signature_valid(request, sub.secret)
    assert not signature_valid(request, "another-secret")
    body = payload(request)
    assert body["idempotency_key"] == f"{event.pk}:{sub.pk}"
    assert request["headers"]["X-Registry-Idempotency-Key"] == body["idempotency_key"]
    assert body["event"]["kind"] == "expired"
    assert body["event"]["subject"]["registration_number"] == "CKAZ01012201010001"
    assert body["event"]["subject"]["products"] == ["maize"]
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_failing_and_hanging_receivers_are_retried_without_blocking_others(
    trader, catalogue, receiver, settings
):
    settings.REGISTRY_WEBHOOK_TIMEOUT = 0.5
    ok = webhook(trader, receiver.url("/ok"), country="KZ")
    failing = webhook(trader, receiver.url("/fail"), country="KZ")
    hanging = webhook(trader, receiver.url("/hang"), country="KZ")
    event_for(catalogue["registration"])

    summary = services.webhooks_dispatch()

    assert (summary.delivered, summary.retrying, summary.dead) == (1, 2, 0)
    states = {d.subscription_id: d for d in Delivery.objects.all()}
    assert states[ok.pk].state == "delivered"
    assert states[failing.pk].state == "retrying"
    assert states[failing.pk].last_status_code == 500
    assert states[hanging.pk].state == "retrying"
    assert states[hanging.pk].last_error == "timeout"  # a failure class, never raw error text
    assert states[failing.pk].last_error == "HTTP 5xx"
    for sub in (failing, hanging):
        delivery = states[sub.pk]
        wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
        assert wait == services.backoff_seconds(1)
    assert DeliveryAttempt.objects.count() == 3
    assert DeliveryAttempt.objects.get(delivery=states[hanging.pk]).duration_ms < 3000


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (9, 15360)])
def test_backoff_doubles_from_the_base(attempts, seconds, settings):
    settings.REGISTRY_WEBHOOK_BACKOFF_CAP = 10**6
    assert services.backoff_seconds(attempts) == seconds


def test_backoff_is_capped(settings):
    settings.REGISTRY_WEBHOOK_BACKOFF_CAP = 600
    assert services.backoff_seconds(30) == 600


def test_delivery_becomes_a_dead_letter_visible_to_its_subscriber(
    trader, catalogue, receiver, settings
):
    settings.REGISTRY_WEBHOOK_MAX_ATTEMPTS = 3
    sub = webhook(trader, receiver.url("/fail"), country="KZ")
    event_for(catalogue["registration"])
    later = timezone.now()

    for _ in range(3):
        services.webhooks_dispatch(now=later)
        later += dt.timedelta(days=1)
    services.webhooks_dispatch(now=later)

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("dead", 3)
    assert len(receiver.received()) == 3
    [listed] = subscriptions_of(trader)
    assert listed == sub
    assert [d.state for d in listed.failing] == ["dead"]

    services.delivery_retry(delivery=delivery, by=trader)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("retrying", 0)


def test_only_the_subscriber_can_retry_a_dead_letter(trader, catalogue, django_user_model):
    sub = webhook(trader, "https://example.org/hook", country="KZ")
    event = event_for(catalogue["registration"])
    delivery = Delivery.objects.create(
        event=event,
        subscription=sub,
        channel="webhook",
        state="dead",
        next_attempt_at=timezone.now(),
    )
    stranger = django_user_model.objects.create_user("stranger")

    with pytest.raises(DomainError) as excinfo:
        services.delivery_retry(delivery=delivery, by=stranger)

    assert excinfo.value.code == "not_allowed"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_dispatchers_never_send_the_same_delivery(trader, catalogue, receiver):
    webhook(trader, receiver.url("/ok"), country="KZ")
    webhook(trader, receiver.url("/ok"), product="maize")
    reg = catalogue["registration"]
    for _ in range(15):  # straight to the outbox: event_record would dispatch eagerly on commit
        OutboxEvent.objects.create(
            kind="expired", occurred_on=dt.date(2026, 6, 1), registration=reg, country=reg.country
        )
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            services.webhooks_dispatch(batch_size=4)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    keys = [payload(r)["idempotency_key"] for r in receiver.received()]
    assert len(keys) == 30
    assert len(set(keys)) == 30
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}


# --- E-mail digests ------------------------------------------------------------------------------


def test_weekly_digest_mails_each_subscriber_once_per_event(trader, catalogue):
    subscriptions.subscription_create(user=trader, channel="email", country="KZ")
    subscriptions.subscription_create(user=trader, channel="email", product="maize")
    event_for(catalogue["registration"])
    event_for(catalogue["registration"], kind=EventKind.WINDOW_ENTERED)

    sent = emails.digests_send()
    again = emails.digests_send()

    assert (sent, again) == (1, 0)
    [message] = mail.outbox
    assert message.to == ["trader@example.org"]
    assert "CKAZ01012201010001" in message.body
    assert message.body.count("CKAZ01012201010001") == 4  # 2 events × 2 subscriptions
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_the_digest_comes_in_the_subscribers_language_with_a_correct_plural(trader, catalogue):
    from accounts.services import account_language_set

    account_language_set(user=trader, language="ru")
    subscriptions.subscription_create(user=trader, channel="email", country="KZ")
    event_for(catalogue["registration"])

    emails.digests_send()

    [message] = mail.outbox
    assert message.subject == "Сводка реестра: 1 изменение"
    assert message.body.startswith("Изменения")


def test_webhook_dispatch_does_not_send_email_deliveries(trader, catalogue):
    subscriptions.subscription_create(user=trader, channel="email", country="KZ")
    event_for(catalogue["registration"])

    summary = services.webhooks_dispatch()

    assert (summary.fanned_out, summary.delivered) == (1, 0)
    assert Delivery.objects.get().state == "pending"
    assert mail.outbox == []
