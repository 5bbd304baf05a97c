"""The coverage steps PostgreSQL keeps (accessions.models.coverage): on every date, a country's
step is the number of its entries that grant access by the ORM rule
(accessions.validity.access_granted_on), whoever wrote the states: a service, a bulk insert, an
update, a delete, an entry moved to another country."""

import datetime as dt

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessions.models import AccessState, CoverageStep, MarketAccess, StateKind
from accessions.validity import access_granted_on
from registry.models import Country
from tests import factories as f

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the steps are PostgreSQL's (SQLite: the ORM)"
    ),
]
D = dt.date


def step_on(country: Country, on: dt.date) -> int:
    """The country's step on the date, as records.sql reads it."""
    steps = CoverageStep.objects.filter(country=country)
    dated = steps.filter(starts_on__lte=on).order_by("-starts_on").first()
    found = dated or steps.filter(starts_on__isnull=True).first()
    return found.granted if found else 0


def counted_on(country: Country, on: dt.date) -> int:
    """The ORM rule: the country's entries whose state on the date grants access."""
    return (
        MarketAccess.objects.filter(country=country)
        .alias(granted=access_granted_on(on))
        .filter(granted=True)
        .count()
    )


def dates_around(country: Country) -> list[dt.date]:
    """Every start of the country's states, the day before each, and dates far on either side."""
    starts = set(
        AccessState.objects.filter(market_access__country=country)
        .exclude(starts_on__isnull=True)
        .values_list("starts_on", flat=True)
    )
    return sorted(
        starts | {d - dt.timedelta(days=1) for d in starts} | {D(1990, 1, 1), D(2040, 1, 1)}
    )


def test_the_seeded_steps_equal_the_orm_count_on_every_change_day(seeded):
    countries = Country.objects.filter(accesses__isnull=False).distinct()
    assert countries.count() >= 4  # Turkmenistan has no entry recorded
    for country in countries:
        starts = AccessState.objects.filter(market_access__country=country).values_list(
            "starts_on", flat=True
        )
        steps = CoverageStep.objects.filter(country=country).values_list("starts_on", flat=True)
        assert sorted(steps, key=str) == sorted(set(starts), key=str)  # a step on every start
        for on in dates_around(country):
            assert step_on(country, on) == counted_on(country, on), (country.iso2, on)


BASE = D(2020, 1, 1)
STATE = st.tuples(
    st.sampled_from([kind.value for kind in StateKind]),
    st.one_of(st.none(), st.integers(0, 10).map(lambda n: BASE + dt.timedelta(days=n))),
    st.sampled_from(["", "Almaty region"]),
)


@pytest.fixture
def entries(db):
    """Three entries of one country, whose series each example replaces."""
    country = f.CountryFactory(iso2="QC")
    return [f.MarketAccessFactory(country=country) for _ in range(3)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(series=st.lists(st.lists(STATE, max_size=5), min_size=3, max_size=3))
def test_generated_series_give_the_orm_count_on_every_day(entries, series):
    """Ties on one day (the higher rank, then the later id, takes over), undated states, zones
    suspended: each written by a bulk insert that replaces a series (one statement each)."""
    for entry, generated in zip(entries, series, strict=True):
        f.series_write(entry, generated)
    country = entries[0].country
    for n in range(-1, 12):
        on = BASE + dt.timedelta(days=n)
        assert step_on(country, on) == counted_on(country, on), (on, series)


def test_an_update_a_delete_and_a_move_keep_the_steps(entries):
    """A suspension recorded, then changed to zones only, then deleted; an entry moved to
    another country: both countries' steps follow."""
    first, second, _third = entries
    country = first.country
    AccessState.objects.filter(market_access__in=entries).delete()
    for entry in entries:
        f.series_write(entry, [("in_force", D(2021, 1, 1), "")])
    assert step_on(country, D(2021, 6, 1)) == 3
    suspended = AccessState.objects.create(
        market_access=first,
        kind="suspended",
        starts_on=D(2021, 3, 1),
        source="t",
        confidence="high",
    )
    assert [step_on(country, d) for d in (D(2021, 2, 28), D(2021, 3, 1))] == [3, 2]
    AccessState.objects.filter(pk=suspended.pk).update(limited_to="Almaty region")
    assert step_on(country, D(2021, 3, 1)) == 3  # suspended for one zone: still let in
    AccessState.objects.filter(pk=suspended.pk).delete()
    assert step_on(country, D(2021, 3, 1)) == 3
    other = f.CountryFactory(iso2="QD")
    MarketAccess.objects.filter(pk=second.pk).update(country=other)
    assert step_on(country, D(2021, 6, 1)) == 2
    assert step_on(other, D(2021, 6, 1)) == 1
    assert step_on(other, D(2020, 12, 31)) == 0


def test_a_not_recorded_answer_reads_the_nearest_coverage_days_only():
    """At scale a country's coverage changes on thousands of days: records.sql returns the
    COVERAGE_DAYS nearest on either side, as its ORM twin does."""
    from accessions.eligibility.records import statement_sql
    from accessions.windows import COVERAGE_DAYS

    assert statement_sql().count(f"ORDER BY cs.starts_on DESC LIMIT {COVERAGE_DAYS})") == 1
    assert statement_sql().count(f"ORDER BY cs.starts_on ASC LIMIT {COVERAGE_DAYS})") == 1
