"""Issue 21, "Rules with several homes disagree": each rule has one home that every caller
reads (a registration's effective end: accessions.validity; an HS prefix with the further HS
codes of aliases: registry.selectors.hs_codes.hs_prefix_q), and where a rule has an SQL form and
a Python twin, the two agree on generated data (the status of an entry on a date, the order of a
series; the state on a date and a registration's effective end:
tests/accessions/test_valid_time.py)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessions import outbox
from accessions.models import AccessState, EventKind, MarketAccess, StateKind
from accessions.validity import derived_status, series_key, series_order, status_on_annotations
from notifications import services, subscriptions
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

    subscription = subscriptions.subscription_create(user=trader, channel="email", hs_prefix="0710")
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


# --- The status on a date and the order of a series: the SQL forms against their twins ---------

BASE = dt.date(2020, 1, 1)
GENERATED_STATE = st.tuples(
    st.sampled_from([kind.value for kind in StateKind]),
    st.none() | st.integers(0, 10).map(lambda n: BASE + dt.timedelta(days=n)),
    st.sampled_from(["", "Almaty region"]),
)
ASKED_DAYS = st.lists(
    st.integers(-2, 12).map(lambda n: BASE + dt.timedelta(days=n)),
    min_size=1,
    max_size=5,
    unique=True,
)


def _write_series(access, generated):
    AccessState.objects.filter(market_access=access).delete()
    seen = set()
    for kind, starts_on, limited_to in generated:
        if starts_on is not None and (kind, starts_on) in seen:
            continue  # one state per kind and dated start (the unique constraint)
        seen.add((kind, starts_on))
        AccessState.objects.create(
            market_access=access,
            kind=kind,
            starts_on=starts_on,
            limited_to=limited_to,
            source="generated",
            confidence="high",
        )
    return list(AccessState.objects.filter(market_access=access))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=st.lists(GENERATED_STATE, max_size=6), asked=ASKED_DAYS)
def test_the_status_on_a_date_in_sql_agrees_with_derived_status(generated, asked):
    """`status_on_annotations` (the lists' `as_of`, the daily refresh) against its Python twin
    `derived_status` (the engine, a write's refresh), on generated series."""
    access = MarketAccess.objects.first() or MarketAccessFactory()
    states = _write_series(access, generated)
    for on in asked:
        in_sql = (
            MarketAccess.objects.filter(pk=access.pk)
            .alias(**status_on_annotations(on))
            .annotate(found=F("status_on"))
            .values_list("found", flat=True)
            .get()
        )
        assert in_sql == derived_status(states, on), (on, states)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=st.lists(GENERATED_STATE, max_size=7))
def test_a_series_reads_in_the_same_order_in_sql_and_in_python(generated):
    """`series_order` (every list of a series: the API, exports, pages) against `series_key`
    (the engine's series read as plain rows)."""
    access = MarketAccess.objects.first() or MarketAccessFactory()
    _write_series(access, generated)
    in_sql = list(
        AccessState.objects.filter(market_access=access)
        .order_by(*series_order())
        .values("id", "kind", "starts_on")
    )
    assert [row["id"] for row in in_sql] == [row["id"] for row in sorted(in_sql, key=series_key)]
