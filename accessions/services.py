"""Writes of the accessions app.

Background jobs (issue 5): the expiry sweep and its alerts, the outbox of events, subscriptions,
webhook and e-mail deliveries, alert acknowledgement. Views, tasks, commands and the admin call
these functions; none of them writes on its own.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accessions.models import (
    HS_PREFIX_REGEX,
    AccessStatus,
    Alert,
    AlertKind,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    EstablishmentRegistration,
    EventKind,
    MarketAccess,
    OutboxEvent,
    RegistrationRegime,
    RegistrationStatus,
    Subscription,
)
from registry.common import DomainError, history_context
from registry.models import Country, Product

logger = logging.getLogger(__name__)

# --- Dates ---------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the end of a shorter month (31 Aug - 6 = 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


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


# --- The outbox ----------------------------------------------------------------------------------


def dispatch_enqueue() -> bool:
    """Ask a worker to dispatch the outbox now. Never fails the caller: when the broker is down the
    events stay in the outbox and the periodic dispatcher (beat) delivers them once it is back.
    """
    from accessions.tasks import dispatch_outbox_task  # tasks import this module

    try:
        # retry=False: a web request must not wait for an unreachable broker.
        dispatch_outbox_task.apply_async(retry=False)
    except Exception as exc:  # kombu/redis raise several unrelated types when it is unreachable
        logger.warning(
            "could not enqueue the outbox dispatch (%s: %s); the events wait in the outbox for "
            "the periodic dispatcher",
            type(exc).__name__,
            exc,
        )
        return False
    return True


def event_record(
    *,
    kind: str,
    occurred_on: dt.date,
    registration: EstablishmentRegistration | None = None,
    market_access: MarketAccess | None = None,
    status_from: str = "",
    status_to: str = "",
    data: dict[str, Any] | None = None,
) -> OutboxEvent:
    """Write one event to the outbox. Call it inside the transaction that makes the change, so the
    event exists exactly when the change does; the dispatch is requested after commit."""
    if (registration is None) == (market_access is None):
        raise DomainError("event_subject", _("An event is about one registration or one access."))
    subject = registration or market_access
    event = OutboxEvent.objects.create(
        kind=kind,
        occurred_on=occurred_on,
        registration=registration,
        market_access=market_access,
        country_id=subject.country_id,
        product_id=market_access.product_id if market_access else None,
        status_from=status_from,
        status_to=status_to,
        data=data or {},
    )
    transaction.on_commit(dispatch_enqueue)
    return event


def market_access_create(
    *,
    product: Product,
    country: Country,
    status: str,
    instrument_kind: str,
    valid_from: dt.date | None,
    source: str,
    confidence: str,
    by: Any = None,
    **fields: Any,
) -> MarketAccess:
    """Add a product/country pair to the access list; subscribers hear of it (event new_access)."""
    access = MarketAccess(
        product=product,
        country=country,
        status=status,
        instrument_kind=instrument_kind,
        valid_from=valid_from,
        source=source,
        confidence=confidence,
        **fields,
    )
    access.full_clean()
    with transaction.atomic(), history_context(user=getattr(by, "pk", None), action="create"):
        access.save()
        event_record(
            kind=EventKind.NEW_ACCESS,
            occurred_on=valid_from or timezone.localdate(),
            market_access=access,
            status_to=status,
        )
    return access


def market_access_status_change(
    *, access: MarketAccess, status: str, on: dt.date, by: Any = None, reason: str = ""
) -> MarketAccess:
    """Change an access entry's status (suspend, revoke, restore); subscribers hear of it."""
    if status not in AccessStatus.values:
        raise DomainError("invalid_status", _("Unknown status: %(status)s.") % {"status": status})
    with transaction.atomic(), history_context(user=getattr(by, "pk", None), reason=reason):
        locked = MarketAccess.objects.select_for_update().get(pk=access.pk)
        if locked.status == status:
            raise DomainError(
                "status_unchanged",
                _("The entry already has status %(status)s.") % {"status": status},
            )
        previous = locked.status
        locked.status = status
        locked.full_clean()
        locked.save(update_fields=["status", "updated_at"])
        event_record(
            kind=EventKind.STATUS_CHANGED,
            occurred_on=on,
            market_access=locked,
            status_from=previous,
            status_to=status,
            data={"reason": reason} if reason else {},
        )
    return locked


# --- The expiry sweep ----------------------------------------------------------------------------

ACTIVE_REGISTRATION = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.RENEWAL_DUE,
    RegistrationStatus.EXTENDED,
)
EXPIRY_THRESHOLDS_DAYS = (30, 90, 180)
DEFAULT_BATCH_SIZE = 5000
_EFFECTIVE_SQL = "COALESCE(r.extended_until, r.valid_until)"


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


def _registrations() -> QuerySet[EstablishmentRegistration]:
    return EstablishmentRegistration.objects.order_by().annotate(
        effective=Coalesce("extended_until", "valid_until")
    )


def _regime_range(regime: RegistrationRegime) -> tuple[dt.date, dt.date]:
    return regime.valid_from, regime.valid_until or dt.date.max


def _in_ids(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """`column` in `ids`: one array parameter on PostgreSQL (cheap to bind), a plain list on
    SQLite."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _insert_alerts(
    ids: list[int], *, subject: str, kind: str, threshold: int, today: dt.date
) -> int:
    """One alert per row of `ids`; a duplicate (same subject, kind, threshold, expiry) is refused
    by the unique constraint and skipped (ON CONFLICT DO NOTHING: PostgreSQL and SQLite)."""
    if subject == "registration":
        table, column, due = EstablishmentRegistration._meta.db_table, "registration_id", None
        due = _EFFECTIVE_SQL
    else:
        table, column, due = MarketAccess._meta.db_table, "market_access_id", "r.valid_until"
    where, where_params = _in_ids("r.id", ids)
    sql = (
        f"INSERT INTO {Alert._meta.db_table} "  # noqa: S608 - table names from model meta
        f"(kind, threshold_days, due_on, raised_on, {column}, created_at) "
        f"SELECT %s, %s, {due}, %s, r.id, %s FROM {table} r "
        f"WHERE {where} ON CONFLICT DO NOTHING"
    )
    return _execute(sql, [kind, threshold, _date(today), _now(), *where_params])


def _insert_events(
    ids: list[int],
    *,
    subject: str,
    alert_kind: str,
    event_kind: str,
    status_from: str,
    status_to: str,
    today: dt.date,
) -> int:
    """One outbox event per alert just raised for `ids`, in the same transaction as the change.

    Runs after the UPDATE (rows changed first, then referenced: inserting rows that reference a row
    before updating it makes PostgreSQL lock it twice and turns the UPDATE 3× slower). The batch
    holds one source status, so `status_from` is a parameter. An event links to the alert raised
    today (unique link), so a second or concurrent sweep never writes the same event twice. Driven
    from the alerts' subject index, with no anti-join, so the plan stays linear even when the
    planner's statistics say the tables are empty (a first sweep over a fresh table).
    """
    if subject == "registration":
        table, column, due, product = (
            EstablishmentRegistration._meta.db_table,
            "registration_id",
            _EFFECTIVE_SQL,
            "NULL",
        )
    else:
        table, column, due, product = (
            MarketAccess._meta.db_table,
            "market_access_id",
            "r.valid_until",
            "r.product_id",
        )
    events, alerts = OutboxEvent._meta.db_table, Alert._meta.db_table
    where, where_params = _in_ids(f"a.{column}", ids)
    sql = (
        f"INSERT INTO {events} (kind, occurred_on, created_at, {column}, country_id, "  # noqa: S608
        "product_id, status_from, status_to, alert_id, data) "
        f"SELECT %s, %s, %s, r.id, r.country_id, {product}, %s, %s, a.id, '{{}}' "
        f"FROM {alerts} a JOIN {table} r ON r.id = a.{column} AND a.due_on = {due} "
        f"WHERE {where} AND a.kind = %s "
        "AND a.threshold_days = 0 AND a.raised_on = %s "
        "ON CONFLICT DO NOTHING"
    )
    params = [event_kind, _date(today), _now(), status_from, status_to, *where_params]
    params += [alert_kind, _date(today)]
    return _execute(sql, params)


def _extended_until_sql(years: int) -> tuple[str, list[Any]]:
    """effective expiry + N years, in the database's own date arithmetic."""
    if connection.vendor == "postgresql":
        sql = "(COALESCE(extended_until, valid_until) + make_interval(years => %s))::date"
        return sql, [years]
    return "date(COALESCE(extended_until, valid_until), %s)", [f"+{years} years"]


def _relax_commit_durability() -> None:
    """A batch's commit need not wait for the WAL flush: a crash loses at most the last batches,
    whole (change, alert and event commit together), and the state-based sweep redoes them on its
    next run. PostgreSQL only; SQLite has no such setting."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _in_batches(
    queryset: QuerySet,
    apply: Callable[[QuerySet], list[int]],
    *,
    dry_run: bool,
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> int:
    """Run `apply` batch by batch, each batch one transaction; `apply` gets the batch as a
    subquery (the next `batch_size` ids, locked FOR NO KEY UPDATE SKIP LOCKED) and returns the ids
    it changed.

    Two sweeps at the same time never work on the same row (SKIP LOCKED); a changed row leaves the
    selection (state-based), and keyset pagination on id means no batch rescans what earlier ones
    changed. Only one batch of ids is ever in memory.
    """
    if dry_run:
        count = queryset.count()
        if progress:
            progress(count)
        return count
    done, last_id = 0, 0
    while True:
        with transaction.atomic():
            _relax_commit_durability()
            batch = (
                queryset.filter(id__gt=last_id)
                .order_by("id")
                .select_for_update(skip_locked=True, no_key=True)
                .values("id")[:batch_size]
            )
            ids = apply(batch)
            if not ids:
                return done
        done, last_id = done + len(ids), max(ids)
        if progress:
            progress(len(ids))


def expiry_sweep(
    *,
    today: dt.date,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> SweepSummary:
    """Raise expiry alerts and move registrations and access entries on, as of `today`.

    The regime that decides is the one in force on the registration's expiry date (DESIGN.md,
    "Registration regime"; domain-facts §5.2): Decree 248 Art. 20, renewal 3–6 months before
    expiry; Decree 280 (from 2026-06-01), 3–12 months, and automatic extension for its
    `auto_extend_years` unless the registration carries an `extension_exclusion`.

    - past expiry: status `expired`, or `extended` with `extended_until` and `extension_basis`;
    - renewal window opened: status `renewal_due` (alert `window_opened`, event `window_entered`);
    - 180/90/30 days before expiry: an `expiring` alert for the bucket the date falls in;
    - access entries in force past `valid_until`: status `expired`; 180/90/30-day alerts before.

    Safe to run twice and at the same time: state-based selection, FOR UPDATE SKIP LOCKED, and
    unique constraints on alerts (per subject, kind, threshold, expiry date) and on the event of an
    alert. Set-based SQL in batches; never all rows in memory.
    """
    summary = SweepSummary(today=today, dry_run=dry_run)
    run = {"dry_run": dry_run, "batch_size": batch_size, "progress": progress}
    regimes = list(RegistrationRegime.objects.order_by("valid_from"))
    active = _registrations().filter(status__in=ACTIVE_REGISTRATION)

    with history_context(actor="expiry_sweep", date=today.isoformat()):
        # 1. Past expiry: expire, or extend automatically when the regime says so. An `extended`
        #    alert's date is the new expiry (the registration now runs until then).
        for regime in regimes:
            start, end = _regime_range(regime)
            past = active.filter(effective__range=(start, end), effective__lt=today)
            for status in ACTIVE_REGISTRATION:
                common = {"subject": "registration", "status_from": status, "today": today}
                if regime.auto_extend:
                    summary.extended += _in_batches(
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
                summary.expired += _in_batches(
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

        # 2. Renewal window opened (per regime, dated).
        for regime in regimes:
            start, end = _regime_range(regime)
            bound = min(end, window_last_expiry(today, regime.window_max_months))
            for status in (RegistrationStatus.REGISTERED, RegistrationStatus.EXTENDED):
                entering = active.filter(status=status, effective__range=(max(start, today), bound))
                summary.window_entered += _in_batches(
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

        covered = Q(pk__in=[])
        for regime in regimes:
            covered |= Q(effective__range=_regime_range(regime))
        summary.without_regime = active.exclude(covered).count()

        # 3. Expiring soon: one alert for the 180/90/30-day bucket the expiry date falls in.
        summary.expiring_alerts = _threshold_alerts(
            _registrations().filter(status__in=ACTIVE_REGISTRATION),
            subject="registration",
            kind=AlertKind.EXPIRING,
            today=today,
            summary=summary,
            **run,
        )

        # 4. Access entries: expired past valid_until, alerts before.
        in_force = MarketAccess.objects.order_by().filter(
            status=AccessStatus.IN_FORCE, valid_until__isnull=False
        )
        summary.access_expired = _in_batches(
            in_force.filter(valid_until__lt=today),
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
        summary.access_expiring_alerts = _threshold_alerts(
            in_force.annotate(effective=F("valid_until")),
            subject="market_access",
            kind=AlertKind.ACCESS_EXPIRING,
            today=today,
            summary=summary,
            **run,
        )
    logger.info("expiry sweep %s: %s", today.isoformat(), summary.as_dict())
    return summary


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
        sets, params = ["status = %s", "updated_at = %s"], [status_to, _now()]
        if extend is not None:
            expression, expression_params = _extended_until_sql(extend.auto_extend_years or 0)
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
            summary.alerts_created += _insert_alerts(
                ids, subject=subject, kind=alert_kind, threshold=0, today=today
            )
            summary.events_created += _insert_events(
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
    progress: Callable[[int], None] | None,
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
            count = _insert_alerts(
                ids, subject=subject, kind=kind, threshold=threshold, today=today
            )
            summary.alerts_created += count
            return count

        if dry_run:
            created += _in_batches(
                bucket, apply, dry_run=True, batch_size=batch_size, progress=progress
            )
        else:
            created += _insert_in_batches(bucket, apply, batch_size=batch_size, progress=progress)
        lower = upper + dt.timedelta(days=1)
    return created


def _insert_in_batches(
    queryset: QuerySet,
    apply: Callable[[list[int]], int],
    *,
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> int:
    """Like _in_batches for inserts that change no row: keyset on id moves on, the NOT EXISTS in
    `queryset` skips what is done, the unique constraint refuses what a concurrent sweep inserted
    first."""
    created, last_id = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                queryset.filter(id__gt=last_id)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return created
            created += apply(ids)
        last_id = ids[-1]
        if progress:
            progress(len(ids))


# --- Subscriptions -------------------------------------------------------------------------------

SUBSCRIBER_GROUPS = ("trader", "inspector", "senior_inspector")
_webhook_url_validator = URLValidator(schemes=["http", "https"])


def subscription_create(
    *,
    user: Any,
    channel: str,
    country: str = "",
    product: str = "",
    hs_prefix: str = "",
    registration: str = "",
    webhook_url: str = "",
) -> Subscription:
    """Subscribe a trader or inspector to one country (ISO alpha-2), product (slug), HS prefix
    (2–6 digits matching a catalogue product) or establishment (registration number).

    The target must exist; a webhook URL must be http(s). Webhooks get a signing secret.
    """
    if not (user.is_superuser or user.groups.filter(name__in=SUBSCRIBER_GROUPS).exists()):
        raise DomainError("not_allowed", _("Only traders and inspectors can subscribe."))
    given = {k: v.strip() for k, v in {
        "country": country, "product": product, "hs_prefix": hs_prefix,
        "registration": registration,
    }.items() if v and v.strip()}  # fmt: skip
    if len(given) != 1:
        raise DomainError(
            "one_target",
            _("Subscribe to exactly one country, product, HS prefix or establishment."),
        )
    if channel not in Channel.values:
        raise DomainError("invalid_channel", _("The channel must be e-mail or webhook."))
    fields: dict[str, Any] = {"user": user, "channel": channel}
    [(target, value)] = given.items()
    found: Any = None
    if target == "country":
        found = Country.objects.filter(iso2=value.upper()).first()
    elif target == "product":
        found = Product.objects.filter(slug=value).first()
    elif target == "registration":
        found = EstablishmentRegistration.objects.filter(registration_number=value.upper()).first()
    elif re.match(HS_PREFIX_REGEX, value):
        found = value if Product.objects.filter(hs_code__startswith=value).exists() else None
    else:
        raise DomainError("invalid_hs_prefix", _("An HS prefix is 2 to 6 digits."))
    if found is None:
        raise DomainError(
            "not_found",
            _("Nothing to subscribe to: no %(target)s %(value)s in the registry.")
            % {"target": target.replace("_", " "), "value": value},
            extra={"target": target, "value": value},
        )
    fields[target] = found
    if channel == Channel.WEBHOOK:
        try:
            _webhook_url_validator(webhook_url)
        except ValidationError as exc:
            raise DomainError(
                "invalid_webhook_url", _("A webhook URL must be an http:// or https:// address.")
            ) from exc
        fields.update(webhook_url=webhook_url, secret=secrets.token_hex(32))
    elif not user.email:
        raise DomainError("no_email", _("Add an e-mail address to your account first."))
    subscription = Subscription(**fields)
    subscription.full_clean()
    subscription.save()
    return subscription


def subscription_deactivate(*, subscription: Subscription, by: Any) -> Subscription:
    if subscription.user_id != by.pk and not by.is_superuser:
        raise DomainError("not_allowed", _("This is not your subscription."))
    Subscription.objects.filter(pk=subscription.pk).update(is_active=False)
    subscription.is_active = False
    return subscription


# --- Fan-out and webhook delivery -----------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def events_fan_out(*, batch_size: int = 1000) -> int:
    """Turn outbox events into one delivery per matching active subscription (set-based).

    A subscription matches an event by country, by establishment, by product (the access's, or one
    of the registration's) or by HS prefix of such a product. The unique (event, subscription)
    constraint makes a second fan-out, or a concurrent one, a no-op.
    """
    deliveries, subs = Delivery._meta.db_table, Subscription._meta.db_table
    events, products = OutboxEvent._meta.db_table, Product._meta.db_table
    through = EstablishmentRegistration.products.through._meta.db_table
    created = 0
    while True:
        with transaction.atomic():
            ids = list(
                OutboxEvent.objects.filter(fanned_out_at__isnull=True)
                .select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return created
            now = _now()
            where, where_params = _in_ids("e.id", ids)
            sql = (
                f"INSERT INTO {deliveries} (event_id, subscription_id, channel, state, "  # noqa: S608
                "attempts, next_attempt_at, last_error, created_at) "
                f"SELECT e.id, s.id, s.channel, %s, 0, %s, '', %s FROM {events} e "
                f"JOIN {subs} s ON s.is_active = %s "
                f"WHERE {where} AND ("
                " s.country_id = e.country_id"
                " OR s.registration_id = e.registration_id"
                " OR s.product_id = e.product_id"
                f" OR EXISTS (SELECT 1 FROM {through} rp WHERE rp.establishmentregistration_id"
                " = e.registration_id AND rp.product_id = s.product_id)"
                f" OR (s.hs_prefix IS NOT NULL AND EXISTS (SELECT 1 FROM {products} p"
                " WHERE p.hs_code LIKE s.hs_prefix || '%%' AND (p.id = e.product_id"
                f" OR EXISTS (SELECT 1 FROM {through} rp WHERE rp.establishmentregistration_id"
                " = e.registration_id AND rp.product_id = p.id))))"
                ") ON CONFLICT DO NOTHING"
            )
            created += _execute(sql, [DeliveryState.PENDING, now, now, True, *where_params])
            OutboxEvent.objects.filter(id__in=ids).update(fanned_out_at=timezone.now())


def _subject_payload(event: OutboxEvent) -> dict[str, Any]:
    if event.registration_id:
        reg = event.registration
        return {
            "type": "establishment_registration",
            "registration_number": reg.registration_number,
            "name": reg.name,
            "country": reg.country.iso2,
            "products": sorted(p.slug for p in reg.products.all()),
            "valid_until": reg.valid_until.isoformat(),
            "extended_until": reg.extended_until.isoformat() if reg.extended_until else None,
            "extension_basis": reg.extension_basis,
            "status": reg.status,
            "is_illustrative": reg.is_illustrative,
        }
    access = event.market_access
    return {
        "type": "market_access",
        "id": access.pk,
        "country": access.country.iso2,
        "product": access.product.slug,
        "hs_code": access.product.hs_code,
        "status": access.status,
        "valid_from": access.valid_from.isoformat() if access.valid_from else None,
        "valid_until": access.valid_until.isoformat() if access.valid_until else None,
        "is_illustrative": access.is_illustrative,
    }


def delivery_payload(delivery: Delivery) -> dict[str, Any]:
    """The JSON a subscriber receives; `idempotency_key` is the same on every retry."""
    event = delivery.event
    return {
        "idempotency_key": delivery.idempotency_key,
        "event": {
            "id": event.pk,
            "kind": event.kind,
            "occurred_on": event.occurred_on.isoformat(),
            "status_from": event.status_from,
            "status_to": event.status_to,
            "data": event.data,
            "subject": _subject_payload(event),
        },
        "subscription": delivery.subscription_id,
    }


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed "sha256=" (receivers recompute it)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass
class _Outcome:
    delivery_id: int
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int
    attempted_at: dt.datetime


def _post(delivery_id: int, url: str, secret: str, payload: dict, timeout: float) -> _Outcome:
    """One HTTP POST with a timeout; never raises (the result says what happened)."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - the URL was validated as http(s)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "agrifood-registry-webhooks/1",
            "X-Registry-Timestamp": timestamp,
            "X-Registry-Signature": webhook_signature(
                secret=secret, timestamp=timestamp, body=body
            ),
            "X-Registry-Idempotency-Key": payload["idempotency_key"],
            "X-Registry-Event": payload["event"]["kind"],
        },
    )
    attempted_at, started = timezone.now(), time.monotonic()
    status, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration = int((time.monotonic() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    return _Outcome(delivery_id, ok, status, error, duration, attempted_at)


def backoff_seconds(attempts: int) -> int:
    """Exponential backoff with a cap: base, 2×base, 4×base, … never more than the cap."""
    base = _setting("REGISTRY_WEBHOOK_BACKOFF_BASE", 60)
    cap = _setting("REGISTRY_WEBHOOK_BACKOFF_CAP", 6 * 3600)
    return int(min(cap, base * 2 ** max(attempts - 1, 0)))


@dataclass
class DispatchSummary:
    fanned_out: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def _record(outcome: _Outcome, summary: DispatchSummary) -> None:
    max_attempts = _setting("REGISTRY_WEBHOOK_MAX_ATTEMPTS", 8)
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=outcome.delivery_id)
        delivery.attempts += 1
        delivery.last_attempt_at = outcome.attempted_at
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        if outcome.ok:
            delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, outcome.attempted_at
            summary.delivered += 1
        elif delivery.attempts >= max_attempts:
            delivery.state = DeliveryState.DEAD
            summary.dead += 1
        else:
            delivery.state = DeliveryState.RETRYING
            delivery.next_attempt_at = outcome.attempted_at + dt.timedelta(
                seconds=backoff_seconds(delivery.attempts)
            )
            summary.retrying += 1
        delivery.save()
        DeliveryAttempt.objects.create(
            delivery=delivery,
            attempted_at=outcome.attempted_at,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )


def webhooks_dispatch(*, now: dt.datetime | None = None, batch_size: int = 50) -> DispatchSummary:
    """Fan out new events, then POST every due webhook delivery once.

    A batch is claimed with FOR UPDATE SKIP LOCKED and leased (next_attempt_at pushed past the
    time a send can take), so two dispatchers never send the same delivery. Sends run in parallel
    threads, each with a timeout, so a hanging or failing receiver never holds up the others.
    Failures are retried with exponential backoff and a cap, then become dead letters.
    """
    summary = DispatchSummary(fanned_out=events_fan_out())
    timeout = float(_setting("REGISTRY_WEBHOOK_TIMEOUT", 5))
    workers = int(_setting("REGISTRY_WEBHOOK_CONCURRENCY", 8))
    seen: set[int] = set()
    while True:
        current = now or timezone.now()
        with transaction.atomic():
            claimed = list(
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(
                    channel=Channel.WEBHOOK,
                    state__in=(DeliveryState.PENDING, DeliveryState.RETRYING),
                    next_attempt_at__lte=current,
                )
                .exclude(id__in=seen)
                .order_by("next_attempt_at", "id")[:batch_size]
            )
            if not claimed:
                return summary
            lease = current + dt.timedelta(seconds=timeout * 2 + 30)
            Delivery.objects.filter(id__in=[d.pk for d in claimed]).update(next_attempt_at=lease)
        seen.update(d.pk for d in claimed)
        jobs = []
        for delivery in Delivery.objects.filter(id__in=[d.pk for d in claimed]).select_related(
            "subscription",
            "event__registration__country",
            "event__market_access__product",
            "event__market_access__country",
        ):
            sub = delivery.subscription
            jobs.append((delivery.pk, sub.webhook_url, sub.secret, delivery_payload(delivery)))
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
            outcomes = list(pool.map(lambda job: _post(*job, timeout), jobs))
        for outcome in outcomes:
            _record(outcome, summary)


def delivery_retry(*, delivery: Delivery, by: Any) -> Delivery:
    """Give a dead letter another round of attempts (its subscriber or an admin asks for it)."""
    if delivery.subscription.user_id != by.pk and not by.is_superuser:
        raise DomainError("not_allowed", _("This is not your delivery."))
    if delivery.state != DeliveryState.DEAD:
        raise DomainError("not_dead", _("Only a dead letter can be retried."))
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.DEAD).update(
        state=DeliveryState.RETRYING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(dispatch_enqueue)
    delivery.refresh_from_db()
    return delivery


# --- E-mail digests ------------------------------------------------------------------------------


def _digest_line(delivery: Delivery) -> str:
    event = delivery.event
    subject = event.registration or event.market_access
    return f"- {event.occurred_on.isoformat()} {event.get_kind_display()}: {subject}"


def digests_send(*, batch_size: int = 500) -> int:
    """Send each subscriber one e-mail listing their pending e-mail deliveries; returns the count.

    Deliveries are claimed with SKIP LOCKED and marked delivered in the same transaction as the
    send, so two digest runs never mail the same event twice.
    """
    events_fan_out()
    sent = 0
    pending = Delivery.objects.filter(
        channel=Channel.EMAIL, state__in=(DeliveryState.PENDING, DeliveryState.RETRYING)
    )
    user_ids = list(pending.values_list("subscription__user_id", flat=True).distinct().order_by())
    for user_id in user_ids:
        with transaction.atomic():
            claimed = list(
                pending.filter(subscription__user_id=user_id)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related(
                    "subscription__user",
                    "event__registration",
                    "event__market_access__product",
                    "event__market_access__country",
                )
                .order_by("event_id")[:batch_size]
            )
            if not claimed:
                continue
            user = claimed[0].subscription.user
            lines = "\n".join(_digest_line(d) for d in claimed)
            body = _("Changes in the market-access registry you subscribed to:") + "\n\n" + lines
            now = timezone.now()
            try:
                send_mail(
                    _("Registry digest: %(count)s changes") % {"count": len(claimed)},
                    body,
                    None,
                    [user.email],
                )
            except OSError as exc:  # SMTP errors are OSErrors
                Delivery.objects.filter(id__in=[d.pk for d in claimed]).update(
                    state=DeliveryState.RETRYING, last_error=str(exc)[:500], last_attempt_at=now
                )
                continue
            Delivery.objects.filter(id__in=[d.pk for d in claimed]).update(
                state=DeliveryState.DELIVERED, delivered_at=now, last_attempt_at=now
            )
            sent += 1
    return sent


# --- Alerts --------------------------------------------------------------------------------------


def alert_acknowledge(*, alert_id: int, by: Any) -> Alert:
    """An inspector acknowledges an alert; the first acknowledgement (who, when) is kept."""
    from accessions.selectors import user_is_inspector

    if not user_is_inspector(by):
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
