"""Forms say their rules before the user meets them (issue 25, item 2): the webhook form states
https, the allowed ports and the public-address rule as the settings make them; a URL breaking
several rules is refused once with every rule named, in the page's language; the import form
states the file formats and the size limit."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.services import account_create
from notifications.models import Subscription
from tests.factories import CountryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_rules(settings):
    """The test settings relax the rules for the local receiver; these tests read production's."""
    settings.REGISTRY_WEBHOOK_ALLOW_HTTP = False
    settings.REGISTRY_WEBHOOK_ALLOW_PRIVATE = False
    settings.REGISTRY_WEBHOOK_PORTS = []


@pytest.fixture
def trader(db):
    CountryFactory(iso2="KZ", iso3="KAZ", name_en="Kazakhstan")
    return account_create(
        username="fr-trader", email="fr@example.org", password="pw-rules-1", role="trader"
    )


def _client(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    client.force_login(user)
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_webhook_form_states_its_rules_before_any_attempt(trader):
    page = _client(trader).get(reverse("subscriptions")).content.decode()
    assert "(http or https)" not in page
    rules = _text(page.split('id="sub-webhook-rules"')[1].split("</ul>")[0])
    assert "https://" in rules and "plain http:// is refused" in rules
    assert "Port 443 only" in rules
    assert "public internet address" in rules


def test_the_stated_ports_follow_the_setting(trader, settings):
    settings.REGISTRY_WEBHOOK_PORTS = ["8443"]
    page = _client(trader).get(reverse("subscriptions")).content.decode()
    assert "Ports 443, 8443 only" in _text(page)
    settings.REGISTRY_WEBHOOK_ALLOW_HTTP = True
    page = _client(trader).get(reverse("subscriptions")).content.decode()
    assert "It starts with http:// or https://." in _text(page)
    assert "Ports 80, 443, 8443 only" in _text(page)


def test_every_broken_rule_is_named_at_once(trader):
    response = _client(trader).post(
        reverse("subscriptions"),
        {"channel": "webhook", "country": "KZ", "webhook_url": "http://10.0.0.5:8080/hook"},
    )
    assert response.status_code == 400
    text = _text(response.content.decode())
    assert "The address must start with https://; plain http:// is refused." in text
    assert "The port must be 443." in text
    assert "The host must be a public internet address" in text
    assert not Subscription.objects.exists()


def test_the_refusals_are_in_the_pages_language(trader):
    english = [
        "The address must start with https://; plain http:// is refused.",
        "The port must be %(ports)s.",
    ]
    with translation.override("ru"):
        russian = [translation.gettext(english[0]), translation.ngettext(english[1], "x", 1)]
    assert russian[0] != english[0] and russian[1] != english[1]
    response = _client(trader, "ru").post(
        reverse("subscriptions"),
        {"channel": "webhook", "country": "KZ", "webhook_url": "http://10.0.0.5:8080/hook"},
    )
    text = _text(response.content.decode())
    assert russian[0] in text
    assert russian[1] % {"ports": "443"} in text


def test_the_import_form_states_the_format_and_the_size_limit(django_user_model):
    inspector = account_create(
        username="fr-inspector", email="fri@example.org", password="pw-rules-1", role="inspector"
    )
    page = _text(_client(inspector).get(reverse("import-list")).content.decode())
    assert "UTF-8" in page and "XLSX" in page
    assert "at most 20 MB" in page
