"""Issue 27, item 8: links are built on the configured site URL, never on a client's Host header;
inspectors do not see subscribers' webhook addresses in the admin; deliveries are promised at
least once, with a stable idempotency key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from accounts.services import account_create
from notifications import subscriptions
from tests.factories import CountryFactory, MarketAccessFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SITE = "https://registry.example.org"


@pytest.fixture
def any_host(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.REGISTRY_SITE_URL = SITE


def test_api_next_links_name_the_site_not_the_host_header(any_host):
    kz = CountryFactory(iso2="KZ", iso3="KAZ")
    for _ in range(3):
        MarketAccessFactory(country=kz)
    body = Client().get("/api/v1/access/?page_size=1", HTTP_HOST="evil.example").json()
    assert body["next"]
    assert "evil.example" not in body["next"]
    assert "//registry.example.org/api/v1/access/" in body["next"]


def test_reset_links_name_the_site_not_the_host_header(any_host, mailoutbox):
    account_create(
        username="known", email="known@example.org", password="pw-long-77", role="trader"
    )
    Client().post(
        "/accounts/password/reset/", {"email": "known@example.org"}, HTTP_HOST="evil.example"
    )
    [mail] = mailoutbox
    assert "evil.example" not in mail.body
    assert re.search(r"https?://registry\.example\.org/accounts/password/reset/key/", mail.body)


def test_a_host_that_allowed_hosts_refuses_is_still_refused(settings):
    settings.ALLOWED_HOSTS = ["registry.example.org"]
    settings.REGISTRY_SITE_URL = SITE
    assert Client().get("/api/v1/countries/", HTTP_HOST="evil.example").status_code == 400
    assert Client().get("/api/v1/countries/", HTTP_HOST="registry.example.org").status_code == 200


@pytest.fixture
def webhook_subscription(db):
    trader = account_create(
        username="hooked", email="hooked@example.org", password="pw-long-77", role="trader"
    )
    CountryFactory(iso2="KZ", iso3="KAZ")
    return subscriptions.subscription_create(
        user=trader,
        channel="webhook",
        country="KZ",
        webhook_url="https://example.org/private-receiver-7f3a",
    )


def test_inspectors_do_not_see_subscribers_webhook_addresses(client, webhook_subscription):
    inspector = account_create(
        username="insp", email="insp@example.org", password="pw-long-77", role="inspector"
    )
    client.force_login(inspector)
    listing = client.get("/admin/notifications/subscription/")
    detail = client.get(f"/admin/notifications/subscription/{webhook_subscription.pk}/change/")
    assert listing.status_code == detail.status_code == 200
    assert b"private-receiver-7f3a" not in listing.content
    assert b"private-receiver-7f3a" not in detail.content
    searched = client.get("/admin/notifications/subscription/", {"q": "private-receiver"})
    assert b"0 subscriptions" in searched.content or b"0 results" in searched.content


def test_administrators_still_see_them(admin_client, webhook_subscription):
    listing = admin_client.get("/admin/notifications/subscription/")
    assert b"private-receiver-7f3a" in listing.content


def test_the_readme_and_the_subscriptions_page_promise_at_least_once_with_a_stable_key(
    client, webhook_subscription
):
    readme = (ROOT / "README.md").read_text()
    assert "at least once" in readme
    assert "never sent twice" not in readme
    client.force_login(webhook_subscription.user)
    page = " ".join(client.get("/accounts/subscriptions/").content.decode().split())
    assert "at least once" in page and "X-Registry-Idempotency-Key" in page
