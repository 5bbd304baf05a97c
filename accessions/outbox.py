"""The outbox: events written in the same transaction as the change they report, and the
enqueueing of their delivery after commit (a broker outage loses nothing)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast

from celery import current_app, signature
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accessions.models import EstablishmentRegistration, MarketAccess, OutboxEvent
from registry.errors import DomainError
from registry.redis_cache import redis_breaker

logger = logging.getLogger(__name__)

DISPATCH_TASK = "notifications.tasks.dispatch_outbox_task"


def dispatch_enqueue() -> bool:
    """Ask a worker to dispatch the outbox now. Never fails the caller: when the broker is down the
    events stay in the outbox and the periodic dispatcher (beat) delivers them once it is back.

    A web request must not wait for an unreachable or hung broker: the message goes over its own
    connection with the short Redis timeout (REDIS_TIMEOUT, not the worker's), no retries, and not
    at all while the process's Redis circuit breaker is open.
    """
    # By name: the dispatcher belongs to the notifications app, above this one.
    task = signature(DISPATCH_TASK)
    try:
        if current_app.conf.task_always_eager:  # embedded mode: runs in-process, no broker
            task.apply_async(retry=False)
            return True
        if not redis_breaker.allows():
            logger.warning("outbox dispatch not enqueued: Redis is not answering (breaker open)")
            return False
        budget = float(getattr(settings, "REDIS_TIMEOUT", 0.25))
        with current_app.connection_for_write(
            transport_options={
                "socket_timeout": budget,
                "socket_connect_timeout": budget,
                "max_retries": 0,
            }
        ) as connection:
            task.apply_async(retry=False, connection=connection)
    except Exception as exc:  # kombu/redis raise several unrelated types when it is unreachable
        if not current_app.conf.task_always_eager:
            redis_breaker.trip(exc)
        logger.warning(
            "could not enqueue the outbox dispatch (%s: %s); the events wait in the outbox for "
            "the periodic dispatcher",
            type(exc).__name__,
            exc,
        )
        return False
    if redis_breaker.is_open:
        redis_breaker.reset()
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
    # Exactly one of the two is given (checked above).
    subject = cast(EstablishmentRegistration | MarketAccess, registration or market_access)
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
