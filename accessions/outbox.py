"""The outbox: events written in the same transaction as the change they report, and the
enqueueing of their delivery after commit (a broker outage loses nothing)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _

from accessions.models import EstablishmentRegistration, MarketAccess, OutboxEvent
from registry.errors import DomainError
from registry.queue import task_enqueue

logger = logging.getLogger(__name__)

DISPATCH_TASK = "notifications.tasks.dispatch_outbox_task"


def dispatch_enqueue() -> bool:
    """Ask a worker to dispatch the outbox now. Never fails the caller: when the broker is down the
    events stay in the outbox and the periodic dispatcher (beat) delivers them once it is back.
    By name (the dispatcher belongs to the notifications app, above this one), through the one
    budgeted enqueue (registry.queue)."""
    return task_enqueue(DISPATCH_TASK)


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
