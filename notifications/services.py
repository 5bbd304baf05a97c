"""The delivery of events: fan-out to subscribers, signed webhooks with retries and dead letters
(who subscribes to what: notifications.subscriptions; e-mail digests: notifications.emails)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accessions.models import EstablishmentRegistration, MarketAccess, OutboxEvent
from accessions.outbox import dispatch_enqueue
from accounts import roles
from notifications import outbound
from notifications.models import Channel, Delivery, DeliveryAttempt, DeliveryState, Subscription
from registry.errors import DomainError
from registry.models import Product
from registry.selectors.hs_codes import hs_prefix_match_sql
from registry.sql import sql_execute, sql_in_ids, sql_now

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
            now = sql_now()
            where, where_params = sql_in_ids("e.id", ids)
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
                f" WHERE {hs_prefix_match_sql('p', 's.hs_prefix')} AND (p.id = e.product_id"
                f" OR EXISTS (SELECT 1 FROM {through} rp WHERE rp.establishmentregistration_id"
                " = e.registration_id AND rp.product_id = p.id))))"
                ") ON CONFLICT DO NOTHING"
            )
            created += sql_execute(sql, [DeliveryState.PENDING, now, now, True, *where_params])
            OutboxEvent.objects.filter(id__in=ids).update(fanned_out_at=timezone.now())


def _subject_payload(event: OutboxEvent) -> dict[str, Any]:
    reg = event.registration
    if reg is not None:
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
    # The check constraint: an event is about one registration or one access entry.
    access = cast(MarketAccess, event.market_access)
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


def webhook_post(
    delivery_id: int, url: str, secret: str, payload: dict, timeout: float
) -> _Outcome:
    """One signed HTTP POST to a re-checked address (notifications.outbound), never raises.

    The recorded error is a failure class ("refused", "timeout", "HTTP 5xx"), never the text of a
    connection error: a subscriber's page must not become a port scanner.
    """
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "agrifood-registry-webhooks/1",
        "X-Registry-Timestamp": timestamp,
        "X-Registry-Signature": webhook_signature(secret=secret, timestamp=timestamp, body=body),
        "X-Registry-Idempotency-Key": payload["idempotency_key"],
        "X-Registry-Event": payload["event"]["kind"],
    }
    attempted_at, started = timezone.now(), time.monotonic()
    result = outbound.post_json(url, body, headers, timeout)
    duration = int((time.monotonic() - started) * 1000)
    return _Outcome(
        delivery_id, result.ok, result.status_code, result.error, duration, attempted_at
    )


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
        jobs: list[tuple[int, str, str, dict[str, Any]]] = []
        for delivery in Delivery.objects.filter(id__in=[d.pk for d in claimed]).select_related(
            "subscription",
            "event__registration__country",
            "event__market_access__product",
            "event__market_access__country",
        ):
            sub = delivery.subscription
            jobs.append((delivery.pk, sub.webhook_url, sub.secret, delivery_payload(delivery)))

        def send(job: tuple[int, str, str, dict[str, Any]]) -> _Outcome:
            return webhook_post(*job, timeout)

        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
            outcomes = list(pool.map(send, jobs))
        for outcome in outcomes:
            _record(outcome, summary)


def delivery_retry(*, delivery: Delivery, by: Any) -> Delivery:
    """Give a dead letter another round of attempts (its subscriber or an admin asks for it)."""
    if not roles.may_manage_subscription(by, delivery.subscription):
        raise DomainError("not_allowed", _("This is not your delivery."))
    if delivery.state != DeliveryState.DEAD:
        raise DomainError("not_dead", _("Only a dead letter can be retried."))
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.DEAD).update(
        state=DeliveryState.RETRYING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(dispatch_enqueue)
    delivery.refresh_from_db()
    return delivery
