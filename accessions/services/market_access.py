"""Writes to the access list: add an entry, save an edited one, change its status. Each writes
its outbox event in the same transaction, so subscribers hear of exactly the changes that commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accessions.models import AccessStatus, EventKind, MarketAccess
from accessions.outbox import event_record
from registry.common import DomainError, history_context
from registry.models import Country, Product


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


def market_access_save(*, access: MarketAccess, by: Any = None) -> MarketAccess:
    """Save an access entry edited as a whole (the admin's form), with the events the dedicated
    services write: new_access for a new entry, status_changed when its status moved."""
    with transaction.atomic():
        previous = (
            MarketAccess.objects.select_for_update()
            .filter(pk=access.pk)
            .values_list("status", flat=True)
            .first()
            if access.pk
            else None
        )
        access.full_clean()
        access.save()
        if previous is None:
            event_record(
                kind=EventKind.NEW_ACCESS,
                occurred_on=access.valid_from or timezone.localdate(),
                market_access=access,
                status_to=access.status,
            )
        elif previous != access.status:
            event_record(
                kind=EventKind.STATUS_CHANGED,
                occurred_on=timezone.localdate(),
                market_access=access,
                status_from=previous,
                status_to=access.status,
                data={"by": getattr(by, "pk", None)},
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
