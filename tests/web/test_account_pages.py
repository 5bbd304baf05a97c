"""A signed-in user's own pages: the watchlist, subscriptions (pause, resume, delete, test a
webhook), API keys (shown once, stored hashed, revocable, limited in number)."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading

import pytest
from django.test import Client
from django.urls import reverse

from accessions.models import OutboxEvent
from accounts import roles
from accounts.services import account_create
from api.models import ApiKey
from notifications.models import Subscription, Watch
from notifications.webhook_tests import webhook_tests_send


@pytest.fixture
def trader(world):
    return account_create(
        username="trader", email="trader@example.org", password="pw-trader-12345", role="trader"
    )


@pytest.fixture
def other(world):
    return account_create(
        username="other", email="other@example.org", password="pw-other-12345", role="trader"
    )


@pytest.fixture
def signed_in(client, trader):
    client.force_login(trader)
    return client


def text(response) -> str:
    return response.content.decode()


# --- watchlist -----------------------------------------------------------------------------------


def test_follow_a_product_by_its_name_and_see_its_entries_and_latest_changes(signed_in, world):
    OutboxEvent.objects.create(
        kind="status_changed",
        occurred_on="2025-02-01",
        market_access=world.maize_kz,
        country=world.kz,
        product=world.maize,
        status_from="protocol_signed",
        status_to="in_force",
    )
    response = signed_in.post(reverse("watch-add"), {"product": "Maize (corn)", "country": "KZ"})
    assert response.status_code == 302
    watch = Watch.objects.get()
    assert (watch.product, watch.country) == (world.maize, world.kz)

    page = text(signed_in.get(reverse("account-home")))
    assert reverse("access-detail", args=[world.maize_kz.pk]) in page
    assert "2025-02-01" in page and "status changed" in page


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"product": "nothing-like-this"}, "No product called"),
        ({"product": "maize", "country": "XX"}, "No country XX"),
        ({"product": ""}, "Name a product"),
    ],
)
def test_a_bad_follow_is_a_400_with_the_reason(signed_in, world, data, reason):
    response = signed_in.post(reverse("watch-add"), data)
    assert response.status_code == 400
    assert reason in text(response)
    assert not Watch.objects.exists()


def test_following_twice_is_refused_with_the_reason(signed_in, world):
    signed_in.post(reverse("watch-add"), {"product": "maize"})
    response = signed_in.post(reverse("watch-add"), {"product": "Maize (corn)"})
    assert response.status_code == 400
    assert "already follow" in text(response)
    assert Watch.objects.count() == 1


def test_someone_elses_watch_cannot_be_removed(client, world, trader, other):
    client.force_login(other)
    client.post(reverse("watch-add"), {"product": "maize"})
    watch = Watch.objects.get()
    client.force_login(trader)
    assert client.post(reverse("watch-remove", args=[watch.pk])).status_code == 404
    assert Watch.objects.filter(pk=watch.pk).exists()
    client.force_login(other)
    assert client.post(reverse("watch-remove", args=[watch.pk])).status_code == 302
    assert not Watch.objects.exists()


# --- subscriptions ------------------------------------------------------------------------------


def test_subscribe_to_a_product_by_the_name_the_user_sees(signed_in, world):
    response = signed_in.post(
        reverse("subscriptions"), {"channel": "email", "product": "Maize (corn)"}
    )
    assert response.status_code == 302
    assert Subscription.objects.get().product == world.maize


@pytest.mark.parametrize("words", ["maize", "Maize (corn)", "MAIZE", "КУКУРУЗА", "玉米", "100590"])
def test_subscriptions_take_what_the_checker_takes_and_confirm_the_product(signed_in, world, words):
    response = signed_in.post(
        reverse("subscriptions"), {"channel": "email", "product": words}, follow=True
    )
    assert Subscription.objects.get().product == world.maize
    assert f"Subscribed to {world.maize.name_en}." in response.content.decode()


def test_a_subscription_to_close_words_offers_the_candidates(signed_in, world):
    response = signed_in.post(reverse("subscriptions"), {"channel": "email", "product": "mazie"})
    assert response.status_code == 400 and not Subscription.objects.exists()
    assert "Did you mean" in response.content.decode()


def test_a_subscription_takes_a_country_by_name(signed_in, world):
    signed_in.post(reverse("subscriptions"), {"channel": "email", "country": "Казахстан"})
    assert Subscription.objects.get().country == world.kz


def test_pause_resume_and_delete_a_subscription(signed_in, world, trader):
    signed_in.post(reverse("subscriptions"), {"channel": "email", "country": "KZ"})
    sub = Subscription.objects.get()
    signed_in.post(reverse("subscription-pause", args=[sub.pk]), {"active": "0"})
    sub.refresh_from_db()
    assert not sub.is_active
    assert "paused" in text(signed_in.get(reverse("subscriptions")))
    signed_in.post(reverse("subscription-pause", args=[sub.pk]), {"active": "1"})
    sub.refresh_from_db()
    assert sub.is_active
    signed_in.post(reverse("subscription-delete", args=[sub.pk]))
    assert not Subscription.objects.exists()


def test_someone_elses_subscription_cannot_be_touched(client, world, trader, other):
    client.force_login(other)
    client.post(reverse("subscriptions"), {"channel": "email", "country": "KZ"})
    sub = Subscription.objects.get()
    client.force_login(trader)
    for name, data in (
        ("subscription-pause", {"active": "0"}),
        ("subscription-test", {}),
        ("subscription-delete", {}),
    ):
        assert client.post(reverse(name, args=[sub.pk]), data).status_code == 404, name
    sub.refresh_from_db()
    assert sub.is_active


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list = []
    answer = 204

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(self.answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """A real webhook receiver on a local port (the one thing a subscriber would run)."""
    _Receiver.received = []
    _Receiver.answer = 204
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_test_a_webhook_sends_one_signed_event(signed_in, world, receiver):
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    signed_in.post(
        reverse("subscriptions"), {"channel": "webhook", "country": "KZ", "webhook_url": url}
    )
    sub = Subscription.objects.get()

    response = signed_in.post(reverse("subscription-test", args=[sub.pk]), follow=True)

    assert "The test event is on its way" in text(response)
    assert _Receiver.received == []  # the request did not send it: the worker does
    assert webhook_tests_send() == 1  # what the worker runs after the request commits
    page = " ".join(text(signed_in.get(reverse("subscriptions"))).split())
    assert "Test event: delivered (HTTP 204)" in page
    [(headers, body)] = _Receiver.received
    assert json.loads(body)["event"]["kind"] == "test"
    expected = hmac.new(
        sub.secret.encode(), f"{headers['X-Registry-Timestamp']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Registry-Signature"].endswith(expected)


def test_a_refused_test_event_says_only_the_status(signed_in, world, receiver):
    _Receiver.answer = 500
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    signed_in.post(
        reverse("subscriptions"), {"channel": "webhook", "country": "KZ", "webhook_url": url}
    )
    sub = Subscription.objects.get()
    signed_in.post(reverse("subscription-test", args=[sub.pk]))
    webhook_tests_send()
    page = " ".join(text(signed_in.get(reverse("subscriptions"))).split())
    assert "Test event: refused by the receiver (HTTP 500)" in page


# --- API keys ------------------------------------------------------------------------------------


def test_a_key_is_shown_once_stored_hashed_works_and_can_be_revoked(signed_in, world, trader):
    response = signed_in.post(reverse("api-keys"), {"name": "my broker script"}, follow=True)
    raw = response.context["new_key"]
    assert raw in text(response)
    key = ApiKey.objects.get(owner=trader)
    assert key.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in text(signed_in.get(reverse("api-keys")))  # never again

    api = Client(HTTP_X_API_KEY=raw)
    assert api.get("/api/v1/changes/").status_code == 200

    signed_in.post(reverse("api-key-revoke", args=[key.pk]))
    assert api.get("/api/v1/changes/").status_code == 401


def test_a_trader_holds_a_limited_number_of_keys(signed_in, world, trader, settings):
    settings.REGISTRY_API_KEYS_PER_USER = 2
    for n in range(2):
        assert signed_in.post(reverse("api-keys"), {"name": f"k{n}"}).status_code == 302
    response = signed_in.post(reverse("api-keys"), {"name": "one too many"})
    assert response.status_code == 400
    assert "revoke one" in text(response)
    assert ApiKey.objects.filter(owner=trader).count() == 2


def test_a_key_without_a_name_is_refused(signed_in, world):
    response = signed_in.post(reverse("api-keys"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_someone_elses_key_cannot_be_revoked(client, world, trader, other):
    client.force_login(other)
    client.post(reverse("api-keys"), {"name": "theirs"})
    key = ApiKey.objects.get()
    client.force_login(trader)
    assert client.post(reverse("api-key-revoke", args=[key.pk])).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_a_deactivated_accounts_keys_stop_working(signed_in, world, trader):
    response = signed_in.post(reverse("api-keys"), {"name": "script"}, follow=True)
    api = Client(HTTP_X_API_KEY=response.context["new_key"])
    assert api.get("/api/v1/changes/").status_code == 200
    trader.is_active = False
    trader.save()
    assert api.get("/api/v1/changes/").status_code == 401


def test_the_account_page_names_the_role(signed_in, world):
    page = text(signed_in.get(reverse("account-home")))
    assert "trader@example.org" in page
    assert str(roles.ROLE_LABELS[roles.TRADER]) in page
