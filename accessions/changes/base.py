"""The vocabulary of a changes-between-dates answer (meanings, kinds, records, the change
dataclasses) and the scope and field helpers the legal and the edits readings share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.localize import translated_text
from registry.models import Country, Product
from registry.provenance import Confidence
from registry.selectors.hs_codes import hs_prefix_q

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
    SUSPENDED = "suspended", _("suspended")
    RESTORED = "restored", _("restored")
    REVOKED = "revoked", _("revoked")
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
    # Where a value is a record's text kept in three languages (a condition's): the language it
    # is shown in and whether the registry translated it (registry.localize.translated_text).
    language: str = ""
    translated_by_registry: bool = False


def instrument_fields(record: Any, kind: str | None = "") -> dict[str, Any]:
    """A record's instrument as a change shows it: its reference in the reader's language
    (registry.localize.translated_text), with the kind before it (instrument_phrase) unless
    `kind` is None (a condition names its reference alone), and which language that is."""
    from accessions.models import instrument_phrase

    shown = translated_text(record, "instrument_ref")
    text = shown.text if kind is None else instrument_phrase(kind or "", shown.text)
    return {
        "instrument": (text or "").strip(),
        "instrument_language": shown.language if shown.text else "en",
        "instrument_translated_by_registry": bool(shown.text) and shown.translated_by_registry,
    }


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
    # The language of the instrument's reference as shown, and whether the registry translated it
    # (registry.localize.translated_text; `instrument_fields`).
    instrument_language: str = "en"
    instrument_translated_by_registry: bool = False
    instrument_date: dt.date | None = None
    source: str = ""
    # The source in Chinese and Russian (the registry's translation, registry.localize).
    source_zh: str = ""
    source_ru: str = ""
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


# --- The scope: a country, a product, an HS chapter ------------------------------------------


@dataclass
class Scope:
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
            condition &= hs_prefix_q(self.hs_chapter, f"{path}__")
        return condition

    def has_product_filter(self) -> bool:
        return self.product is not None or bool(self.hs_chapter)

    def product_matches(self, product_ids: Iterable[int], chapter_ids: set[int]) -> bool:
        ids = set(product_ids)
        if self.product is not None and self.product.pk not in ids:
            return False
        return not self.hs_chapter or bool(ids & chapter_ids)


def chapter_product_ids(chapter: str) -> set[int]:
    if not chapter:
        return set()
    return set(Product.objects.filter(hs_prefix_q(chapter)).values_list("pk", flat=True))


def within(day: dt.date | None, result: ChangesBetween) -> bool:
    return day is not None and result.start <= day <= result.end


def day_after(day: dt.date | None) -> dt.date | None:
    """The first day a record no longer covers (its `until` is the last day it does)."""
    return day + ONE_DAY if day is not None and day < dt.date.max else None


def field_label(model: type[models.Model], name: str) -> str:
    return str(cast(models.Field, model._meta.get_field(name)).verbose_name)


def field_change(model: type[models.Model], label_of: str, old: Any, new: Any, name: str = ""):
    """One field change, labelled with the model field's name in the active language."""
    return FieldChange(name or label_of, field_label(model, label_of), old, new)


def shown(model: type[models.Model], name: str, value: Any) -> Any:
    """A value as people read it: the label of a choice, not its code."""
    try:
        model_field = cast(models.Field, model._meta.get_field(name))
    except Exception:  # noqa: BLE001 - a column the model no longer has: shown as recorded
        return value
    choices = dict(model_field.flatchoices)
    return choices.get(value, value) if choices else value
