"""Accounts in a real browser: a trader registers, verifies the e-mail (read from the test mail
outbox), signs in, subscribes to a product by its name, makes an API key and uses it; an
inspector signs in and acknowledges an alert; a trader never sees the dashboard link."""

import datetime as dt
import json
import re
import urllib.request

import pytest

from accessions.models import Alert
from accounts.services import account_create
from api.models import ApiKey
from notifications.models import Subscription
from tests.conftest import seeds_put_in
from tests.factories import EstablishmentRegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-passphrase-2026"


@pytest.fixture
def site(live_server, transactional_db):
    seeds_put_in()
    return live_server.url


def sign_in(page, site, login, password=PASSWORD):
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("E-mail or user name").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.locator("form.account-form").get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_a_trader_registers_subscribes_by_name_and_uses_an_api_key(site, page, mailoutbox):
    page.goto(f"{site}/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Email").fill("trader@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()

    [mail] = mailoutbox
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()

    sign_in(page, site, "trader@example.org")
    page.wait_for_url("**/accounts/")
    nav = page.locator("header")
    assert nav.get_by_role("link", name="My account").count() == 1
    assert nav.get_by_role("link", name="Dashboard").count() == 0

    page.get_by_role("link", name="Subscriptions").first.click()
    page.get_by_label("Product (any of its names, or its HS code)").fill("Maize (corn)")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_text("Subscribed to Maize (corn).").wait_for()
    assert Subscription.objects.get().product.slug == "maize"

    page.get_by_role("link", name="API keys").first.click()
    page.get_by_label("What will use it (a name for the key)").fill("price checker")
    page.get_by_role("button", name="Make a key").click()
    raw = page.locator("#new-api-key").inner_text().strip()
    assert ApiKey.objects.get().prefix == raw.split(".")[0]

    request = urllib.request.Request(  # noqa: S310 - the test server
        f"{site}/api/v1/eligibility/bulk/",
        data=json.dumps({"checks": [{"product": "maize", "country": "KZ"}]}).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": raw},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status == 200
        assert json.loads(response.read())["results"][0]["verdict"]


def test_an_inspector_signs_in_and_acknowledges_an_alert(site, page):
    account_create(
        username="inspector", email="inspector@example.org", password=PASSWORD, role="inspector"
    )
    registration = EstablishmentRegistrationFactory(valid_until=dt.date(2026, 3, 31))
    alert = Alert.objects.create(
        registration=registration,
        kind="window_opened",
        due_on=dt.date(2026, 3, 31),
        raised_on=dt.date(2025, 9, 30),
    )
    sign_in(page, site, "inspector")
    page.locator("header").get_by_role("link", name="Dashboard").click()
    page.locator("#alerts").get_by_role("button", name="Acknowledge").click()
    page.get_by_text("Alert acknowledged.").wait_for()
    alert.refresh_from_db()
    assert alert.acknowledged_by.username == "inspector"
