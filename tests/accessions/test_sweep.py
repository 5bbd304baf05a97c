"""The expiry sweep: dated regimes, renewal windows, automatic extension, access expiry, no
duplicates when run twice or concurrently, and the `sweep_expiring` command."""

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accessions.models import (
    AccessStatus,
    Alert,
    AlertKind,
    EstablishmentRegistration,
    EventKind,
    MarketAccess,
    OutboxEvent,
)
from accessions.services import expiry
from registry.dates import add_months
from tests.factories import (
    EstablishmentRegistrationFactory,
    MarketAccessFactory,
    RegistrationRegimeFactory,
)

D = dt.date


@pytest.fixture
def regimes(db):
    """Decree 248 until 2026-05-31 (3–6 months), Decree 280 from 2026-06-01 (3–12 months,
    automatic 5-year extension), as seeds/registration_regimes.csv holds them."""
    return {
        "248": RegistrationRegimeFactory(
            code="decree-248",
            name_en="GACC Decree 248",
            valid_from=D(2022, 1, 1),
            valid_until=D(2026, 5, 31),
            window_min_months=3,
            window_max_months=6,
        ),
        "280": RegistrationRegimeFactory(
            code="decree-280",
            name_en="GACC Decree 280",
            valid_from=D(2026, 6, 1),
            valid_until=None,
            window_min_months=3,
            window_max_months=12,
            auto_extend=True,
            auto_extend_years=5,
        ),
    }


def registration(regimes, valid_until, **kwargs):
    kwargs.setdefault("registered_on", D(2021, 6, 1))
    return EstablishmentRegistrationFactory(
        valid_until=valid_until, regime=regimes["248"], **kwargs
    )


@pytest.mark.parametrize(
    ("valid_until", "today", "expected"),
    [
        # Decree 248: the window opens 6 months before expiry.
        (D(2026, 3, 31), D(2025, 9, 29), "registered"),
        (D(2026, 3, 31), D(2025, 9, 30), "renewal_due"),
        # The last day under 248 and the first under 280: the regime in force on the expiry
        # date decides (6 months versus 12 months).
        (D(2026, 5, 31), D(2025, 11, 29), "registered"),
        (D(2026, 5, 31), D(2025, 11, 30), "renewal_due"),
        (D(2026, 6, 1), D(2025, 5, 31), "registered"),
        (D(2026, 6, 1), D(2025, 6, 1), "renewal_due"),
        # Decree 280: 12 months.
        (D(2026, 12, 31), D(2025, 12, 30), "registered"),
        (D(2026, 12, 31), D(2025, 12, 31), "renewal_due"),
        # Month-end clamp: 31 August minus 6 months is 28 February.
        (D(2025, 8, 31), D(2025, 2, 27), "registered"),
        (D(2025, 8, 31), D(2025, 2, 28), "renewal_due"),
    ],
)
def test_sweep_moves_registration_into_window_by_regime_in_force_on_expiry(
    regimes, valid_until, today, expected
):
    reg = registration(regimes, valid_until)

    expiry.expiry_sweep(today=today)

    reg.refresh_from_db()
    assert reg.status == expected


def test_window_entry_raises_one_alert_and_one_event(regimes):
    reg = registration(regimes, D(2026, 3, 31))

    summary = expiry.expiry_sweep(today=D(2025, 10, 1))

    alert = Alert.objects.get(registration=reg, kind=AlertKind.WINDOW_OPENED)
    assert (alert.due_on, alert.raised_on, alert.threshold_days) == (
        D(2026, 3, 31),
        D(2025, 10, 1),
        0,
    )
    event = OutboxEvent.objects.get(registration=reg)
    assert (event.kind, event.status_from, event.status_to, event.alert) == (
        EventKind.WINDOW_ENTERED,
        "registered",
        "renewal_due",
        alert,
    )
    assert (summary.window_entered, summary.events_created) == (1, 1)


def test_registration_past_expiry_under_248_expires(regimes):
    reg = registration(regimes, D(2026, 5, 31), status="renewal_due")

    summary = expiry.expiry_sweep(today=D(2026, 6, 1))

    reg.refresh_from_db()
    assert (reg.status, reg.extended_until, reg.extension_basis) == ("expired", None, "")
    assert summary.expired == 1
    assert OutboxEvent.objects.get(registration=reg).kind == EventKind.EXPIRED
    assert Alert.objects.filter(registration=reg, kind=AlertKind.EXPIRED).count() == 1


def test_registration_past_expiry_under_280_is_extended_five_years_with_basis(regimes):
    reg = registration(regimes, D(2026, 6, 1), status="renewal_due")

    summary = expiry.expiry_sweep(today=D(2026, 6, 2))

    reg.refresh_from_db()
    assert reg.status == "extended"
    assert reg.extended_until == D(2031, 6, 1)
    assert "decree-280" in reg.extension_basis
    assert "2026-06-02" in reg.extension_basis
    assert summary.extended == 1
    event = OutboxEvent.objects.get(registration=reg)
    assert (event.kind, event.status_from, event.status_to) == (
        "extended",
        "renewal_due",
        "extended",
    )


@pytest.mark.parametrize("exclusion", ["exclusion_list", "rectifying", "imports_suspended"])
def test_registration_excluded_from_automatic_extension_expires(regimes, exclusion):
    reg = registration(regimes, D(2026, 6, 1), extension_exclusion=exclusion)

    expiry.expiry_sweep(today=D(2026, 6, 2))

    reg.refresh_from_db()
    assert (reg.status, reg.extended_until) == ("expired", None)


@pytest.mark.parametrize("status", ["suspended", "cancelled", "expired"])
def test_sweep_leaves_inactive_registrations_alone(regimes, status):
    reg = registration(regimes, D(2026, 6, 1), status=status)

    expiry.expiry_sweep(today=D(2027, 1, 1))

    reg.refresh_from_db()
    assert reg.status == status
    assert not Alert.objects.exists()


def test_extended_registration_expires_again_under_the_regime_of_its_new_date(regimes):
    reg = registration(regimes, D(2026, 6, 1))
    expiry.expiry_sweep(today=D(2026, 6, 2))

    expiry.expiry_sweep(today=D(2031, 6, 2))

    reg.refresh_from_db()
    assert reg.extended_until == D(2036, 6, 1)
    assert Alert.objects.filter(registration=reg, kind=AlertKind.EXTENDED).count() == 2


def test_registration_without_regime_on_its_expiry_date_is_counted_not_touched(regimes):
    reg = registration(regimes, D(2021, 12, 31), registered_on=D(2017, 1, 1))

    summary = expiry.expiry_sweep(today=D(2022, 6, 1))

    reg.refresh_from_db()
    assert reg.status == "registered"
    assert summary.without_regime == 1


def test_sweep_records_history_with_sweep_context(regimes):
    reg = registration(regimes, D(2026, 5, 31))

    expiry.expiry_sweep(today=D(2026, 6, 1))

    event = reg.events.filter(pgh_label="update").latest("pgh_id")
    assert event.status == "expired"
    assert event.pgh_context.metadata["actor"] == "expiry_sweep"
    assert event.pgh_context.metadata["date"] == "2026-06-01"


@pytest.mark.parametrize(
    ("days_left", "threshold"), [(0, 30), (30, 30), (31, 90), (90, 90), (91, 180), (180, 180)]
)
def test_expiring_alert_for_the_bucket_the_expiry_falls_in(regimes, days_left, threshold):
    today = D(2025, 1, 15)
    reg = registration(regimes, today + dt.timedelta(days=days_left), status="renewal_due")

    expiry.expiry_sweep(today=today)

    alerts = Alert.objects.filter(registration=reg, kind=AlertKind.EXPIRING)
    assert [a.threshold_days for a in alerts] == [threshold]


def test_no_expiring_alert_beyond_180_days(regimes):
    today = D(2025, 1, 15)
    registration(regimes, today + dt.timedelta(days=181))

    expiry.expiry_sweep(today=today)

    assert not Alert.objects.filter(kind=AlertKind.EXPIRING).exists()


def test_access_entry_past_its_end_date_expires(db):
    ended = MarketAccessFactory(valid_until=D(2026, 1, 31))
    running = MarketAccessFactory(valid_until=D(2026, 2, 1))
    open_ended = MarketAccessFactory(valid_until=None)

    summary = expiry.expiry_sweep(today=D(2026, 2, 1))

    statuses = dict(MarketAccess.objects.values_list("pk", "status"))
    assert statuses == {ended.pk: "expired", running.pk: "in_force", open_ended.pk: "in_force"}
    assert summary.access_expired == 1
    event = OutboxEvent.objects.get(market_access=ended)
    assert (event.kind, event.product_id, event.country_id) == (
        EventKind.EXPIRED,
        ended.product_id,
        ended.country_id,
    )
    assert Alert.objects.filter(market_access=ended, kind=AlertKind.ACCESS_EXPIRED).count() == 1
    assert (
        Alert.objects.get(market_access=running, kind=AlertKind.ACCESS_EXPIRING).threshold_days
        == 30
    )


def test_kept_status_follows_the_series_and_no_legal_state_is_written(db):
    # A suspension recorded from 2026-03-01: the sweep of that day moves the kept status to
    # "suspended" (with an event), the sweep of the day before leaves it; neither writes a state.
    access = MarketAccessFactory(states=[{"kind": "suspended", "starts_on": D(2026, 3, 1)}])
    states = list(access.states.values_list("kind", "starts_on", "origin"))

    expiry.expiry_sweep(today=D(2026, 2, 28))
    access.refresh_from_db()
    assert access.status == "in_force"

    expiry.expiry_sweep(today=D(2026, 3, 1))
    access.refresh_from_db()
    assert access.status == "suspended"
    assert list(access.states.values_list("kind", "starts_on", "origin")) == states
    assert OutboxEvent.objects.filter(market_access=access, status_to="suspended").count() == 1


def _mixed_population(regimes, n=12):
    for i in range(n):
        registration(regimes, D(2026, 5, 31) - dt.timedelta(days=i))  # 248: expire
        registration(regimes, D(2026, 6, 1) + dt.timedelta(days=i))  # 280: extend
        registration(regimes, D(2026, 8, 1) + dt.timedelta(days=i * 7))  # window, expiring
    for i in range(n):
        MarketAccessFactory(valid_until=D(2026, 5, 1) + dt.timedelta(days=i * 5))


def _snapshot():
    return (
        Alert.objects.count(),
        OutboxEvent.objects.count(),
        sorted(EstablishmentRegistration.objects.values_list("status", "extended_until")),
        sorted(MarketAccess.objects.values_list("status", flat=True)),
    )


def test_second_sweep_on_the_same_day_changes_and_creates_nothing(regimes):
    _mixed_population(regimes)
    first = expiry.expiry_sweep(today=D(2026, 6, 10), batch_size=5)
    before = _snapshot()

    second = expiry.expiry_sweep(today=D(2026, 6, 10), batch_size=5)

    assert first.alerts_created > 0 and first.events_created > 0
    assert _snapshot() == before
    assert (second.alerts_created, second.events_created, second.expired, second.extended) == (
        0,
        0,
        0,
        0,
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_create_no_duplicates(regimes):
    _mixed_population(regimes, n=30)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            expiry.expiry_sweep(today=D(2026, 6, 10), batch_size=3)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    concurrent = _snapshot()
    alone = expiry.expiry_sweep(today=D(2026, 6, 10))

    assert errors == []
    assert (alone.alerts_created, alone.events_created) == (0, 0)
    assert _snapshot() == concurrent
    # Every alert has at most one event, every state change exactly one event.
    changed = EstablishmentRegistration.objects.exclude(status="registered").count()
    expired_accesses = MarketAccess.objects.filter(status="expired").count()
    assert OutboxEvent.objects.count() == changed + expired_accesses
    assert OutboxEvent.objects.values("alert").distinct().count() == OutboxEvent.objects.count()


def test_dry_run_counts_and_changes_nothing(regimes):
    _mixed_population(regimes, n=3)
    before = _snapshot()

    dry = expiry.expiry_sweep(today=D(2026, 6, 10), dry_run=True)
    real = expiry.expiry_sweep(today=D(2026, 6, 10))

    assert (dry.expired, dry.extended, dry.window_entered, dry.access_expired) == (
        real.expired,
        real.extended,
        real.window_entered,
        real.access_expired,
    )
    assert dry.expired > 0
    assert before != _snapshot()


def test_dry_run_leaves_the_database_as_it_was(regimes):
    _mixed_population(regimes, n=3)
    before = _snapshot()

    expiry.expiry_sweep(today=D(2026, 6, 10), dry_run=True)

    assert _snapshot() == before


@pytest.mark.parametrize(
    ("day", "months", "bound"),
    [
        (D(2025, 9, 30), 6, D(2026, 3, 31)),  # month end: the whole target month is open
        (D(2025, 9, 29), 6, D(2026, 3, 29)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2025, 1, 30), 1, D(2025, 2, 28)),
    ],
)
def test_window_last_expiry_inverts_months_before_expiry(day, months, bound):
    assert expiry.window_last_expiry(day, months) == bound
    assert add_months(bound, -months) <= day
    assert add_months(bound + dt.timedelta(days=1), -months) > day


# --- The command ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["2026-13-01", "01/06/2026", "tomorrow", "2026-02-30", ""])
def test_command_rejects_malformed_date_and_saves_nothing(regimes, bad):
    registration(regimes, D(2020, 1, 1), registered_on=D(2015, 1, 1))
    registration(regimes, D(2026, 5, 31))

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("sweep_expiring", "--date", bad, stdout=StringIO(), stderr=StringIO())

    assert not Alert.objects.exists()
    assert set(EstablishmentRegistration.objects.values_list("status", flat=True)) == {"registered"}


def test_command_sweeps_and_prints_a_summary(regimes):
    reg = registration(regimes, D(2026, 5, 31))
    out, err = StringIO(), StringIO()

    call_command("sweep_expiring", "--date", "2026-06-01", stdout=out, stderr=err)

    reg.refresh_from_db()
    assert reg.status == "expired"
    assert "expired: 1" in out.getvalue()
    assert "rows" in err.getvalue()  # the progress bar


def test_command_dry_run_prints_counts_and_changes_nothing(regimes):
    reg = registration(regimes, D(2026, 5, 31))
    out = StringIO()

    call_command(
        "sweep_expiring", "--date", "2026-06-01", "--dry-run", stdout=out, stderr=StringIO()
    )

    reg.refresh_from_db()
    assert reg.status == "registered"
    assert "Dry run" in out.getvalue()
    assert "expired: 1" in out.getvalue()


def test_database_refuses_a_second_alert_for_the_same_subject_kind_threshold_and_date(regimes):
    from django.db import IntegrityError, transaction

    reg = registration(regimes, D(2026, 3, 31))
    fields = {
        "registration": reg,
        "kind": "expiring",
        "threshold_days": 30,
        "due_on": D(2026, 3, 31),
    }
    Alert.objects.create(raised_on=D(2026, 3, 1), **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(raised_on=D(2026, 3, 2), **fields)


def test_a_change_again_on_the_day_of_its_alert_gets_one_event_linked_to_that_alert(regimes):
    """The alert raised earlier today is reused (no second alert) and the change gets its event,
    linked to that alert, when the first event is gone; a fresh alert gets one as usual."""
    reg = registration(regimes, D(2026, 5, 31))
    access = MarketAccessFactory(valid_until=D(2026, 5, 1))
    expiry.expiry_sweep(today=D(2026, 6, 1))
    alerts = set(Alert.objects.values_list("pk", flat=True))
    OutboxEvent.objects.all().delete()
    EstablishmentRegistration.objects.filter(pk=reg.pk).update(status="registered")
    MarketAccess.objects.filter(pk=access.pk).update(status=AccessStatus.IN_FORCE)
    other = registration(regimes, D(2026, 5, 30))

    summary = expiry.expiry_sweep(today=D(2026, 6, 1))

    assert (summary.expired, summary.access_expired) == (2, 1)
    assert (summary.alerts_created, summary.events_created) == (1, 3)
    events = {
        (e.registration_id or e.market_access_id, e.alert_id) for e in OutboxEvent.objects.all()
    }
    assert events == {
        (reg.pk, Alert.objects.get(registration=reg, kind=AlertKind.EXPIRED).pk),
        (access.pk, Alert.objects.get(market_access=access, kind=AlertKind.ACCESS_EXPIRED).pk),
        (other.pk, Alert.objects.get(registration=other, kind=AlertKind.EXPIRED).pk),
    }
    assert set(Alert.objects.values_list("pk", flat=True)) - alerts == {
        Alert.objects.get(registration=other).pk
    }
