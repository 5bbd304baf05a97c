"""A record with legal effect as JSON, and the direct writes that change it.

A record's snapshot holds its editable fields and its links by primary key, the shape a proposal
keeps its base and changes in (accessions.services.proposing) and an import compares rows in.
`record_save` and `record_delete` are the one way such a record is written: an administrator's
direct edit and a published proposal both go through them, so the history, the outbox events and
the product search keys follow the same way. (docs/design.md, "Users and what they may do".)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accessions.models import NOTE_WRITTEN_ON, AccessState, MarketAccess
from accessions.services.market_access import market_access_save, public_note_stamp
from accessions.validity import access_status_refresh_one
from accounts import roles
from registry.errors import DomainError
from registry.history import history_changes, history_context
from registry.models import Product, ProductAlias
from registry.review import is_reviewed
from registry.services import product_search_keys_refresh


def is_legal_model(model: type[models.Model]) -> bool:
    """A record with legal or public effect, as the app that owns it declares (registry.review):
    every change to one by an inspector is a proposal."""
    return is_reviewed(model)


def _editable_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and not getattr(f, "auto_now", False)
    ]


def link_fields(model: type[models.Model]) -> list[models.ManyToManyField]:
    """Many-to-many fields edited with the record (links with their own through model, such as a
    regulation's products, are records of their own)."""
    return [
        f
        for f in model._meta.many_to_many
        if isinstance(f, models.ManyToManyField)
        and cast(Any, f.remote_field.through)._meta.auto_created
    ]


def as_json(value: Any) -> Any:
    """A value as a JSON field gives it back (dates and decimals as text, tuples as lists)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def record_snapshot(obj: models.Model, *, links: dict[str, Iterable[Any]] | None = None) -> dict:
    """A record's values as JSON (foreign keys and links by primary key). `links` gives links
    not yet saved (an edited form's); otherwise they are read from the database."""
    data = {f.name: f.value_from_object(obj) for f in _editable_fields(type(obj))}
    for f in link_fields(type(obj)):
        if links is not None and f.name in links:
            data[f.name] = sorted(getattr(o, "pk", o) for o in links[f.name])
        elif obj.pk:
            data[f.name] = sorted(getattr(obj, f.name).values_list("pk", flat=True))
        else:
            data[f.name] = []
    return as_json(data)


def snapshot_diff(before: dict, after: dict) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value differs (the history's own diff: the
    snapshots hold no bookkeeping column)."""
    return history_changes(before, after)


def record_assign(obj: models.Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set JSON values on a record; returns the links to set once it is saved."""
    links: dict[str, list[Any]] = {}
    link_names = {f.name for f in link_fields(type(obj))}
    for name, value in values.items():
        if name in link_names:
            links[name] = list(value or [])
            continue
        field = cast(models.Field, obj._meta.get_field(name))
        if value is None or isinstance(field, models.ForeignKey):
            setattr(obj, field.attname, value)
        else:
            setattr(obj, field.attname, field.to_python(value))
    return links


def record_validate(obj: models.Model) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise DomainError(
            "invalid_record",
            _("The record would not be valid: %(errors)s")
            % {"errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())},
            {"errors": exc.message_dict},
        ) from exc


# --- The direct writes (an administrator's admin screens; and publishing) ------------------------


def record_save(
    *, obj: models.Model, by: Any = None, links: dict[str, list[Any]] | None = None
) -> models.Model:
    """Save a record with legal effect as a whole, with its links. An access entry goes through
    market_access_save, so subscribers hear of a new entry or a changed status."""
    with transaction.atomic():
        if isinstance(obj, MarketAccess):
            market_access_save(access=obj, by=by)
        else:
            record_validate(obj)
            if type(obj) in NOTE_WRITTEN_ON:
                previous = (
                    type(obj)
                    ._default_manager.filter(pk=obj.pk)
                    .values_list("public_note", flat=True)
                )
                public_note_stamp(
                    obj, previous=previous.first() if obj.pk else None, today=timezone.localdate()
                )
            obj.save()
            if isinstance(obj, AccessState):  # the entry's kept status follows its series
                access_status_refresh_one(obj.market_access, today=timezone.localdate())
        for name, pks in (links or {}).items():
            getattr(obj, name).set(pks)
        _search_keys_follow(obj)
    return obj


def _search_keys_follow(obj: models.Model) -> None:
    """A product's names and aliases are what the resolver finds it by: rebuild its keys."""
    if isinstance(obj, Product):
        product_search_keys_refresh(products=[obj])
    elif isinstance(obj, ProductAlias):
        product_search_keys_refresh(products=[Product(pk=obj.product_id)])


def record_delete(*, obj: models.Model, by: Any = None) -> None:
    """Delete a record with legal effect (the history keeps its last version) and what it takes
    with it (accessions.services.cascade, shown to the reviewer of a proposed delete)."""
    with transaction.atomic():
        obj.delete()
        if isinstance(obj, ProductAlias):
            _search_keys_follow(obj)


def record_direct_write(
    *,
    obj: models.Model,
    by: Any,
    links: dict[str, list[Any]] | None = None,
    delete: bool = False,
) -> None:
    """An administrator's direct edit, recorded in the history with their name."""
    if not roles.may_write_directly(by):
        raise DomainError("not_allowed", _("Only an administrator edits these records directly."))
    with history_context(user=by.pk, direct=True):
        if delete:
            record_delete(obj=obj, by=by)
        else:
            record_save(obj=obj, by=by, links=links)
