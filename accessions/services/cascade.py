"""What deleting a record takes with it, so that a proposed delete shows (and publishes) exactly
the records a reviewer saw: the records with legal or public effect (registry.review) and the
links between them that go with it (issue 27: a senior's product delete took a regulation link
without a proposal)."""

from __future__ import annotations

from typing import Any

from django.db import models, router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from registry.errors import DomainError
from registry.review import is_reviewed


class _EveryRow(Collector):
    """Django's delete collector, made to list every row (no fast path that deletes a queryset
    unseen), as the admin's delete page does."""

    def can_fast_delete(self, *args: Any, **kwargs: Any) -> bool:
        return False


def _counts(model: type[models.Model]) -> bool:
    """A reviewed record, or a link of a many-to-many field between records (its own rows)."""
    if is_reviewed(model):
        return True
    return bool(model._meta.auto_created) and any(
        isinstance(f, models.ForeignKey) and is_reviewed(f.related_model)
        for f in model._meta.concrete_fields
    )


def delete_cascade(obj: models.Model) -> list[list[Any]]:
    """Every other record deleting `obj` deletes with it, as [model label, primary key, text],
    sorted; a record that protects `obj` refuses the delete (DomainError naming it)."""
    collector = _EveryRow(using=router.db_for_write(type(obj), instance=obj))
    try:
        collector.collect([obj])
    except (ProtectedError, RestrictedError) as exc:
        blockers = sorted({str(o) for o in exc.args[1]})[:10]
        raise DomainError(
            "protected",
            _("This record cannot be deleted while other records refer to it: %(records)s.")
            % {"records": "; ".join(blockers)},
            {"records": blockers},
        ) from exc
    found = [
        [model._meta.label, row.pk, str(row)[:200]]
        for model, rows in collector.data.items()
        if _counts(model)
        for row in rows
        if not (model is type(obj) and row.pk == obj.pk)
    ]
    return sorted(found, key=lambda item: (item[0], str(item[1])))
