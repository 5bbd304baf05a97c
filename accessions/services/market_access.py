"""Writes to the access list: add an entry, save an edited one, record a dated state. Each writes
its outbox event in the same transaction, so subscribers hear of exactly the changes that commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accessions.models import (
    NOTE_WRITTEN_ON,
    AccessState,
    AccessStatus,
    EventKind,
    MarketAccess,
    StateKind,
    StateOrigin,
)
from accessions.outbox import event_record
from accessions.validity import access_states_sync, access_status_refresh_one
from registry.errors import DomainError
from registry.history import history_context
from registry.models import Country, Product
from registry.provenance import DatePrecision


def public_note_stamp(obj: models.Model, *, previous: str | None, today: dt.date) -> None:
    """A public note carries the day it was written (issue 21): when a record's note differs
    from `previous` (None: a new record) it is dated `today`; an emptied note has no date. Every
    service that writes a note calls this (market_access_save, publishing a proposal with a new
    note, the seeds); a record whose note did not change keeps its date, known or not."""
    field = NOTE_WRITTEN_ON.get(type(obj))
    note = getattr(obj, "public_note", "")
    if field is None or note == previous:
        return
    setattr(obj, field, today if note.strip() else None)


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
    public_note_stamp(access, previous=None, today=timezone.localdate())
    with transaction.atomic(), history_context(user=getattr(by, "pk", None), action="create"):
        access.save()
        access_states_sync(access, today=timezone.localdate())
        event_record(
            kind=EventKind.NEW_ACCESS,
            occurred_on=valid_from or timezone.localdate(),
            market_access=access,
            status_to=status,
        )
    return access


# A status chosen on the entry's form (the admin, a proposal, an import) is a state recorded from
# the day it is saved: the series stays the one record of legal states (accessions.validity).
STATUS_AS_STATE: dict[str, str] = {
    AccessStatus.SUSPENDED: StateKind.SUSPENDED,
    AccessStatus.REVOKED: StateKind.REVOKED,
    AccessStatus.IN_FORCE: StateKind.RESTORED,
}


def market_access_save(*, access: MarketAccess, by: Any = None) -> MarketAccess:
    """Save an access entry edited as a whole (the admin's form, a published proposal), with
    the events the dedicated services write: new_access for a new entry, status_changed when its
    status moved. The entry's own dates go into its series; a status chosen on the form
    (suspended, revoked, or in force again after either) is recorded as a state from today. A
    changed public note is dated today (public_note_stamp)."""
    today = timezone.localdate()
    with transaction.atomic():
        before = (
            MarketAccess.objects.select_for_update()
            .filter(pk=access.pk)
            .values_list("status", "public_note")
            .first()
            if access.pk
            else None
        )
        previous, previous_note = before if before is not None else (None, None)
        requested = access.status
        access.full_clean()
        public_note_stamp(access, previous=previous_note, today=today)
        access.save()
        access_states_sync(access, today=None)
        stopped = (AccessStatus.SUSPENDED, AccessStatus.REVOKED)
        if (
            previous is not None
            and requested != previous
            and requested in STATUS_AS_STATE
            and (requested != AccessStatus.IN_FORCE or previous in stopped)
        ):
            AccessState.objects.get_or_create(
                market_access=access,
                kind=STATUS_AS_STATE[requested],
                starts_on=today,
                defaults={
                    "starts_on_precision": DatePrecision.EXACT,
                    "origin": StateOrigin.RECORDED,
                    "source": access.source,
                    "source_url": access.source_url,
                    "confidence": access.confidence,
                    "is_illustrative": access.is_illustrative,
                    "notes": "Recorded from the status chosen on the entry's form; the date is "
                    "the day it was saved.",
                },
            )
        access_status_refresh_one(access, today=today)
        if previous is None:
            event_record(
                kind=EventKind.NEW_ACCESS,
                occurred_on=access.valid_from or today,
                market_access=access,
                status_to=access.status,
            )
        elif previous != access.status:
            event_record(
                kind=EventKind.STATUS_CHANGED,
                occurred_on=today,
                market_access=access,
                status_from=previous,
                status_to=access.status,
                data={"by": getattr(by, "pk", None)},
            )
    return access


def market_access_state_record(
    *,
    access: MarketAccess,
    kind: str,
    starts_on: dt.date,
    source: str,
    confidence: str,
    starts_on_precision: str = DatePrecision.EXACT,
    limited_to: str = "",
    instrument_kind: str = "",
    instrument_ref: str = "",
    source_url: str = "",
    public_note: str = "",
    by: Any = None,
    reason: str = "",
    today: dt.date | None = None,
) -> AccessState:
    """Record a dated legal state of an access entry: a suspension (whole, or of all but the
    zones in `limited_to`), a restoration, a revocation or an end. It holds from `starts_on`
    until the next state takes over (accessions.validity); the entry's kept status is refreshed
    for today and subscribers hear of a change of it (event status_changed, dated `starts_on`).
    """
    if kind not in (StateKind.SUSPENDED, StateKind.RESTORED, StateKind.REVOKED, StateKind.ENDED):
        raise DomainError(
            "invalid_state",
            _(
                "A state recorded on its own is a suspension, a restoration, a revocation or an "
                "end, not '%(kind)s'."
            )
            % {"kind": kind},
        )
    today = today or timezone.localdate()
    with transaction.atomic(), history_context(user=getattr(by, "pk", None), reason=reason):
        locked = MarketAccess.objects.select_for_update().get(pk=access.pk)
        state = AccessState(
            market_access=locked,
            kind=kind,
            starts_on=starts_on,
            starts_on_precision=starts_on_precision,
            limited_to=limited_to.strip(),
            instrument_kind=instrument_kind,
            instrument_ref=instrument_ref,
            source=source,
            source_url=source_url,
            confidence=confidence,
            public_note=public_note,
            note_written_on=today if public_note else None,
            origin=StateOrigin.RECORDED,
        )
        state.full_clean()
        state.save()
        previous = locked.status
        status = access_status_refresh_one(locked, today=today)
        event_record(
            kind=EventKind.STATUS_CHANGED,
            occurred_on=starts_on,
            market_access=locked,
            status_from=previous,
            status_to=status if status != previous else kind,
            data={"reason": reason, "state": kind} if reason else {"state": kind},
        )
    access.status = locked.status
    return state
