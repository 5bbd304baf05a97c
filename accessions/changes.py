"""What changed between two dates, for a country, a product, an HS chapter or everything: the one
selector behind the web page (/changes/between/) and the API (/api/v1/changes/between/).

Two meanings, never mixed in one answer:

- **Legal validity** (`legal`): what took legal effect between the dates, read from the records'
  own validity dates (in force from / until, protocol signed on, registered on, extended until).
  The legal state on the day before `start` is compared with the state on `end`; every transition
  whose first day falls in [start, end] is listed (so an entry that came into force and ended
  inside the window is listed twice, not lost). A status whose date the records do not hold
  (suspended, revoked) is listed apart as undated, never given an invented date.
- **Registry edits** (`edits`): what was recorded in the registry between the dates, whatever
  legal date it carries: the history events that the PostgreSQL triggers wrote (django-pghistory),
  field by field. The embedded SQLite mode records no history and answers with none.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accessions.models import (
    AccessCondition,
    Accession,
    AccessionStage,
    AccessStatus,
    EstablishmentRegistration,
    InstrumentKind,
    MarketAccess,
    RegistrationStatus,
)
from registry.common import HISTORY_IGNORED_FIELDS, Confidence, covers, history_supported
from registry.models import AliasKind, Country, Product
from regulations.models import Regulation, RegulationProduct, RegulationStatus
from regulations.selectors import NOT_IN_FORCE_STATUSES, regulation_binds_q

ONE_DAY = dt.timedelta(days=1)
# History exists only since the registry does; an edits window is clamped to it (and to the
# last representable day), so any pair of dates is a valid question.
HISTORY_EPOCH = dt.date(1970, 1, 1)
# Registry edits answered at most (the answer says when it was cut).
EDITS_LIMIT = 5000


class Meaning(models.TextChoices):
    LEGAL = "legal", _("legal validity: what took legal effect")
    EDITS = "edits", _("registry edits: what was recorded")


class ChangeKind(models.TextChoices):
    CAME_INTO_FORCE = "came_into_force", _("came into force")
    ENDED = "ended", _("ended")
    PROTOCOL_SIGNED = "protocol_signed", _("protocol signed")
    CONDITION_ADDED = "condition_added", _("condition added")
    CONDITION_ENDED = "condition_ended", _("condition ended")
    SUPERSEDED = "superseded", _("superseded")
    REGISTERED = "registered", _("registered")
    EXTENDED = "extended", _("extended")
    EXPIRED = "expired", _("expired")
    STATUS_UNDATED = "status_undated", _("status changed (date not recorded)")
    CREATED = "created", _("recorded")
    UPDATED = "updated", _("edited")
    DELETED = "deleted", _("deleted")


class RecordKind(models.TextChoices):
    ACCESS = "market_access", _("market access")
    CONDITION = "access_condition", _("access condition")
    REGULATION = "regulation", _("regulation")
    REGISTRATION = "registration", _("establishment registration")
    ACCESSION = "accession", _("accession")
    STAGE = "accession_stage", _("accession stage")


@dataclass
class FieldChange:
    """One field of a record, before and after (as people read it: choice labels, not codes)."""

    field: str
    label: str
    old: Any
    new: Any


@dataclass
class Change:
    """One change of one record. `on` is the day it took legal effect (legal) or the day it was
    recorded (edits, with `recorded_at`); `on_precision` is the precision the sources give."""

    meaning: str
    kind: str
    record: str
    record_id: int
    title: str
    on: dt.date | None
    on_precision: str = ""
    recorded_at: dt.datetime | None = None
    country: Country | None = None
    products: list[Product] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)
    instrument: str = ""
    instrument_date: dt.date | None = None
    source: str = ""
    source_url: str = ""
    confidence: str = ""
    is_illustrative: bool = False
    access_id: int | None = None
    regulation_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(ChangeKind(self.kind).label)

    @property
    def record_label(self) -> str:
        return str(RecordKind(self.record).label)

    def get_confidence_display(self) -> str:
        """As a model's choice field shows it (the provenance partial calls this)."""
        return str(dict(Confidence.choices).get(self.confidence, self.confidence))


@dataclass
class ChangesBetween:
    meaning: str
    start: dt.date
    end: dt.date
    country: Country | None
    product: Product | None
    hs_chapter: str
    changes: list[Change]
    undated: list[Change] = field(default_factory=list)
    # Legal validity: access entries in force on the day before `start` and on `end`.
    in_force_before: int | None = None
    in_force_after: int | None = None
    history_supported: bool = True
    truncated: bool = False


def changes_between(
    *,
    start: dt.date,
    end: dt.date,
    meaning: str = Meaning.LEGAL,
    country: Country | None = None,
    product: Product | None = None,
    hs_chapter: str = "",
) -> ChangesBetween:
    """What changed from `start` to `end` (both days included) in the chosen meaning."""
    if start > end:
        raise ValueError("start must not be after end")
    result = ChangesBetween(
        meaning=meaning,
        start=start,
        end=end,
        country=country,
        product=product,
        hs_chapter=hs_chapter,
        changes=[],
    )
    scope = _Scope(country, product, hs_chapter)
    if meaning == Meaning.EDITS:
        _registry_edits(result, scope)
    else:
        _legal_changes(result, scope)
    result.changes.sort(
        key=lambda c: (c.on or dt.date.min, c.recorded_at is None, c.record, c.title)
    )
    result.undated.sort(key=lambda c: (c.record, c.title))
    return result


# --- The scope: a country, a product, an HS chapter ------------------------------------------


@dataclass
class _Scope:
    country: Country | None
    product: Product | None
    hs_chapter: str

    def products_q(self, path: str) -> Q:
        """Records whose product (at `path`) is in scope; an HS chapter matches the product's
        code and its further HS codes (aliases), as the `hs` filter of the lists does."""
        condition = Q()
        if self.product is not None:
            condition &= Q(**{path: self.product})
        if self.hs_chapter:
            condition &= Q(**{f"{path}__hs_code__startswith": self.hs_chapter}) | Q(
                **{
                    f"{path}__aliases__kind": AliasKind.HS_CODE,
                    f"{path}__aliases__alias__startswith": self.hs_chapter,
                }
            )
        return condition

    def has_product_filter(self) -> bool:
        return self.product is not None or bool(self.hs_chapter)

    def product_matches(self, product_ids: Iterable[int], chapter_ids: set[int]) -> bool:
        ids = set(product_ids)
        if self.product is not None and self.product.pk not in ids:
            return False
        return not self.hs_chapter or bool(ids & chapter_ids)


def _chapter_product_ids(chapter: str) -> set[int]:
    if not chapter:
        return set()
    return set(
        Product.objects.filter(
            Q(hs_code__startswith=chapter)
            | Q(aliases__kind=AliasKind.HS_CODE, aliases__alias__startswith=chapter)
        ).values_list("pk", flat=True)
    )


def _within(day: dt.date | None, result: ChangesBetween) -> bool:
    return day is not None and result.start <= day <= result.end


def _day_after(day: dt.date | None) -> dt.date | None:
    """The first day a record no longer covers (its `until` is the last day it does)."""
    return day + ONE_DAY if day is not None and day < dt.date.max else None


def _label(model: type[models.Model], name: str) -> str:
    return str(cast(models.Field, model._meta.get_field(name)).verbose_name)


def _field(model: type[models.Model], label_of: str, old: Any, new: Any, name: str = ""):
    """One field change, labelled with the model field's name in the active language."""
    return FieldChange(name or label_of, _label(model, label_of), old, new)


def _shown(model: type[models.Model], name: str, value: Any) -> Any:
    """A value as people read it: the label of a choice, not its code."""
    try:
        model_field = cast(models.Field, model._meta.get_field(name))
    except Exception:  # noqa: BLE001 - a column the model no longer has: shown as recorded
        return value
    choices = dict(model_field.flatchoices)
    return choices.get(value, value) if choices else value


def _access_title(access: MarketAccess) -> str:
    return f"{access.product.name} — {access.country.name}"


def _access_instrument(access: MarketAccess) -> str:
    kind = str(access.get_instrument_kind_display())
    return f"{kind} {access.instrument_ref}".strip()


# --- Legal validity ------------------------------------------------------------------------------

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


def _legal_changes(result: ChangesBetween, scope: _Scope) -> None:
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


def _legal_access(result: ChangesBetween, scope: _Scope) -> None:
    entries = MarketAccess.objects.select_related("product", "country").prefetch_related(
        Prefetch("dated_conditions", queryset=AccessCondition.objects.order_by("valid_from"))
    )
    if scope.country is not None:
        entries = entries.filter(country=scope.country)
    if scope.has_product_filter():
        entries = entries.filter(scope.products_q("product")).distinct()
    eve = result.start - ONE_DAY if result.start > dt.date.min else None
    before = after = 0
    in_force = _label(MarketAccess, "valid_from")
    for access in entries:
        before += eve is not None and access_in_force_legally(access, eve) is True
        after += access_in_force_legally(access, result.end) is True
        if access.status in ONCE_IN_FORCE and _within(access.valid_from, result):
            result.changes.append(
                _access_change(
                    access,
                    ChangeKind.CAME_INTO_FORCE,
                    access.valid_from,
                    on_precision=access.valid_from_precision,
                    fields=[FieldChange("valid_from", in_force, None, access.valid_from)],
                )
            )
        ended = _day_after(access.valid_until)
        if access.status in ONCE_IN_FORCE and _within(ended, result):
            result.changes.append(
                _access_change(
                    access,
                    ChangeKind.ENDED,
                    ended,
                    fields=[
                        _field(MarketAccess, "valid_until", None, access.valid_until),
                        _field(
                            MarketAccess,
                            "status",
                            AccessStatus.IN_FORCE.label,
                            access.get_status_display(),
                        ),
                    ],
                )
            )
        if _within(access.protocol_signed_on, result):
            result.changes.append(
                _access_change(
                    access,
                    ChangeKind.PROTOCOL_SIGNED,
                    access.protocol_signed_on,
                    on_precision=access.protocol_signed_precision,
                    instrument=str(InstrumentKind.PROTOCOL.label),
                    instrument_date=access.protocol_signed_on,
                    fields=[
                        _field(MarketAccess, "protocol_signed_on", None, access.protocol_signed_on)
                    ],
                )
            )
        if access.status in ONCE_IN_FORCE and access_in_force_legally(access, result.end) is None:
            result.undated.append(
                _access_change(
                    access,
                    ChangeKind.STATUS_UNDATED,
                    None,
                    fields=[_field(MarketAccess, "status", None, access.get_status_display())],
                )
            )
        for condition in access.dated_conditions.all():
            _legal_condition(result, access, condition)
    result.in_force_before, result.in_force_after = before, after


def _legal_condition(result: ChangesBetween, access: MarketAccess, condition: AccessCondition):
    dated = [
        (ChangeKind.CONDITION_ADDED, condition.valid_from, condition.valid_from_precision),
        (ChangeKind.CONDITION_ENDED, _day_after(condition.valid_until), ""),
    ]
    for kind, on, precision in dated:
        if not _within(on, result):
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


def _legal_regulations(result: ChangesBetween, scope: _Scope) -> None:
    """Regulations that came into force or ended (superseded, repealed) in the window. With a
    country: the acts that bind an exporter from it on `end` (its own, its unions', Codex)."""
    regulations = Regulation.objects.select_related("country", "union", "superseded_by")
    if scope.country is not None:
        regulations = regulations.filter(regulation_binds_q(scope.country, result.end))
    if scope.has_product_filter():
        regulations = regulations.filter(scope.products_q("product_links__product"))
    for regulation in regulations.distinct():
        if regulation.status not in NOT_IN_FORCE_STATUSES and _within(
            regulation.in_force_from, result
        ):
            result.changes.append(
                _regulation_change(
                    regulation,
                    ChangeKind.CAME_INTO_FORCE,
                    regulation.in_force_from,
                    on_precision=regulation.in_force_from_precision,
                    fields=[_field(Regulation, "in_force_from", None, regulation.in_force_from)],
                )
            )
        ended = _day_after(regulation.in_force_until)
        if regulation.status != RegulationStatus.DRAFT and _within(ended, result):
            successor = regulation.superseded_by
            fields = [_field(Regulation, "in_force_until", None, regulation.in_force_until)]
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
                    fields=[_field(Regulation, "status", None, regulation.get_status_display())],
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


def _legal_registrations(result: ChangesBetween, scope: _Scope) -> None:
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
        if _within(registration.registered_on, result):
            result.changes.append(
                _registration_change(
                    registration,
                    ChangeKind.REGISTERED,
                    registration.registered_on,
                    fields=[
                        _field(
                            EstablishmentRegistration,
                            "registered_on",
                            None,
                            registration.registered_on,
                        )
                    ],
                )
            )
        first_end = _day_after(registration.valid_until)
        if registration.extended_until is not None and _within(first_end, result):
            result.changes.append(
                _registration_change(
                    registration,
                    ChangeKind.EXTENDED,
                    first_end,
                    fields=[
                        _field(
                            EstablishmentRegistration,
                            "valid_until",
                            registration.valid_until,
                            registration.extended_until,
                            name="extended_until",
                        )
                    ],
                )
            )
        expired = _day_after(registration.effective_until)
        if registration.status not in stopped and _within(expired, result):
            result.changes.append(
                _registration_change(
                    registration,
                    ChangeKind.EXPIRED,
                    expired,
                    fields=[
                        _field(
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
                        _field(
                            EstablishmentRegistration,
                            "status",
                            None,
                            registration.get_status_display(),
                        )
                    ],
                )
            )


# --- Registry edits ------------------------------------------------------------------------------

EDITED_MODELS: tuple[tuple[str, type[models.Model]], ...] = (
    (RecordKind.ACCESS, MarketAccess),
    (RecordKind.CONDITION, AccessCondition),
    (RecordKind.ACCESSION, Accession),
    (RecordKind.STAGE, AccessionStage),
    (RecordKind.REGULATION, Regulation),
    (RecordKind.REGISTRATION, EstablishmentRegistration),
)
EDIT_KINDS = {
    "insert": ChangeKind.CREATED,
    "update": ChangeKind.UPDATED,
    "delete": ChangeKind.DELETED,
}
# Columns of a snapshot that say nothing a reader of the change needs.
EDIT_IGNORED = HISTORY_IGNORED_FIELDS | {"id"}


def _window(result: ChangesBetween) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = max(result.start, HISTORY_EPOCH)
    end = min(result.end, dt.date.max - 2 * ONE_DAY) + ONE_DAY
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(max(end, start), dt.time.min, tzinfo=zone),
    )


def _registry_edits(result: ChangesBetween, scope: _Scope) -> None:
    if not history_supported():
        result.history_supported = False
        return
    since, until = _window(result)
    loaded: list[tuple[str, type[models.Model], models.Model]] = []
    for record, model in EDITED_MODELS:
        events = model.pgh_event_model  # type: ignore[attr-defined]  # set by pghistory
        rows = list(
            events.objects.filter(pgh_created_at__gte=since, pgh_created_at__lt=until).order_by(
                "pgh_created_at", "pgh_id"
            )[: EDITS_LIMIT + 1]
        )
        loaded.extend((record, model, row) for row in rows)
    if len(loaded) > EDITS_LIMIT:
        result.truncated = True
    previous = _previous_snapshots(loaded, until)
    context = _EditContext.load(loaded)
    chapter_ids = _chapter_product_ids(scope.hs_chapter)
    for record, model, event in loaded:
        country_id, product_ids, access_id = context.subject(record, event)
        if (
            scope.country is not None
            and country_id != scope.country.pk
            and not (
                record == RecordKind.REGULATION
                and getattr(event, "pgh_obj_id", None)
                in context.binding_regulations(scope.country, result.end)
            )
        ):
            continue
        if scope.has_product_filter() and not scope.product_matches(product_ids, chapter_ids):
            continue
        result.changes.append(
            _edit_change(
                record,
                model,
                event,
                previous.get(event.pk),
                context,
                country_id,
                product_ids,
                access_id,
            )
        )
        if len(result.changes) >= EDITS_LIMIT:
            result.truncated = True
            break


def _previous_snapshots(
    loaded: list[tuple[str, type[models.Model], models.Model]], until: dt.datetime
) -> dict[int, models.Model]:
    """For every update in the window, the record's event just before it (perhaps older than the
    window): the baseline of its field-level diff. One query per record type."""
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for _record, model, event in loaded:
        if event.pgh_label == "update":  # type: ignore[attr-defined]
            wanted[model].add(event.pgh_obj_id)  # type: ignore[attr-defined]
    previous: dict[int, models.Model] = {}
    for model, object_ids in wanted.items():
        events = model.pgh_event_model  # type: ignore[attr-defined]
        last: dict[int, models.Model] = {}
        for event in events.objects.filter(
            pgh_obj_id__in=object_ids, pgh_created_at__lt=until
        ).order_by("pgh_created_at", "pgh_id"):
            if (before := last.get(event.pgh_obj_id)) is not None:
                previous[event.pk] = before
            last[event.pgh_obj_id] = event
    return previous


@dataclass
class _EditContext:
    """What an event's snapshot does not hold itself: the country and product of the access entry
    a condition, an accession or a stage belongs to, products of regulations and registrations."""

    access: dict[int, tuple[int, int]]
    accession_access: dict[int, int]
    regulation_products: dict[int, set[int]]
    registration_products: dict[int, set[int]]
    products: dict[int, Product]
    countries: dict[int, Country]
    _binding: set[int] | None = None

    @classmethod
    def load(cls, loaded: list[tuple[str, type[models.Model], models.Model]]) -> _EditContext:
        ids: dict[str, set[int]] = defaultdict(set)
        for record, _model, event in loaded:
            ids[record].add(event.pgh_obj_id)  # type: ignore[attr-defined]
            if record in (RecordKind.CONDITION, RecordKind.ACCESSION):
                ids[RecordKind.ACCESS].add(event.market_access_id)  # type: ignore[attr-defined]
            if record == RecordKind.STAGE:
                ids[RecordKind.ACCESSION].add(event.accession_id)  # type: ignore[attr-defined]
        accession_access = dict(
            Accession.objects.filter(pk__in=ids[RecordKind.ACCESSION]).values_list(
                "pk", "market_access_id"
            )
        )
        access_ids = ids[RecordKind.ACCESS] | set(accession_access.values())
        access = {
            pk: (country_id, product_id)
            for pk, country_id, product_id in MarketAccess.objects.filter(
                pk__in=access_ids
            ).values_list("pk", "country_id", "product_id")
        }
        regulation_products: dict[int, set[int]] = defaultdict(set)
        for regulation_id, product_id in RegulationProduct.objects.filter(
            regulation_id__in=ids[RecordKind.REGULATION]
        ).values_list("regulation_id", "product_id"):
            regulation_products[regulation_id].add(product_id)
        registration_products: dict[int, set[int]] = defaultdict(set)
        through = EstablishmentRegistration.products.through
        for registration_id, product_id in through.objects.filter(
            establishmentregistration_id__in=ids[RecordKind.REGISTRATION]
        ).values_list("establishmentregistration_id", "product_id"):
            registration_products[registration_id].add(product_id)
        product_ids = {p for _c, p in access.values()}
        for linked in (*regulation_products.values(), *registration_products.values()):
            product_ids |= linked
        for record, _model, event in loaded:
            if record == RecordKind.ACCESS:
                product_ids.add(event.product_id)  # type: ignore[attr-defined]
        return cls(
            access=access,
            accession_access=accession_access,
            regulation_products=regulation_products,
            registration_products=registration_products,
            products=Product.objects.in_bulk(product_ids),
            countries=Country.objects.in_bulk(),
        )

    def binding_regulations(self, country: Country, on: dt.date) -> set[int]:
        if self._binding is None:
            self._binding = set(
                Regulation.objects.filter(regulation_binds_q(country, on)).values_list(
                    "pk", flat=True
                )
            )
        return self._binding

    def subject(self, record: str, event: Any) -> tuple[int | None, set[int], int | None]:
        """(country id, product ids, access entry id) of the record an event is about."""
        if record == RecordKind.ACCESS:
            return event.country_id, {event.product_id}, event.pgh_obj_id
        if record == RecordKind.REGULATION:
            return event.country_id, self.regulation_products.get(event.pgh_obj_id, set()), None
        if record == RecordKind.REGISTRATION:
            return event.country_id, self.registration_products.get(event.pgh_obj_id, set()), None
        if record == RecordKind.STAGE:
            access_id = self.accession_access.get(event.accession_id)
        else:
            access_id = event.market_access_id
        if access_id is None or access_id not in self.access:
            return None, set(), None
        country_id, product_id = self.access[access_id]
        return country_id, {product_id}, access_id

    def access_title(self, access_id: int | None) -> str:
        if access_id is None or access_id not in self.access:
            return ""
        country_id, product_id = self.access[access_id]
        product, country = self.products.get(product_id), self.countries.get(country_id)
        return f"{product.name if product else ''} — {country.name if country else ''}"


def _edit_title(record: str, model: type[models.Model], event: Any, context, access_id) -> str:
    if record == RecordKind.REGULATION:
        return f"{event.code} {event.title_en}".strip()
    if record == RecordKind.REGISTRATION:
        return f"{event.registration_number} {event.name}"
    title = context.access_title(access_id)
    if record == RecordKind.CONDITION:
        return f"{title}: {_shown(model, 'kind', event.kind)}"
    if record == RecordKind.STAGE:
        return f"{title}: {_shown(model, 'stage', event.stage)}"
    if record == RecordKind.ACCESSION:
        return f"{title} ({event.year})"
    return title


def _edit_instrument(record: str, model: type[models.Model], event: Any) -> str:
    if record == RecordKind.ACCESS:
        return f"{_shown(model, 'instrument_kind', event.instrument_kind)} {event.instrument_ref}"
    if record == RecordKind.CONDITION:
        return event.instrument_ref
    if record == RecordKind.REGULATION:
        return " ".join(filter(None, [event.code, event.adopted_by]))
    if record == RecordKind.REGISTRATION:
        return event.extension_basis
    return ""


def _edit_change(
    record: str,
    model: type[models.Model],
    event: Any,
    before: Any,
    context: _EditContext,
    country_id: int | None,
    product_ids: set[int],
    access_id: int | None,
) -> Change:
    fields: list[FieldChange] = []
    if event.pgh_label == "update" and before is not None:
        names = [
            f.attname
            for f in event._meta.concrete_fields
            if not f.name.startswith("pgh_") and f.attname not in EDIT_IGNORED
        ]
        for name in names:
            old, new = getattr(before, name), getattr(event, name)
            if old != new:
                plain = name.removesuffix("_id") if name.endswith("_id") else name
                try:
                    label = _label(model, plain)
                except Exception:  # noqa: BLE001 - a column the model no longer has
                    label = name
                fields.append(
                    FieldChange(name, label, _shown(model, plain, old), _shown(model, plain, new))
                )
    recorded = timezone.localtime(event.pgh_created_at)
    return Change(
        meaning=Meaning.EDITS,
        kind=EDIT_KINDS.get(event.pgh_label, ChangeKind.UPDATED),
        record=record,
        record_id=event.pgh_obj_id,
        title=_edit_title(record, model, event, context, access_id),
        on=recorded.date(),
        on_precision="exact",
        recorded_at=event.pgh_created_at,
        country=context.countries.get(country_id) if country_id is not None else None,
        products=[context.products[p] for p in sorted(product_ids) if p in context.products],
        fields=fields,
        instrument=_edit_instrument(record, model, event).strip(),
        source=getattr(event, "source", ""),
        source_url=getattr(event, "source_url", ""),
        confidence=getattr(event, "confidence", ""),
        is_illustrative=getattr(event, "is_illustrative", False),
        access_id=access_id if access_id is not None and access_id in context.access else None,
        regulation_id=event.pgh_obj_id if record == RecordKind.REGULATION else None,
    )
