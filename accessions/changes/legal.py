"""Legal validity: what took legal effect between two dates, read from the access entries'
series of legal states (accessions.validity) and the other records' own validity dates (see the
package's docstring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from accessions.changes.base import (
    ONE_DAY,
    Change,
    ChangeKind,
    ChangesBetween,
    FieldChange,
    Meaning,
    RecordKind,
    Scope,
    day_after,
    field_change,
    field_label,
    instrument_fields,
    within,
)
from accessions.models import (
    AccessCondition,
    AccessState,
    AccessStatus,
    EstablishmentRegistration,
    InstrumentKind,
    MarketAccess,
    RegistrationStatus,
    StateKind,
    StateOrigin,
)
from accessions.validity import KIND_RANK, derived_status, grants_access, state_on
from registry.dates import covers
from registry.localize import translated_text
from registry.models import Product
from regulations.models import Regulation, RegulationStatus
from regulations.selectors import NOT_IN_FORCE_STATUSES, regulation_binds_q


def _access_title(access: MarketAccess) -> str:
    return f"{access.product.name} — {access.country.name}"


# The change a state starting in the window stands for (negotiating is no legal effect).
STATE_CHANGES = {
    StateKind.PROTOCOL_SIGNED: ChangeKind.PROTOCOL_SIGNED,
    StateKind.IN_FORCE: ChangeKind.CAME_INTO_FORCE,
    StateKind.SUSPENDED: ChangeKind.SUSPENDED,
    StateKind.RESTORED: ChangeKind.RESTORED,
    StateKind.ENDED: ChangeKind.ENDED,
    StateKind.REVOKED: ChangeKind.REVOKED,
}
# States whose start the records may not hold: listed apart as undated, never given a date.
UNDATED_KINDS = (StateKind.SUSPENDED, StateKind.RESTORED, StateKind.ENDED, StateKind.REVOKED)


def access_in_force_legally(states: Iterable[AccessState], on: dt.date) -> bool:
    """Was the entry legally in force on `on`? Its state on that day lets the product in (the
    rule of accessions.validity, the one the eligibility check applies)."""
    return grants_access(state_on(states, on))


def legal_changes(result: ChangesBetween, scope: Scope) -> None:
    _legal_access(result, scope)
    _legal_regulations(result, scope)
    _legal_registrations(result, scope)


def _access_change(
    access: MarketAccess,
    kind: str,
    on: dt.date | None,
    provenance: AccessState | MarketAccess | None = None,
    **extra: Any,
) -> Change:
    provenance = provenance or access
    if "instrument" not in extra:
        extra.update(instrument_fields(access, access.instrument_kind))
    extra.setdefault("instrument_date", access.instrument_date)
    return Change(
        meaning=Meaning.LEGAL,
        kind=kind,
        record=RecordKind.ACCESS,
        record_id=access.pk,
        title=_access_title(access),
        on=on,
        country=access.country,
        products=[access.product],
        source=provenance.source,
        source_zh=provenance.source_zh,
        source_ru=provenance.source_ru,
        source_url=provenance.source_url,
        confidence=provenance.confidence,
        is_illustrative=provenance.is_illustrative,
        access_id=access.pk,
        **extra,
    )


def _status_shown(states: list[AccessState], on: dt.date) -> str:
    """The entry's status on `on` as people read it, derived from its series."""
    return str(AccessStatus(derived_status(states, on)).label)


def _state_change(access: MarketAccess, state: AccessState, states: list[AccessState]) -> Change:
    """One dated state as a change on its first day. A state the entry's own dates stand for
    keeps the shape those dates were listed in (the date field it comes from); every other
    state says the status before and after it, and the zones it is limited to."""
    day = cast(dt.date, state.starts_on)
    before = _status_shown(states, day - ONE_DAY) if day > dt.date.min else None
    status = field_change(MarketAccess, "status", before, _status_shown(states, day))
    fields: list[FieldChange] = [status]
    extra: dict[str, Any] = {}
    if state.origin == StateOrigin.ENTRY:
        if state.kind == StateKind.IN_FORCE:
            fields = [FieldChange("valid_from", field_label(MarketAccess, "valid_from"), None, day)]
        elif state.kind == StateKind.ENDED:
            fields = [field_change(MarketAccess, "valid_until", None, day - ONE_DAY), status]
        elif state.kind == StateKind.PROTOCOL_SIGNED:
            fields = [field_change(MarketAccess, "protocol_signed_on", None, day)]
            extra.update(instrument_fields(state, InstrumentKind.PROTOCOL))
            extra["instrument_date"] = day
    else:
        # A state recorded on its own names its own instrument (a suspension notice, ...).
        extra.update(instrument_fields(state, state.instrument_kind))
        extra["instrument_date"] = None
    if state.limited_to.strip():
        fields.append(
            FieldChange(
                "limited_to", field_label(AccessState, "limited_to"), None, state.limited_to
            )
        )
    return _access_change(
        access,
        STATE_CHANGES[cast(StateKind, state.kind)],
        day,
        provenance=state,
        on_precision=state.starts_on_precision,
        fields=fields,
        **extra,
    )


def _legal_access(result: ChangesBetween, scope: Scope) -> None:
    """Access entries: every state of an entry's series that starts in the window is a change on
    its first day (accessions.validity: the state on a date is the latest state started by
    then); the entries in force on the eve and on `end` are counted by the same rule."""
    entries = MarketAccess.objects.select_related("product", "country").prefetch_related(
        Prefetch("states", queryset=AccessState.objects.order_by()),
        Prefetch("dated_conditions", queryset=AccessCondition.objects.order_by("valid_from")),
    )
    if scope.country is not None:
        entries = entries.filter(country=scope.country)
    if scope.has_product_filter():
        entries = entries.filter(scope.products_q("product")).distinct()
    eve = result.start - ONE_DAY if result.start > dt.date.min else None
    before = after = 0
    for access in entries:
        states = list(access.states.all())
        before += eve is not None and access_in_force_legally(states, eve)
        after += access_in_force_legally(states, result.end)
        dated = sorted(
            (s for s in states if s.starts_on is not None),
            key=lambda s: (s.starts_on, KIND_RANK.get(s.kind, 0), s.id),  # type: ignore[call-overload]
        )
        for state in dated:
            if state.kind in STATE_CHANGES and within(state.starts_on, result):
                result.changes.append(_state_change(access, state, states))
        # A state without a date comes before every dated one: it may have taken effect in the
        # window only when no dated state started before it.
        if not dated or cast(dt.date, dated[0].starts_on) >= result.start:
            for state in states:
                if state.starts_on is None and state.kind in UNDATED_KINDS:
                    result.undated.append(_undated_change(access, state))
        for condition in access.dated_conditions.all():
            _legal_condition(result, access, condition)
    result.in_force_before, result.in_force_after = before, after


def _undated_change(access: MarketAccess, state: AccessState) -> Change:
    shown = str(AccessStatus(derived_status([state], dt.date.max)).label)
    fields = [field_change(MarketAccess, "status", None, shown)]
    if state.limited_to.strip():
        fields.append(
            FieldChange(
                "limited_to", field_label(AccessState, "limited_to"), None, state.limited_to
            )
        )
    return _access_change(access, ChangeKind.STATUS_UNDATED, None, provenance=state, fields=fields)


def _legal_condition(result: ChangesBetween, access: MarketAccess, condition: AccessCondition):
    dated = [
        (ChangeKind.CONDITION_ADDED, condition.valid_from, condition.valid_from_precision),
        (ChangeKind.CONDITION_ENDED, day_after(condition.valid_until), ""),
    ]
    text = translated_text(condition, "text")  # the condition in the reader's language
    for kind, on, precision in dated:
        if not within(on, result):
            continue
        added = kind == ChangeKind.CONDITION_ADDED
        result.changes.append(
            Change(
                meaning=Meaning.LEGAL,
                kind=kind,
                record=RecordKind.CONDITION,
                record_id=condition.pk,
                title=_access_title(access),
                on=on,
                on_precision=precision,
                country=access.country,
                products=[access.product],
                fields=[
                    FieldChange(
                        condition.kind,
                        str(condition.get_kind_display()),
                        None if added else text.text,
                        text.text if added else None,
                        text.language,
                        text.translated_by_registry,
                    )
                ],
                **instrument_fields(condition, None),
                source=condition.source,
                source_zh=condition.source_zh,
                source_ru=condition.source_ru,
                source_url=condition.source_url,
                confidence=condition.confidence,
                is_illustrative=condition.is_illustrative,
                access_id=access.pk,
            )
        )


def _regulation_change(regulation: Regulation, kind: str, on: dt.date | None, **extra) -> Change:
    return Change(
        meaning=Meaning.LEGAL,
        kind=kind,
        record=RecordKind.REGULATION,
        record_id=regulation.pk,
        title=f"{regulation.code} {regulation.title}".strip(),
        on=on,
        country=regulation.country,
        instrument=" ".join(filter(None, [regulation.code, regulation.adopted_by])),
        instrument_date=regulation.adopted_on,
        source=regulation.source,
        source_zh=regulation.source_zh,
        source_ru=regulation.source_ru,
        source_url=regulation.source_url,
        confidence=regulation.confidence,
        is_illustrative=regulation.is_illustrative,
        regulation_id=regulation.pk,
        **extra,
    )


def _legal_regulations(result: ChangesBetween, scope: Scope) -> None:
    """Regulations that came into force or ended (superseded, repealed) in the window. With a
    country: the acts that bind an exporter from it on `end` (its own, its unions', Codex)."""
    regulations = Regulation.objects.select_related("country", "union", "superseded_by")
    if scope.country is not None:
        regulations = regulations.filter(regulation_binds_q(scope.country, result.end))
    if scope.has_product_filter():
        regulations = regulations.filter(scope.products_q("product_links__product"))
    for regulation in regulations.distinct():
        if regulation.status not in NOT_IN_FORCE_STATUSES and within(
            regulation.in_force_from, result
        ):
            result.changes.append(
                _regulation_change(
                    regulation,
                    ChangeKind.CAME_INTO_FORCE,
                    regulation.in_force_from,
                    on_precision=regulation.in_force_from_precision,
                    fields=[
                        field_change(Regulation, "in_force_from", None, regulation.in_force_from)
                    ],
                )
            )
        ended = day_after(regulation.in_force_until)
        if regulation.status != RegulationStatus.DRAFT and within(ended, result):
            successor = regulation.superseded_by
            fields = [field_change(Regulation, "in_force_until", None, regulation.in_force_until)]
            if successor is not None:
                fields.append(
                    FieldChange(
                        "superseded_by",
                        str(_("superseded by")),
                        None,
                        successor.code or successor.title,
                    )
                )
            result.changes.append(
                _regulation_change(
                    regulation,
                    ChangeKind.SUPERSEDED if successor is not None else ChangeKind.ENDED,
                    ended,
                    fields=fields,
                )
            )
        elif (
            regulation.status in (RegulationStatus.SUPERSEDED, RegulationStatus.REPEALED)
            and regulation.in_force_until is None
        ):
            result.undated.append(
                _regulation_change(
                    regulation,
                    ChangeKind.STATUS_UNDATED,
                    None,
                    fields=[
                        field_change(Regulation, "status", None, regulation.get_status_display())
                    ],
                )
            )


def _registration_change(
    registration: EstablishmentRegistration, kind: str, on: dt.date | None, **extra
) -> Change:
    return Change(
        meaning=Meaning.LEGAL,
        kind=kind,
        record=RecordKind.REGISTRATION,
        record_id=registration.pk,
        title=f"{registration.registration_number} {registration.name}",
        on=on,
        country=registration.country,
        products=list(registration.products.all()),
        instrument=registration.extension_basis or registration.regime.name,
        source=registration.source,
        source_zh=registration.source_zh,
        source_ru=registration.source_ru,
        source_url=registration.source_url,
        confidence=registration.confidence,
        is_illustrative=registration.is_illustrative,
        **extra,
    )


# Suspended or cancelled: such a registration reports no expiry, only its status, undated.
STOPPED_REGISTRATIONS = (RegistrationStatus.SUSPENDED, RegistrationStatus.CANCELLED)


def _legal_registrations(result: ChangesBetween, scope: Scope) -> None:
    """Registrations that were registered, extended (the extension takes effect when the first
    validity ends) or expired (the day after the extended or original validity) in the window."""
    for registration in _registrations_in_scope(scope):
        _registration_dated_changes(result, registration)
        _registration_undated_change(result, registration)


def _registrations_in_scope(scope: Scope) -> QuerySet[EstablishmentRegistration]:
    registrations = EstablishmentRegistration.objects.select_related(
        "country", "regime"
    ).prefetch_related(Prefetch("products", queryset=Product.objects.order_by("slug")))
    if scope.country is not None:
        registrations = registrations.filter(country=scope.country)
    if scope.has_product_filter():
        registrations = registrations.filter(scope.products_q("products")).distinct()
    return registrations


def _registration_dated_changes(
    result: ChangesBetween, registration: EstablishmentRegistration
) -> None:
    """Registered, extended and expired, each on its day when that day is in the window."""
    if within(registration.registered_on, result):
        result.changes.append(
            _registration_change(
                registration,
                ChangeKind.REGISTERED,
                registration.registered_on,
                fields=[
                    field_change(
                        EstablishmentRegistration,
                        "registered_on",
                        None,
                        registration.registered_on,
                    )
                ],
            )
        )
    first_end = day_after(registration.valid_until)
    if registration.extended_until is not None and within(first_end, result):
        result.changes.append(
            _registration_change(
                registration,
                ChangeKind.EXTENDED,
                first_end,
                fields=[
                    field_change(
                        EstablishmentRegistration,
                        "valid_until",
                        registration.valid_until,
                        registration.extended_until,
                        name="extended_until",
                    )
                ],
            )
        )
    expired = day_after(registration.effective_until)
    if registration.status not in STOPPED_REGISTRATIONS and within(expired, result):
        result.changes.append(
            _registration_change(
                registration,
                ChangeKind.EXPIRED,
                expired,
                fields=[
                    field_change(
                        EstablishmentRegistration,
                        "valid_until",
                        None,
                        registration.effective_until,
                    )
                ],
            )
        )


def _registration_undated_change(
    result: ChangesBetween, registration: EstablishmentRegistration
) -> None:
    """A suspended or cancelled registration whose validity covers `end`: the records do not date
    the stop, so it is listed apart, undated."""
    if registration.status in STOPPED_REGISTRATIONS and covers(
        registration.registered_on, registration.effective_until, result.end
    ):
        result.undated.append(
            _registration_change(
                registration,
                ChangeKind.STATUS_UNDATED,
                None,
                fields=[
                    field_change(
                        EstablishmentRegistration,
                        "status",
                        None,
                        registration.get_status_display(),
                    )
                ],
            )
        )
