"""The one home of the temporal rules of access entries and registrations (valid time,
docs/design.md "Time").

- **The state of an access entry on a date** is the latest of its dated legal states that starts
  on or before the date ("valid until the next one takes over", uktrade/tamato's
  ValidityStartMixin); a state whose start is not known comes before every dated one. SQL form:
  `state_on_subquery` / `access_granted_on`; Python twin: `state_on` / `grants_access`. A test
  (hypothesis) proves the two agree over generated series.
- **The series from the entry's own dates**: the protocol, the start of access and its end
  recorded on the entry are states too (origin "entry"); `access_states_sync` writes them, and
  every write of an entry calls it. An entry holds access from `valid_from` unless its
  instrument is a protocol or its form says "negotiating" / "protocol signed" (which the kept
  status reads only when no start of access is recorded: see `derived_status`). Suspensions,
  restorations and revocations are states of their own (origin "recorded"), written by
  `accessions.services.market_access`.
- **A start known imprecisely**: a stored start means "no later than this day"; before it, a
  date inside the start's imprecision (`earliest_start`, `may_have_started`) is one on which the
  state may already have applied, and the answer says so instead of "not yet".
- **The current status** kept on the entry for lists is derived from the series for one day
  (`derived_status`), refreshed on every write and by the daily sweep; nothing reads it for a
  date.
- **A registration's effective end** has its home beside this one, in
  accessions.registration_validity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import BaseExpression, Combinable
from django.db.models.functions import JSONObject

from accessions.models import (
    AccessState,
    AccessStatus,
    InstrumentKind,
    MarketAccess,
    StateKind,
    StateOrigin,
)
from registry.provenance import NOTE_TRANSLATION_FIELDS, DatePrecision

# Two states starting on the same day: the later step of the procedure takes over.
KIND_RANK = {
    StateKind.NEGOTIATING: 0,
    StateKind.PROTOCOL_SIGNED: 1,
    StateKind.IN_FORCE: 2,
    StateKind.SUSPENDED: 3,
    StateKind.RESTORED: 4,
    StateKind.ENDED: 5,
    StateKind.REVOKED: 6,
}
GRANTING_KINDS = (StateKind.IN_FORCE, StateKind.RESTORED)
# States after which the entry once held access (a question in them is answered from the record).
STOPPING_KINDS = (StateKind.SUSPENDED, StateKind.ENDED, StateKind.REVOKED)


class StateLike(Protocol):
    """A state as the Python twins read it: a model instance or a SeriesState."""

    @property
    def kind(self) -> str: ...
    @property
    def starts_on(self) -> dt.date | None: ...
    @property
    def limited_to(self) -> str: ...
    @property
    def id(self) -> Any: ...


@dataclass(frozen=True)
class SeriesState:
    """One state of a series read as a plain row (the engine's JSON of STATE_FIELDS), for the
    Python twins; `row` is the row as read."""

    kind: str
    starts_on: dt.date | None
    limited_to: str
    id: int
    row: dict[str, Any]


def series_states(rows: Iterable[dict[str, Any]] | None) -> list[SeriesState]:
    """A series read as plain rows (dates as ISO text or dates), ready for `state_on`."""
    found = []
    for row in rows or []:
        start = row.get("starts_on")
        if isinstance(start, str):
            start = dt.date.fromisoformat(start[:10])
        found.append(
            SeriesState(row["kind"], start, row.get("limited_to") or "", row["id"], dict(row))
        )
    return found


def series_key(state: Any) -> tuple:
    """The Python twin of `series_order` for plain rows (dicts with kind, starts_on, id):
    oldest first, a start not known first, the later step of the procedure last on one day."""
    start = state["starts_on"]
    if isinstance(start, str):
        start = dt.date.fromisoformat(start[:10])
    return (start is not None, start or dt.date.min, KIND_RANK.get(state["kind"], 0), state["id"])


def _order_key(state: StateLike) -> tuple:
    return (
        state.starts_on is not None,
        state.starts_on or dt.date.min,
        KIND_RANK.get(state.kind, 0),  # type: ignore[call-overload]
        state.id or 0,
    )


_S = TypeVar("_S", bound=StateLike)


def state_on(states: Iterable[_S], on: dt.date) -> _S | None:
    """The Python twin of `state_on_subquery`: the state in force on `on`, or None when no
    state has started by then."""
    started = [s for s in states if s.starts_on is None or s.starts_on <= on]
    return max(started, key=_order_key, default=None)


def next_state(states: Iterable[_S], on: dt.date, kinds: Iterable[str] | None = None) -> _S | None:
    """The first state (of `kinds`, any when None) that starts after `on`."""
    wanted = set(kinds) if kinds is not None else None
    later = [
        s
        for s in states
        if s.starts_on is not None and s.starts_on > on and (wanted is None or s.kind in wanted)
    ]
    return min(later, key=_order_key, default=None)


# A repost follows the announcement it copies by days, at times by weeks (seeds/README.md,
# "Dates"): the engine does not claim that a state stored at a repost's date had not yet applied
# in the month before it.
REPOST_LEAD = dt.timedelta(days=31)


def earliest_start(start: dt.date, precision: str) -> dt.date | None:
    """The first day a state stored as starting on `start` may really have applied. A stored
    start is conservative, "no later than this day" (seeds/README.md, "Dates"): a start known to
    the year or the month may be that period's first day, a repost date may follow the
    announcement by up to REPOST_LEAD, and an inferred date (the earliest evidence, such as a
    first import) bounds nothing before it (None)."""
    if precision == DatePrecision.YEAR:
        return dt.date(start.year, 1, 1)
    if precision == DatePrecision.MONTH:
        return dt.date(start.year, start.month, 1)
    if precision == DatePrecision.REPOST:
        return start - REPOST_LEAD if start > dt.date.min + REPOST_LEAD else dt.date.min
    if precision == DatePrecision.INFERRED:
        return None
    return start


def may_have_started(series: Iterable[SeriesState], on: dt.date, state: SeriesState) -> bool:
    """Whether `state`, stored as starting after `on`, may already have applied on `on`: `on`
    falls inside the imprecision of its start (`earliest_start`), and no earlier step of the
    series is known to start after `on` (a protocol signed after `on` comes before the access
    that follows it; a protocol known imprecisely too may have come before `on`)."""
    start = state.starts_on
    if start is None or start <= on:
        return False
    if not _may_start_by(state, on):
        return False
    return not any(
        other.starts_on is not None and other.starts_on < start and not _may_start_by(other, on)
        for other in series
    )


def _may_start_by(state: SeriesState, on: dt.date) -> bool:
    """Whether a state may have applied by `on`, by its stored start and its precision (an
    undated state comes before every dated one)."""
    if state.starts_on is None:
        return True
    earliest = earliest_start(state.starts_on, state.row.get("starts_on_precision") or "")
    return earliest is None or earliest <= on


def grants_access(state: StateLike | None) -> bool:
    """Whether a state lets the product in (wholly, or only for the zones it lists): in force,
    restored, or suspended for all but listed zones."""
    if state is None:
        return False
    if state.kind in GRANTING_KINDS:
        return True
    return state.kind == StateKind.SUSPENDED and bool(state.limited_to.strip())


# --- The SQL form ---------------------------------------------------------------------------

_RANK = Case(
    *(When(kind=kind, then=Value(rank)) for kind, rank in KIND_RANK.items()),
    default=Value(0),
    output_field=IntegerField(),
)
_GRANTS = Case(
    When(kind__in=GRANTING_KINDS, then=Value(True)),
    When(Q(kind=StateKind.SUSPENDED) & ~Q(limited_to=""), then=Value(True)),
    default=Value(False),
    output_field=BooleanField(),
)


def series_order() -> tuple[Any, ...]:
    """The series oldest first, in the order `state_on` reads it: a state whose start is not
    known first, then by start; on one day the later step of the procedure (KIND_RANK) last.
    Every list of a series (the API, exports, pages) orders by this."""
    return (F("starts_on").asc(nulls_first=True), _RANK.asc(), F("id").asc())


def started_by_q(on: dt.date | Combinable | BaseExpression) -> Q:
    """States that have started by `on` (a date or a date column)."""
    return Q(starts_on__isnull=True) | Q(starts_on__lte=on)


def _states_started(on: Any, outer: str = "pk"):
    return (
        AccessState.objects.filter(market_access=OuterRef(outer))
        .filter(started_by_q(on))
        .annotate(rank=_RANK)
        .order_by(F("starts_on").desc(nulls_last=True), "-rank", "-id")
    )


# A state as the engine reads it (records.sql builds the same object): its own fields, its
# provenance and public note, and the note in Chinese and Russian (issue 22).
# A state's instrument reference and source in Chinese and Russian (issue 22: the registry's
# translation, registry.localize.CITATION_FIELDS).
STATE_CITATION_FIELDS = ("instrument_ref_zh", "instrument_ref_ru", "source_zh", "source_ru")
STATE_FIELDS = (
    ("id", "kind", "starts_on", "starts_on_precision", "limited_to", "instrument_kind")
    + ("instrument_ref", "source", "source_url", "confidence", "public_note", "note_written_on")
    + STATE_CITATION_FIELDS
    + NOTE_TRANSLATION_FIELDS
)


def state_on_subquery(on: Any, outer: str = "pk") -> Subquery:
    """The state of the outer access entry on `on` as one JSON object (the fields of
    STATE_FIELDS), or NULL when none has started: one correlated subquery."""
    return Subquery(
        _states_started(on, outer)
        .annotate(data=JSONObject(**{name: F(name) for name in STATE_FIELDS}))
        .values("data")[:1]
    )


def next_state_subquery(on: Any, outer: str = "pk", kinds: Iterable[str] | None = None) -> Subquery:
    """The SQL form of `next_state`: the first state of the outer entry (of `kinds`, any when
    None) that starts after `on`, as one JSON object (e.g. the start of access not yet in
    force)."""
    later = AccessState.objects.filter(market_access=OuterRef(outer), starts_on__gt=on)
    if kinds is not None:
        later = later.filter(kind__in=list(kinds))
    return Subquery(
        later.annotate(rank=_RANK)
        .order_by("starts_on", "rank", "id")
        .annotate(data=JSONObject(**{name: F(name) for name in STATE_FIELDS}))
        .values("data")[:1]
    )


def access_granted_on(on: Any, outer: str = "pk") -> Subquery:
    """The SQL form of `grants_access(state_on(...))`: true when the outer entry's state on `on`
    lets the product in, false otherwise (NULL when no state has started)."""
    return Subquery(
        _states_started(on, outer).annotate(grants=_GRANTS).values("grants")[:1],
        output_field=BooleanField(),
    )


def state_kind_on(on: Any, outer: str = "pk") -> Subquery:
    """The kind of the outer entry's state on `on` (NULL when none has started)."""
    return Subquery(_states_started(on, outer).values("kind")[:1])


def access_ends_between(start: dt.date, end: dt.date) -> Exists:
    """Access entries whose series has an end or a revocation taking over on a day in
    [start, end] (the list's `expiring_within`)."""
    return Exists(
        AccessState.objects.filter(
            market_access=OuterRef("pk"),
            kind__in=(StateKind.ENDED, StateKind.REVOKED),
            starts_on__gte=start,
            starts_on__lte=end,
        )
    )


def granted_on_filter(queryset, on: Any):
    """A queryset of MarketAccess narrowed to the entries whose state on `on` lets the product
    in (the list's `as_of`, the dashboard's count, the change feed's "in force on")."""
    return queryset.alias(granted_on=access_granted_on(on)).filter(granted_on=True)


# --- The series from the entry's own dates -----------------------------------------------------


ENTRY_INSTRUMENT_FIELDS = ("instrument_ref", "instrument_ref_zh", "instrument_ref_ru")


def _entry_instrument(access: MarketAccess) -> dict[str, str]:
    """The entry's instrument reference in its three languages, as its states name it."""
    return {name: getattr(access, name) for name in ENTRY_INSTRUMENT_FIELDS}


def entry_states(access: MarketAccess) -> list[dict[str, Any]]:
    """The states the entry's own dates stand for: its protocol, its start (an entry whose
    instrument is not a protocol holds access from `valid_from`, unknown when empty) and its end
    (the day after `valid_until`)."""
    provenance = {
        "source": access.source,
        "source_zh": access.source_zh,
        "source_ru": access.source_ru,
        "source_url": access.source_url,
        "confidence": access.confidence,
        "is_illustrative": access.is_illustrative,
    }
    found: list[dict[str, Any]] = []
    if (
        access.protocol_signed_on
        or access.instrument_kind == InstrumentKind.PROTOCOL
        or access.status == AccessStatus.NEGOTIATING
    ):
        negotiating = (
            access.status == AccessStatus.NEGOTIATING and access.protocol_signed_on is None
        )
        found.append(
            {
                "kind": StateKind.NEGOTIATING if negotiating else StateKind.PROTOCOL_SIGNED,
                "starts_on": access.protocol_signed_on,
                "starts_on_precision": access.protocol_signed_precision,
                "instrument_kind": InstrumentKind.PROTOCOL,
                **(
                    _entry_instrument(access)
                    if access.instrument_kind == InstrumentKind.PROTOCOL
                    else dict.fromkeys(ENTRY_INSTRUMENT_FIELDS, "")
                ),
                **provenance,
            }
        )
    pre_access = access.status in (AccessStatus.NEGOTIATING, AccessStatus.PROTOCOL_SIGNED)
    if access.instrument_kind != InstrumentKind.PROTOCOL and not pre_access:
        found.append(
            {
                "kind": StateKind.IN_FORCE,
                "starts_on": access.valid_from,
                "starts_on_precision": access.valid_from_precision if access.valid_from else "",
                "instrument_kind": access.instrument_kind,
                **_entry_instrument(access),
                **provenance,
                "public_note": access.public_note,
                "public_note_zh": access.public_note_zh,
                "public_note_ru": access.public_note_ru,
                "translated_by_registry": access.translated_by_registry,
                "note_written_on": access.public_note_written_on,
            }
        )
    if access.valid_until is not None:
        found.append(
            {
                "kind": StateKind.ENDED,
                "starts_on": access.valid_until + dt.timedelta(days=1),
                "starts_on_precision": access.valid_from_precision or "exact",
                "instrument_kind": access.instrument_kind,
                **_entry_instrument(access),
                **provenance,
            }
        )
    return found


def access_states_sync(access: MarketAccess, *, today: dt.date | None) -> str:
    """Write the entry's own dates into its series (replacing the states they stood for before)
    and refresh the entry's current status from the series for `today` (None: leave the kept
    status to the daily sweep, as test fixtures dated in the past do). Returns the status."""
    wanted = entry_states(access)
    kept = {
        (s.kind, s.starts_on): s
        for s in AccessState.objects.filter(market_access=access, origin=StateOrigin.ENTRY)
    }
    for values in wanted:
        key = (values["kind"], values["starts_on"])
        state = kept.pop(key, None)
        if state is None:
            # A recorded state on the same day and kind already says it.
            if AccessState.objects.filter(
                market_access=access, kind=key[0], starts_on=key[1]
            ).exists():
                continue
            AccessState.objects.create(market_access=access, origin=StateOrigin.ENTRY, **values)
            continue
        changed = [name for name, value in values.items() if getattr(state, name) != value]
        if changed:
            for name in changed:
                setattr(state, name, values[name])
            state.save(update_fields=changed)
    for stale in kept.values():
        stale.delete()
    if today is None:
        return access.status
    return access_status_refresh_one(access, today=today)


def derived_status(states: Iterable[StateLike], today: dt.date) -> str:
    """The entry's status for lists on `today`, from its series alone. Before a recorded start
    of access it is "not yet in force" (pending), so the entry's own form reads "negotiating" or
    "protocol signed" only where no start of access is recorded at all."""
    states = list(states)
    current = state_on(states, today)
    if current is not None and current.kind == StateKind.ENDED:
        return AccessStatus.EXPIRED
    if current is not None and current.kind == StateKind.REVOKED:
        return AccessStatus.REVOKED
    if grants_access(current):
        return AccessStatus.IN_FORCE
    if current is not None and current.kind == StateKind.SUSPENDED:
        return AccessStatus.SUSPENDED
    if next_state(states, today, GRANTING_KINDS) is not None:
        return AccessStatus.PENDING
    if current is not None and current.kind == StateKind.PROTOCOL_SIGNED:
        return AccessStatus.PROTOCOL_SIGNED
    if current is None and states:
        return AccessStatus.PENDING
    return AccessStatus.NEGOTIATING


def access_status_refresh_one(access: MarketAccess, *, today: dt.date) -> str:
    """Refresh one entry's kept status from its series (no event: the caller writes it)."""
    status = derived_status(AccessState.objects.filter(market_access=access), today)
    if access.status != status:
        MarketAccess.objects.filter(pk=access.pk).update(status=status)
        access.status = status
    return status


def status_on_annotations(on: Any) -> dict[str, Any]:
    """The SQL form of `derived_status` for a queryset of MarketAccess: alias these, then read
    `status_on` (the daily refresh)."""
    status_on = Case(
        When(kind_on=StateKind.ENDED, then=Value(AccessStatus.EXPIRED)),
        When(kind_on=StateKind.REVOKED, then=Value(AccessStatus.REVOKED)),
        When(granted_on=True, then=Value(AccessStatus.IN_FORCE)),
        When(kind_on=StateKind.SUSPENDED, then=Value(AccessStatus.SUSPENDED)),
        When(later_grant=True, then=Value(AccessStatus.PENDING)),
        When(kind_on=StateKind.PROTOCOL_SIGNED, then=Value(AccessStatus.PROTOCOL_SIGNED)),
        When(Q(kind_on__isnull=True) & Q(has_states=True), then=Value(AccessStatus.PENDING)),
        default=Value(AccessStatus.NEGOTIATING),
    )
    return {
        "kind_on": state_kind_on(on),
        "granted_on": access_granted_on(on),
        "has_states": Exists(AccessState.objects.filter(market_access=OuterRef("pk"))),
        "later_grant": Exists(
            AccessState.objects.filter(
                market_access=OuterRef("pk"), kind__in=GRANTING_KINDS, starts_on__gt=on
            )
        ),
        "status_on": status_on,
    }
