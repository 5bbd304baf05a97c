"""How the import reads each declared list (accessions.lists, regulations.lists): the model its
rows are records of, the converter of each column that is not plain text (a record by its natural
key, a list of codes, a date), and the column that bounds "removed from the list"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from accessions.lists import ACCESS, REGISTRATIONS
from accessions.models import (
    EstablishmentRegistration,
    ImportKind,
    MarketAccess,
    RegistrationRegime,
    StateKind,
)
from registry.lists import DATE, ListFormat, yes_no
from registry.models import Country, Port, Product, Union
from regulations.lists import REGULATIONS
from regulations.models import Regulation, Topic

PROVENANCE_COLUMNS = ("source", "source_url", "confidence")
STATES_COLUMN = "states"
# The states an import proposes on their own; the others stand for the entry's own columns.
RECORDED_KINDS = (StateKind.SUSPENDED, StateKind.RESTORED, StateKind.REVOKED, StateKind.ENDED)


def _lookup(model: type[models.Model], field_name: str) -> Callable[[str], Any]:
    def find(text: str) -> Any:
        pk = model._default_manager.filter(**{field_name: text}).values_list("pk", flat=True)
        found = list(pk[:1])
        if not found:
            raise ValueError(
                _("unknown %(what)s: %(value)s") % {"what": model._meta.verbose_name, "value": text}
            )
        return found[0]

    return find


def _country(text: str) -> Any:
    return _lookup(Country, "iso2")(text.upper())


def _codes(model: type[models.Model], field_name: str) -> Callable[[str], list[Any]]:
    find = _lookup(model, field_name)

    def many(text: str) -> list[Any]:
        parts = (part.strip() for part in text.replace(",", ";").split(";"))
        return sorted(find(part) for part in parts if part)

    return many


class Fields(dict[str, Any]):
    """A converted cell that sets several of the record's fields (the column is none of them)."""


def _jurisdiction(text: str) -> Fields:
    """A regulation's jurisdiction: a union's or body's code, else a country's ISO code."""
    union = Union.objects.filter(code=text).values_list("pk", flat=True).first()
    if union is not None:
        return Fields(union=union, country=None)
    country = Country.objects.filter(iso2=text.upper()).values_list("pk", flat=True).first()
    if country is not None:
        return Fields(country=country, union=None)
    raise ValueError(_("unknown jurisdiction: %(value)s") % {"value": text})


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise ValueError(_("not a date (YYYY-MM-DD)")) from exc


@dataclass(frozen=True)
class ListSpec:
    """How the import reads a declared list (registry.lists.ListFormat): the model, and the
    converter of each column that is not plain text."""

    model: type[models.Model]
    format: ListFormat
    converters: dict[str, Callable[[str], Any]]
    scope: str  # the column whose values bound "removed from the list"
    series: bool = False  # reads the `states` column (the access list)

    @property
    def key(self) -> tuple[str, ...]:
        return self.format.key

    @property
    def columns(self) -> dict[str, Callable[[str], Any] | None]:
        """column: converter (None: the text as is), the record's own columns."""
        own = [
            c.name
            for c in self.format.columns
            if not c.kept and c.name not in (*PROVENANCE_COLUMNS, STATES_COLUMN)
        ]
        dates = {c.name for c in self.format.columns if c.format == DATE}
        return {
            name: self.converters.get(name) or (_date if name in dates else None) for name in own
        }

    @property
    def ignored(self) -> tuple[str, ...]:
        return tuple(self.format.kept())


SPECS: dict[str, ListSpec] = {
    ImportKind.ACCESS: ListSpec(
        model=MarketAccess,
        format=ACCESS,
        converters={
            "product": _lookup(Product, "slug"),
            "country": _country,
            "allowed_ports": _codes(Port, "code"),
            "requires_registered_establishments": yes_no,
        },
        scope="country",
        series=True,
    ),
    ImportKind.REGULATIONS: ListSpec(
        model=Regulation,
        format=REGULATIONS,
        converters={
            "jurisdiction": _jurisdiction,
            "superseded_by": _lookup(Regulation, "slug"),
            "topics": _codes(Topic, "slug"),
        },
        scope="country",
    ),
    ImportKind.REGISTRATIONS: ListSpec(
        model=EstablishmentRegistration,
        format=REGISTRATIONS,
        converters={
            "country": _country,
            "products": _codes(Product, "slug"),
            "regime": _lookup(RegistrationRegime, "code"),
        },
        scope="country",
    ),
}
