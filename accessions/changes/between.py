"""The selector: what changed from `start` to `end` in one meaning (the package docstring says
which two)."""

from __future__ import annotations

import datetime as dt

from accessions.changes.base import ChangesBetween, Meaning, Scope
from accessions.changes.edits import registry_edits
from accessions.changes.legal import legal_changes
from registry.models import Country, Product


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
    scope = Scope(country, product, hs_chapter)
    if meaning == Meaning.EDITS:
        registry_edits(result, scope)
    else:
        legal_changes(result, scope)
    result.changes.sort(
        key=lambda c: (c.on or dt.date.min, c.recorded_at is None, c.record, c.title)
    )
    result.undated.sort(key=lambda c: (c.record, c.title))
    return result
