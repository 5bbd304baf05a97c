"""Registry edits: what was recorded between two dates, field by field, from the history
events the PostgreSQL triggers wrote (django-pghistory; see the package's docstring)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from accessions.changes.base import (
    EDITS_LIMIT,
    HISTORY_EPOCH,
    ONE_DAY,
    Change,
    ChangeKind,
    ChangesBetween,
    FieldChange,
    Meaning,
    RecordKind,
    Scope,
    chapter_product_ids,
    field_label,
    instrument_fields,
    shown,
)
from accessions.models import (
    AccessCondition,
    Accession,
    AccessionStage,
    EstablishmentRegistration,
    MarketAccess,
)
from registry.history import HISTORY_IGNORED_FIELDS, history_supported
from registry.models import Country, Product
from regulations.models import Regulation, RegulationProduct
from regulations.selectors import regulation_binds_q

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


def registry_edits(result: ChangesBetween, scope: Scope) -> None:
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
    chapter_ids = chapter_product_ids(scope.hs_chapter)
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
        return f"{title}: {shown(model, 'kind', event.kind)}"
    if record == RecordKind.STAGE:
        return f"{title}: {shown(model, 'stage', event.stage)}"
    if record == RecordKind.ACCESSION:
        return f"{title} ({event.year})"
    return title


def _edit_instrument(record: str, model: type[models.Model], event: Any) -> dict[str, Any]:
    if record == RecordKind.ACCESS:
        return instrument_fields(event, event.instrument_kind or "")
    if record == RecordKind.CONDITION:
        return instrument_fields(event, None)
    if record == RecordKind.REGULATION:
        return {"instrument": " ".join(filter(None, [event.code, event.adopted_by]))}
    if record == RecordKind.REGISTRATION:
        return {"instrument": (event.extension_basis or "").strip()}
    return {}


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
                    label = field_label(model, plain)
                except Exception:  # noqa: BLE001 - a column the model no longer has
                    label = name
                fields.append(
                    FieldChange(name, label, shown(model, plain, old), shown(model, plain, new))
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
        **_edit_instrument(record, model, event),
        source=getattr(event, "source", ""),
        source_zh=getattr(event, "source_zh", ""),
        source_ru=getattr(event, "source_ru", ""),
        source_url=getattr(event, "source_url", ""),
        confidence=getattr(event, "confidence", ""),
        is_illustrative=getattr(event, "is_illustrative", False),
        access_id=access_id if access_id is not None and access_id in context.access else None,
        regulation_id=event.pgh_obj_id if record == RecordKind.REGULATION else None,
    )
