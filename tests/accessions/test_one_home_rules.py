"""Issue 21, "Rules with several homes disagree": each rule has one home that every caller
reads (a registration's effective end: accessions.validity; an HS prefix with the further HS
codes of aliases: registry.selectors.hs_prefix_q)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accessions import outbox
from accessions.models import EventKind
from notifications import services
from notifications.models import Delivery
from tests.factories import (
    CountryFactory,
    EstablishmentRegistrationFactory,
    MarketAccessFactory,
    ProductAliasFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trader(django_user_model):
    from accounts.roles import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user(
        "trader", email="trader@example.org", password="pw-trader-1"
    )
    user.groups.add(Group.objects.get(name="trader"))
    return user


def test_expiring_within_reads_the_extension(client):
    today = timezone.localdate()
    extended = EstablishmentRegistrationFactory(
        valid_until=today + dt.timedelta(days=10),
        extended_until=today + dt.timedelta(days=10 + 5 * 365),
    )
    ending = EstablishmentRegistrationFactory(valid_until=today + dt.timedelta(days=10))

    response = client.get("/api/v1/establishments/?expiring_within=30")

    assert response.status_code == 200
    numbers = {row["registration_number"] for row in response.json()["results"]}
    assert ending.registration_number in numbers
    assert extended.registration_number not in numbers


def test_an_hs_prefix_reaching_a_product_only_by_an_alias_is_subscribable_and_fanned_out(
    client, trader
):
    product = ProductFactory(hs_code="200819")
    ProductAliasFactory(product=product, alias="071040", kind="hs_code")
    access = MarketAccessFactory(product=product, country=CountryFactory())
    listed = client.get("/api/v1/products/?hs=0710").json()["results"]
    assert [row["slug"] for row in listed] == [product.slug]

    subscription = services.subscription_create(user=trader, channel="email", hs_prefix="0710")
    outbox.event_record(
        kind=EventKind.STATUS_CHANGED,
        occurred_on=dt.date(2026, 3, 1),
        market_access=access,
        status_from="in_force",
        status_to="suspended",
    )
    services.events_fan_out()

    assert Delivery.objects.filter(subscription=subscription).count() == 1


def test_the_api_gives_the_effective_end_on_the_rule_and_the_dated_stop(client):
    from tests.factories import RegistrationRegimeFactory

    decree_280 = RegistrationRegimeFactory(
        code="decree-280",
        valid_from=dt.date(2026, 6, 1),
        valid_until=None,
        window_max_months=12,
        auto_extend=True,
        auto_extend_years=5,
    )
    automatic = EstablishmentRegistrationFactory(valid_until=dt.date(2027, 3, 1), regime=decree_280)
    excluded = EstablishmentRegistrationFactory(
        valid_until=dt.date(2027, 3, 1), regime=decree_280, extension_exclusion="rectifying"
    )
    stopped = EstablishmentRegistrationFactory(status="suspended", stopped_on=dt.date(2025, 5, 5))

    rows = {
        row["registration_number"]: row
        for row in client.get("/api/v1/establishments/").json()["results"]
    }

    assert rows[automatic.registration_number]["effective_until"] == "2032-03-01"
    assert rows[excluded.registration_number]["effective_until"] == "2027-03-01"
    assert rows[stopped.registration_number]["stopped_on"] == "2025-05-05"
