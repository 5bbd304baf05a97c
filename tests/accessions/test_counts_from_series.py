"""The dashboard's and the About page's counts of access "in force on a day" read the entries'
series of legal states (accessions.validity), never the status kept for today's lists."""

import datetime as dt

import pytest

from accessions.selectors.counts import country_cards, coverage_overview, recorded_counts_on
from registry.models import Metric
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 7)


@pytest.fixture
def entries():
    country = f.CountryFactory(iso2="QA", region="central_asia")
    made = {
        # Expired today, in force from 2020 to 2024-01-01.
        "expired": f.MarketAccessFactory(
            country=country,
            valid_from=dt.date(2020, 1, 1),
            valid_until=dt.date(2024, 1, 1),
            status="expired",
        ),
        # In force today, but suspended from 2022 until its restoration in 2024.
        "suspended_then": f.MarketAccessFactory(
            country=country,
            valid_from=dt.date(2019, 1, 1),
            status="in_force",
            states=[
                {"kind": "suspended", "starts_on": dt.date(2022, 1, 1)},
                {"kind": "restored", "starts_on": dt.date(2024, 2, 7)},
            ],
        ),
        # Its kept status says in force, but the series was suspended last month.
        "suspended_now": f.MarketAccessFactory(
            country=country,
            valid_from=dt.date(2019, 1, 1),
            status="in_force",
            states=[{"kind": "suspended", "starts_on": dt.date(2026, 11, 1)}],
        ),
        # A protocol signed, not yet in force: pending today, whatever its kept status.
        "protocol": f.MarketAccessFactory(
            country=country,
            instrument_kind="protocol",
            protocol_signed_on=dt.date(2026, 5, 1),
            valid_from=None,
            status="protocol_signed",
        ),
    }
    return country, made


def test_recorded_counts_on_a_day_follow_the_series(entries):
    country, _ = entries
    days = [dt.date(2021, 6, 1), dt.date(2023, 6, 1), dt.date(2024, 6, 1), TODAY]
    counts = recorded_counts_on(days, [country.pk])

    def on(day):
        return counts[(day, country.pk)][Metric.PRODUCTS_WITH_ACCESS]

    # 2021: all three granted; 2023: not the one suspended from 2022 to 2024; 2024-06: not the
    # expired one; today: only the restored one (the other suspended last month).
    assert [on(day) for day in days] == [3, 2, 2, 1]
    assert counts[(dt.date(2023, 6, 1), None)][Metric.PRODUCTS_WITH_ACCESS] == 2


def test_coverage_overview_counts_access_in_force_today_by_the_series(entries):
    country, _ = entries
    overview = coverage_overview(today=TODAY)
    (row,) = [r for r in overview.rows if r.country == country]
    assert row.access_in_force == 1
    (then,) = [r for r in coverage_overview(today=dt.date(2021, 6, 1)).rows if r.country == country]
    assert then.access_in_force == 3
    assert overview.total.access_in_force == 1


def test_country_cards_count_in_force_and_pending_by_the_series(entries):
    country, made = entries
    (card,) = [c for c in country_cards(today=TODAY) if c.country == country]
    assert (card.in_force, card.pending) == (1, 1)
    (then,) = [c for c in country_cards(today=dt.date(2021, 6, 1)) if c.country == country]
    # 2021: the protocol was not signed yet: no state of it had started, so not pending.
    assert (then.in_force, then.pending) == (3, 0)
