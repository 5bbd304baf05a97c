"""What the access entry's legal state on the date asked says (accessions.validity, read in SQL
with the entry): the verdict it forces, its reasons, the conditions it adds, and a warning where
the date asked falls inside the imprecision of the state's start."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from accessions.eligibility.answer import Reason, Verdict
from accessions.models import InstrumentKind, MarketAccess, StateKind
from accessions.validity import GRANTING_KINDS, may_have_started, next_state, series_states
from registry.dates import format_dated
from registry.localize import choice_label, translated_text
from registry.localize import gettext as _
from registry.provenance import DatePrecision


def iso_date(value: str | None) -> dt.date | None:
    """A date of the records' JSON (an ISO string), None where it is blank."""
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def _state_line(state: dict[str, Any]) -> dict[str, Any]:
    """The words of a state's start and instrument, for the messages below; `translated` says
    whether the instrument's reference is the registry's translation (the message is marked)."""
    shown = translated_text(state, "instrument_ref")
    instrument = shown.text
    if not instrument and state.get("instrument_kind"):
        instrument = choice_label(InstrumentKind, state["instrument_kind"])
    return {
        "translated": shown.translated_by_registry,
        "date": format_dated(
            iso_date(state.get("starts_on")), state.get("starts_on_precision") or ""
        )
        if state.get("starts_on")
        else _("a date the sources do not give"),
        "instrument": instrument or _("instrument not recorded"),
    }


def _reason(code: str, message: str, words: dict[str, Any]) -> Reason:
    """A reason whose message names a state's instrument, marked where the registry translated
    the instrument's reference."""
    return Reason(code, message, translated_by_registry=bool(words.get("translated")))


def access_state_reasons(
    access: MarketAccess, on: dt.date
) -> tuple[str | None, list[Reason], list[Reason]]:
    """`_state_reasons`, and a warning when the date asked falls inside the imprecision of the
    state's start (a start known to the year or month only: on that day the state may not yet
    have applied)."""
    verdict, reasons, conditions = _state_reasons(access, on)
    state = getattr(access, "state_on_data", None)
    start = iso_date((state or {}).get("starts_on"))
    precision = (state or {}).get("starts_on_precision")
    if start is not None and start.year == on.year:
        words = {"date": format_dated(start, precision or ""), "on": on.isoformat()}
        if precision == DatePrecision.YEAR:
            reasons.append(
                Reason(
                    "state_date_uncertain",
                    _(
                        "The registry knows the start of this state (%(date)s) to the year only: "
                        "on %(on)s it may not yet have applied."
                    )
                    % words,
                )
            )
        elif precision == DatePrecision.MONTH and start.month == on.month:
            reasons.append(
                Reason(
                    "state_date_uncertain",
                    _(
                        "The registry knows the start of this state (%(date)s) to the month "
                        "only: on %(on)s it may not yet have applied."
                    )
                    % words,
                )
            )
    return verdict, reasons, conditions


def _state_reasons(
    access: MarketAccess, on: dt.date
) -> tuple[str | None, list[Reason], list[Reason]]:
    """What the entry's state on `on` (accessions.validity, read in SQL with the entry) says:
    the verdict it forces (None when access holds), its reasons, and the conditions it adds (the
    zones of a partial suspension or restoration). Every branch reads the dated series, never
    the status kept for lists."""
    state = getattr(access, "state_on_data", None)
    kind = state["kind"] if state else None
    if kind is None or kind == StateKind.PROTOCOL_SIGNED:
        return _before_access(access, on, state)
    state = cast(dict[str, Any], state)  # kind is set: a state has started
    words = _state_line(state)
    refusal = _refusal(kind, state, words)
    if refusal is not None:
        return Verdict.NOT_ELIGIBLE, [refusal], []
    reasons, conditions = _access_holds(access, on, kind, state, words)
    return None, reasons, conditions


def _before_access(
    access: MarketAccess, on: dt.date, state: dict[str, Any] | None
) -> tuple[str, list[Reason], list[Reason]]:
    """No state has started by the date asked, or only a protocol was signed: access starts
    later (`not_eligible`), or may already have started (a start known imprecisely, see
    accessions.validity.may_have_started: `not_recorded`), or the registry does not know of any
    (`not_recorded`)."""
    series = series_states(getattr(access, "state_series_data", None))
    upcoming = next_state(series, on, GRANTING_KINDS)
    words = _state_line(upcoming.row) if upcoming is not None else {}
    if upcoming is not None and may_have_started(series, on, upcoming):
        return (
            Verdict.NOT_RECORDED,
            [
                _reason(
                    "state_date_uncertain",
                    _(
                        "Access started no later than %(date)s (%(instrument)s). The registry "
                        "does not know the exact day, so it cannot tell whether access had "
                        "already started on %(on)s."
                    )
                    % {**words, "on": on.isoformat()},
                    words,
                )
            ],
            [],
        )
    if upcoming is not None:
        return (
            Verdict.NOT_ELIGIBLE,
            [
                _reason(
                    "not_yet_in_force",
                    _("Access starts on %(date)s (%(instrument)s), after the date asked about.")
                    % words,
                    words,
                )
            ],
            [],
        )
    if state is None:
        return (
            Verdict.NOT_RECORDED,
            [
                Reason(
                    "no_state_recorded",
                    _(
                        "The registry records nothing about this entry on that date: its "
                        "first recorded state starts later."
                    ),
                )
            ],
            [],
        )
    return (
        Verdict.NOT_RECORDED,
        [
            Reason(
                "protocol_only",
                _(
                    "A protocol was signed (%(date)s), but the registry holds no GACC "
                    "announcement of access. Announcements follow protocols and the registry "
                    "may not hold one: access is not confirmed."
                )
                % _state_line(state),
            )
        ],
        [],
    )


def _refusal(kind: str, state: dict[str, Any], words: dict[str, Any]) -> Reason | None:
    """The reason a started state refuses access (negotiating, revoked, ended, or suspended
    with no zones excepted); None where it lets products in."""
    if kind == StateKind.NEGOTIATING:
        return Reason("access_negotiating", _("Access is still being negotiated."))
    if kind == StateKind.REVOKED:
        return _reason(
            "access_revoked", _("Access was revoked on %(date)s (%(instrument)s).") % words, words
        )
    if kind == StateKind.ENDED:
        start = iso_date(state.get("starts_on"))
        last = (start - dt.timedelta(days=1)).isoformat() if start else _("an earlier date")
        return Reason(
            "access_expired", _("Access ended: its last day was %(date)s.") % {"date": last}
        )
    if kind == StateKind.SUSPENDED and not (state.get("limited_to") or "").strip():
        return _reason(
            "access_suspended",
            _("Access is suspended since %(date)s (%(instrument)s).") % words,
            words,
        )
    return None


def _access_holds(
    access: MarketAccess, on: dt.date, kind: str, state: dict[str, Any], words: dict[str, Any]
) -> tuple[list[Reason], list[Reason]]:
    """The reasons and conditions of a state that lets products in: in force, restored, or
    suspended except for listed zones (the zones are a condition)."""
    limited = (state.get("limited_to") or "").strip()
    conditions = []
    if limited:
        conditions.append(
            _reason(
                "access_limited",
                _("Only from: %(zones)s (%(instrument)s; since %(date)s).")
                % {**words, "zones": limited},
                words,
            )
        )
    if kind == StateKind.IN_FORCE:
        message = _(
            "%(product)s from %(country)s has access (%(instrument)s; in force since: %(date)s)."
        )
    elif kind == StateKind.RESTORED:
        message = _(
            "%(product)s from %(country)s has access again (%(instrument)s; restored on %(date)s)."
        )
    else:
        message = _(
            "%(product)s from %(country)s is suspended except for listed areas (%(instrument)s; "
            "since %(date)s)."
        )
    reasons = [
        _reason(
            "access_in_force",
            message % {**words, "product": access.product.name, "country": access.country.name},
            words,
        )
    ]
    if not state.get("starts_on"):
        reasons.append(
            Reason(
                "start_date_unknown",
                _(
                    "The sources give no start date for this access; the registry cannot confirm "
                    "that it was already in force on %(date)s."
                )
                % {"date": on.isoformat()},
            )
        )
    return reasons, conditions
