"""The expiry sweep (registrations and access entries) and its alerts.

Decree 248 Art. 20: renewal is filed 3–6 months before expiry; Decree 280 (from 2026-06-01):
3–12 months, automatic 5-year extension except listed cases. The regime in force on the expiry
date decides; regimes are rows, never code."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accessions.models import (
    ACTIVE_REGISTRATION_STATUSES,
    AccessStatus,
    Alert,
    AlertKind,
    EstablishmentRegistration,
    EventKind,
    MarketAccess,
    RegistrationRegime,
    RegistrationStatus,
)
from accessions.outbox import dispatch_enqueue, event_record
from accessions.registration_validity import registration_recorded_end
from accessions.services.expiry_batches import (
    extended_until_sql,
    in_batches,
    insert_alerts,
    insert_events,
    insert_in_batches,
)
from accessions.validity import status_on_annotations
from accounts import roles
from registry.dates import add_months
from registry.errors import DomainError
from registry.history import history_context
from registry.sql import sql_now

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

logger = logging.getLogger(__name__)

# --- Dates ---------------------------------------------------------------------------------------


def window_last_expiry(today: dt.date, months: int) -> dt.date:
    """The latest expiry date whose renewal window has opened by `today`.

    A window "opens N months before expiry" on the same day of the month N months earlier (clamped
    to the month's end). Inverting that per registration in SQL is not portable, so the bound is
    computed here once: expiry <= bound  <=>  add_months(expiry, -N) <= today.
    """
    bound = add_months(today, months)
    if today.day == calendar.monthrange(today.year, today.month)[1]:
        bound = bound.replace(day=calendar.monthrange(bound.year, bound.month)[1])
    return bound


# --- The expiry sweep ----------------------------------------------------------------------------

EXPIRY_THRESHOLDS_DAYS = (30, 90, 180)
DEFAULT_BATCH_SIZE = 5000


@dataclass
class SweepSummary:
    today: dt.date
    dry_run: bool = False
    window_entered: int = 0
    expiring_alerts: int = 0
    expired: int = 0
    extended: int = 0
    without_regime: int = 0
    access_expiring_alerts: int = 0
    access_expired: int = 0
    alerts_created: int = 0
    events_created: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        return data


class _Effective(TypedDict):
    # The expiry in force: extended_until, else valid_until. Any, not date: the plugin checks
    # lookups on annotations by the annotation's type and would refuse `effective__range`.
    effective: Any


def _registrations() -> QuerySet[WithAnnotations[EstablishmentRegistration, _Effective]]:
    return EstablishmentRegistration.objects.order_by().annotate(
        effective=registration_recorded_end()
    )


def _regime_range(regime: RegistrationRegime) -> tuple[dt.date, dt.date]:
    return regime.valid_from, regime.valid_until or dt.date.max


def expiry_sweep(
    *,
    today: dt.date,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], object] | None = None,
) -> SweepSummary:
    """Raise expiry alerts and move registrations and access entries on, as of `today`.

    The regime that decides is the one in force on the registration's expiry date (docs/design.md,
    "The domain": Registration regime; seeds/README.md, registration_regimes.csv): Decree 248
    Art. 20, renewal 3–6 months before expiry; Decree 280 (from 2026-06-01), 3–12 months, and
    automatic extension for its `auto_extend_years` unless the registration carries an
    `extension_exclusion`.

    - past expiry: status `expired`, or `extended` with `extended_until` and `extension_basis`;
    - renewal window opened: status `renewal_due` (alert `window_opened`, event `window_entered`);
    - 180/90/30 days before expiry: an `expiring` alert for the bucket the date falls in;
    - access entries: the status kept for lists follows the series of dated legal states on
      `today` (an `access_expired` alert when the recorded end has passed; 180/90/30-day alerts
      before); the legal states are never written.

    Safe to run twice and at the same time: state-based selection, FOR UPDATE SKIP LOCKED, and
    unique constraints on alerts (per subject, kind, threshold, expiry date) and on the event of an
    alert. Set-based SQL in batches; never all rows in memory.
    """
    summary = SweepSummary(today=today, dry_run=dry_run)
    run: dict[str, Any] = {"dry_run": dry_run, "batch_size": batch_size, "progress": progress}
    regimes = list(RegistrationRegime.objects.order_by("valid_from"))
    active = _registrations().filter(status__in=ACTIVE_REGISTRATION_STATUSES)

    with history_context(actor="expiry_sweep", date=today.isoformat()):
        _past_expiry(active, regimes, today=today, summary=summary, run=run)
        _renewal_windows_open(active, regimes, today=today, summary=summary, run=run)
        summary.without_regime = _without_regime(active, regimes)
        # 3. Expiring soon: one alert for the 180/90/30-day bucket the expiry date falls in.
        summary.expiring_alerts = _threshold_alerts(
            _registrations().filter(status__in=ACTIVE_REGISTRATION_STATUSES),
            subject="registration",
            kind=AlertKind.EXPIRING,
            today=today,
            summary=summary,
            **run,
        )
        _access_entries(today=today, summary=summary, run=run)
    logger.info("expiry sweep %s: %s", today.isoformat(), summary.as_dict())
    if summary.events_created and not dry_run:
        # The one place the sweep wakes the dispatcher (the task and the command both call this).
        transaction.on_commit(dispatch_enqueue)
    return summary


def _past_expiry(
    active: QuerySet[WithAnnotations[EstablishmentRegistration, _Effective]],
    regimes: list[RegistrationRegime],
    *,
    today: dt.date,
    summary: SweepSummary,
    run: dict[str, Any],
) -> None:
    """1. Past expiry: expire, or extend automatically when the regime says so. An `extended`
    alert's date is the new expiry (the registration now runs until then)."""
    for regime in regimes:
        start, end = _regime_range(regime)
        past = active.filter(effective__range=(start, end), effective__lt=today)
        for status in ACTIVE_REGISTRATION_STATUSES:
            common: dict[str, Any] = {
                "subject": "registration",
                "status_from": status,
                "today": today,
            }
            if regime.auto_extend:
                summary.extended += in_batches(
                    past.filter(status=status, extension_exclusion=""),
                    _transition(
                        **common,
                        status_to=RegistrationStatus.EXTENDED,
                        alert_kind=AlertKind.EXTENDED,
                        event_kind=EventKind.EXTENDED,
                        summary=summary,
                        extend=regime,
                    ),
                    **run,
                )
            expiring = past.filter(status=status)
            if regime.auto_extend:
                expiring = expiring.exclude(extension_exclusion="")
            summary.expired += in_batches(
                expiring,
                _transition(
                    **common,
                    status_to=RegistrationStatus.EXPIRED,
                    alert_kind=AlertKind.EXPIRED,
                    event_kind=EventKind.EXPIRED,
                    summary=summary,
                ),
                **run,
            )


def _renewal_windows_open(
    active: QuerySet[WithAnnotations[EstablishmentRegistration, _Effective]],
    regimes: list[RegistrationRegime],
    *,
    today: dt.date,
    summary: SweepSummary,
    run: dict[str, Any],
) -> None:
    """2. Renewal window opened (per regime, dated)."""
    for regime in regimes:
        start, end = _regime_range(regime)
        bound = min(end, window_last_expiry(today, regime.window_max_months))
        for status in (RegistrationStatus.REGISTERED, RegistrationStatus.EXTENDED):
            entering = active.filter(status=status, effective__range=(max(start, today), bound))
            summary.window_entered += in_batches(
                entering,
                _transition(
                    subject="registration",
                    status_from=status,
                    status_to=RegistrationStatus.RENEWAL_DUE,
                    alert_kind=AlertKind.WINDOW_OPENED,
                    event_kind=EventKind.WINDOW_ENTERED,
                    today=today,
                    summary=summary,
                ),
                **run,
            )


def _without_regime(
    active: QuerySet[WithAnnotations[EstablishmentRegistration, _Effective]],
    regimes: list[RegistrationRegime],
) -> int:
    """Active registrations whose expiry falls under no regime's dates: counted for the operator;
    no step moves their status on."""
    covered = Q(pk__in=[])
    for regime in regimes:
        covered |= Q(effective__range=_regime_range(regime))
    return active.exclude(covered).count()


def _access_entries(*, today: dt.date, summary: SweepSummary, run: dict[str, Any]) -> None:
    """4. Access entries: the status kept for lists follows the series on `today`
    (accessions.validity); the legal states themselves are never written here. An entry whose
    recorded end has passed gets the `access_expired` alert; any other change of the kept status
    (a suspension or restoration starting today) an event."""
    in_force = MarketAccess.objects.order_by().filter(
        status=AccessStatus.IN_FORCE, valid_until__isnull=False
    )
    on_today = MarketAccess.objects.order_by().alias(**status_on_annotations(today))
    summary.access_expired = in_batches(
        on_today.filter(Q(status=AccessStatus.IN_FORCE) & Q(status_on=AccessStatus.EXPIRED)),
        _transition(
            subject="market_access",
            status_from=AccessStatus.IN_FORCE,
            status_to=AccessStatus.EXPIRED,
            alert_kind=AlertKind.ACCESS_EXPIRED,
            event_kind=EventKind.EXPIRED,
            today=today,
            summary=summary,
        ),
        **run,
    )
    if not run["dry_run"]:
        summary.events_created += _access_status_follow(on_today, today)
    summary.access_expiring_alerts = _threshold_alerts(
        in_force.annotate(effective=F("valid_until")),
        subject="market_access",
        kind=AlertKind.ACCESS_EXPIRING,
        today=today,
        summary=summary,
        **run,
    )


def _access_status_follow(entries: QuerySet, today: dt.date) -> int:
    """Every other entry whose kept status differs from its series on `today` takes the
    series' status, with a status_changed event (a few rows a day: a state starting today)."""
    changed = 0
    for access in entries.exclude(status=F("status_on")).annotate(now=F("status_on")).iterator():
        previous = access.status
        with transaction.atomic():
            updated = MarketAccess.objects.filter(pk=access.pk, status=previous).update(
                status=access.now
            )
            if updated:
                event_record(
                    kind=EventKind.STATUS_CHANGED,
                    occurred_on=today,
                    market_access=access,
                    status_from=previous,
                    status_to=access.now,
                    data={"by": "expiry_sweep"},
                )
                changed += 1
    return changed


def _transition(
    *,
    subject: str,
    status_from: str,
    status_to: str,
    alert_kind: str,
    event_kind: str,
    today: dt.date,
    summary: SweepSummary,
    extend: RegistrationRegime | None = None,
) -> Callable[[QuerySet], list[int]]:
    """A batch step: one UPDATE ... WHERE id IN (<batch>) RETURNING id changes the status (and,
    for an automatic extension, extended_until and its basis), then one alert and one outbox event
    per changed row, all in the caller's transaction."""
    model = EstablishmentRegistration if subject == "registration" else MarketAccess

    def apply(batch: QuerySet) -> list[int]:
        sets, params = ["status = %s", "updated_at = %s"], [status_to, sql_now()]
        if extend is not None:
            expression, expression_params = extended_until_sql(extend.auto_extend_years or 0)
            sets += [f"extended_until = {expression}", "extension_basis = %s"]
            params += [*expression_params, _extension_basis(extend, today)]
        batch_sql, batch_params = batch.query.sql_with_params()
        # PostgreSQL: ANY(ARRAY(...)) runs the batch subquery once and updates by primary key;
        # `IN (subquery)` let the planner hash-join against a scan of the whole table per batch.
        where = (
            f"id = ANY(ARRAY({batch_sql}))"
            if connection.vendor == "postgresql"
            else f"id IN ({batch_sql})"
        )
        sql = (
            f"UPDATE {model._meta.db_table} SET {', '.join(sets)} "  # noqa: S608
            f"WHERE {where} RETURNING id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *batch_params])
            ids = [row[0] for row in cursor.fetchall()]
        if ids:
            summary.alerts_created += insert_alerts(
                ids, subject=subject, kind=alert_kind, threshold=0, today=today
            )
            summary.events_created += insert_events(
                ids,
                subject=subject,
                alert_kind=alert_kind,
                event_kind=event_kind,
                status_from=status_from,
                status_to=status_to,
                today=today,
            )
        return ids

    return apply


def _extension_basis(regime: RegistrationRegime, today: dt.date) -> str:
    return _(
        "Automatic %(years)s-year extension under %(regime)s (%(code)s); "
        "recorded by the expiry sweep on %(date)s."
    ) % {
        "years": regime.auto_extend_years,
        "regime": regime.name,
        "code": regime.code,
        "date": today.isoformat(),
    }


def _threshold_alerts(
    queryset: QuerySet,
    *,
    subject: str,
    kind: str,
    today: dt.date,
    summary: SweepSummary,
    dry_run: bool,
    batch_size: int,
    progress: Callable[[int], object] | None,
) -> int:
    """Alerts for the bucket (0–30, 31–90, 91–180 days) each expiry date falls in, once each."""
    created = 0
    lower = today
    field = "registration" if subject == "registration" else "market_access"
    for threshold in sorted(EXPIRY_THRESHOLDS_DAYS):
        upper = today + dt.timedelta(days=threshold)
        already = Alert.objects.filter(
            **{field: OuterRef("pk")},
            kind=kind,
            threshold_days=threshold,
            due_on=OuterRef("effective"),
        )
        bucket = queryset.filter(effective__range=(lower, upper)).filter(~Exists(already))

        def apply(ids: list[int], threshold: int = threshold) -> int:
            count = insert_alerts(ids, subject=subject, kind=kind, threshold=threshold, today=today)
            summary.alerts_created += count
            return count

        if dry_run:
            # A dry run only counts: in_batches never calls its batch step then.
            created += in_batches(
                bucket, lambda batch: [], dry_run=True, batch_size=batch_size, progress=progress
            )
        else:
            created += insert_in_batches(bucket, apply, batch_size=batch_size, progress=progress)
        lower = upper + dt.timedelta(days=1)
    return created


# --- Alerts --------------------------------------------------------------------------------------


def alert_acknowledge(*, alert_id: int, by: Any) -> Alert:
    """An inspector acknowledges an alert; the first acknowledgement (who, when) is kept."""
    if not roles.may_acknowledge_alerts(by):
        raise DomainError("not_allowed", _("Only inspectors can acknowledge alerts."))
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise DomainError("not_found", _("No such alert."))
        if alert.acknowledged_at is None:
            alert.acknowledged_at = timezone.now()
            alert.acknowledged_by = by
            alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert
