"""Legal validity: what took legal effect between two dates, read from the records' own
validity dates (see the package's docstring)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
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
    within,
)
from accessions.models import (
    AccessCondition,
    AccessStatus,
    EstablishmentRegistration,
    InstrumentKind,
    MarketAccess,
    RegistrationStatus,
)
from registry.common import covers
from registry.models import Product
from regulations.models import Regulation, RegulationStatus
from regulations.selectors import NOT_IN_FORCE_STATUSES, regulation_binds_q


def _access_title(access: MarketAccess) -> str:
    return f"{access.product.name} — {access.country.name}"


def _access_instrument(access: MarketAccess) -> str:
    kind = str(access.get_instrument_kind_display())
    return f"{kind} {access.instrument_ref}".strip()


# Statuses whose entry was in force between its validity dates (an expired entry was in force
# until it ended; a revoked or suspended one until its `valid_until`, when that is recorded).
ONCE_IN_FORCE = (
    AccessStatus.IN_FORCE,
    AccessStatus.EXPIRED,
    AccessStatus.REVOKED,
    AccessStatus.SUSPENDED,
)


def access_in_force_legally(access: MarketAccess, on: dt.date) -> bool | None:
    """Was the entry legally in force on `on`, by its validity dates? None: the records cannot
    say (it is suspended or revoked, and the day that took effect is not recorded)."""
    if access.status == AccessStatus.IN_FORCE:
        return covers(access.valid_from, access.valid_until, on)
    if access.status in ONCE_IN_FORCE:
        if access.valid_until is None:
            return None
        return covers(access.valid_from, access.valid_until, on)
    return False


def legal_changes(result: ChangesBetween, scope: Scope) -> None:
    _legal_access(result, scope)
    _legal_regulations(result, scope)
    _legal_registrations(result, scope)


def _access_change(access: MarketAccess, kind: str, on: dt.date | None, **extra: Any) -> Change:
    extra.setdefault("instrument", _access_instrument(access))
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
        source=access.source,
        source_url=access.source_url,
        confidence=access.confidence,
        is_illustrative=access.is_illustrative,
        access_id=access.pk,
        **extra,
    )


def _legal_access(result: ChangesBetween, scope: Scope) -> None:
    entries = MarketAccess.objects.select_related("product", "country").prefetch_related(
        Prefetch("dated_conditions", queryset=AccessCondition.objects.order_by("valid_from"))
    )
    if scope.country is not None:
        entries = entries.filter(country=scope.country)
    if scope.has_product_filter():
        entries = entries.filter(scope.products_q("product")).distinct()
    eve = result.start - ONE_DAY if result.start > dt.date.min else None
    before = after = 0
    in_force = field_label(MarketAccess, "valid_from")
    for access in entries:
        before += eve is not None and access_in_force_legally(access, eve) is True
        after += access_in_force_legally(access, result.end) is True
        if access.status in ONCE_IN_FORCE and within(access.valid_from, result):
            result.changes.append(
                _access_change(
                    access,
                    ChangeKind.CAME_INTO_FORCE,
                    access.valid_from,
                    on_precision=access.valid_from_precision,
                    fields=[FieldChange("valid_from", in_force, None, access.valid_from)],
                )
            )
        ended = day_after(access.valid_until)
        if access.status in ONCE_IN_FORCE and within(ended, result):
            result.changes.append(
                _access_change(
                    access,
                    ChangeKind.ENDED,
                    ended,
                    fields=[
                        field_change(MarketAccess, "valid_until", None, access.valid_until),
                        field_change(
                            MarketAccess,
                            "status",
                            AccessStatus.IN_FORCE.label,
                            access.get_status_display(),
                        ),
                    ],
                )
            )
        if within(access.protocol_signed_on, result):
            result.changes.append(
                _access_change(
                    access,
                    ChangeKind.PROTOCOL_SIGNED,
                    access.protocol_signed_on,
                    on_precision=access.protocol_signed_precision,
                    instrument=str(InstrumentKind.PROTOCOL.label),
                    instrument_date=access.protocol_signed_on,
                    fields=[
                        field_change(
                            MarketAccess, "protocol_signed_on", None, access.protocol_signed_on
                        )
                    ],
                )
            )
        if access.status in ONCE_IN_FORCE and access_in_force_legally(access, result.end) is None:
            result.undated.append(
                _access_change(
                    access,
                    ChangeKind.STATUS_UNDATED,
                    None,
                    fields=[
                        field_change(MarketAccess, "status", None, access.get_status_display())
                    ],
                )
            )
        for condition in access.dated_conditions.all():
            _legal_condition(result, access, condition)
    result.in_force_before, result.in_force_after = before, after


def _legal_condition(result: ChangesBetween, access: MarketAccess, condition: AccessCondition):
    dated = [
        (ChangeKind.CONDITION_ADDED, condition.valid_from, condition.valid_from_precision),
        (ChangeKind.CONDITION_ENDED, day_after(condition.valid_until), ""),
    ]
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
                        None if added else condition.text,
                        condition.text if added else None,
                    )
                ],
                instrument=condition.instrument_ref,
                source=condition.source,
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
        source_url=registration.source_url,
        confidence=registration.confidence,
        is_illustrative=registration.is_illustrative,
        **extra,
    )


def _legal_registrations(result: ChangesBetween, scope: Scope) -> None:
    """Registrations that were registered, extended (the extension takes effect when the first
    validity ends) or expired (the day after the extended or original validity) in the window."""
    registrations = EstablishmentRegistration.objects.select_related(
        "country", "regime"
    ).prefetch_related(Prefetch("products", queryset=Product.objects.order_by("slug")))
    if scope.country is not None:
        registrations = registrations.filter(country=scope.country)
    if scope.has_product_filter():
        registrations = registrations.filter(scope.products_q("products")).distinct()
    stopped = (RegistrationStatus.SUSPENDED, RegistrationStatus.CANCELLED)
    for registration in registrations:
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
        if registration.status not in stopped and within(expired, result):
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
        if registration.status in stopped and covers(
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
