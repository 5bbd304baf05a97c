"""The plain-SQL forms of the temporal rules (accessions.validity_sql, read by the access list's
hand-written page) agree with their Python twins (accessions.validity) over generated series:
the state on a date, whether it lets the product in, the status on a date; and the series'
order. The ORM forms are proved the same way in tests/accessions/test_valid_time.py."""

import datetime as dt

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accessions.models import StateKind
from accessions.validity import derived_status, grants_access, series_key, state_on
from accessions.validity_sql import (
    STATES_TABLE,
    grants_sql,
    series_order_sql,
    state_on_join_sql,
    status_on_sql,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

BASE = dt.date(2020, 1, 1)
KINDS = st.sampled_from([kind.value for kind in StateKind])
# A short span of days, so that series often hold several states on one day (ties), plus None.
STARTS = st.one_of(st.none(), st.integers(0, 12).map(lambda n: BASE + dt.timedelta(days=n)))
LIMITED = st.sampled_from(["", "Almaty region"])
SERIES = st.lists(st.tuples(KINDS, STARTS, LIMITED), max_size=7)
ASKED = st.lists(
    st.integers(-2, 14).map(lambda n: BASE + dt.timedelta(days=n)), min_size=1, max_size=5
)


@pytest.fixture
def entry(db):
    return f.MarketAccessFactory()


def _on_day(entry, on):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT on_day.kind, {grants_sql('on_day')}, {status_on_sql('a', 'on_day')} "  # noqa: S608
            f"FROM accessions_marketaccess a {state_on_join_sql('a', 'on_day')} "
            "WHERE a.id = %(id)s",
            {"on": on, "id": entry.pk},
        )
        return cursor.fetchone()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=SERIES, asked=ASKED)
def test_the_sql_forms_agree_with_their_python_twins(entry, generated, asked):
    states = f.series_write(entry, generated)
    for on in asked:
        kind, grants, status = _on_day(entry, on)
        current = state_on(states, on)
        assert kind == (current.kind if current is not None else None), on
        assert (grants is True) == grants_access(current), on
        assert status == derived_status(states, on), on


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=SERIES)
def test_the_series_order_in_sql_is_the_python_one(entry, generated):
    states = f.series_write(entry, generated)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id FROM {STATES_TABLE} s WHERE s.market_access_id = %s "  # noqa: S608
            f"ORDER BY {series_order_sql('s')}",
            [entry.pk],
        )
        ordered = [row[0] for row in cursor.fetchall()]
    rows = [{"kind": s.kind, "starts_on": s.starts_on, "id": s.id} for s in states]
    assert ordered == [row["id"] for row in sorted(rows, key=series_key)]


def test_the_comparison_can_fail(entry):
    """A partial suspension lets the product in; a whole one does not (the twins above would
    tell a wrong SQL form apart)."""
    f.series_write(entry, [("in_force", BASE, ""), ("suspended", BASE + dt.timedelta(days=2), "")])
    assert _on_day(entry, BASE + dt.timedelta(days=3))[1:] == (False, "suspended")
    f.series_write(entry, [("in_force", BASE, ""), ("suspended", BASE + dt.timedelta(days=2), "x")])
    assert _on_day(entry, BASE + dt.timedelta(days=3))[1:] == (True, "in_force")
