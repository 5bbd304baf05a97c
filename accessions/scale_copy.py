"""How the synthetic benchmark rows go in (accessions.scale_data makes them): PostgreSQL only, with
`COPY ... FROM STDIN` (psycopg 3 `cursor.copy()`) into a temporary table and then
`INSERT ... SELECT ... ON CONFLICT DO NOTHING` on the natural keys, so a second run adds nothing
and a larger run adds only the missing rows. A column a row does not give takes the model's
default, `now` for automatic timestamps, and the synthetic provenance.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models

from accessions.scale_names import SCALE_SOURCE


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _defaults(model: type[models.Model], now: dt.datetime) -> dict[str, Any]:
    """Every column's value when a row does not give it: the model default, `now` for automatic
    timestamps, and the synthetic provenance."""
    values: dict[str, Any] = {}
    for field in _columns(model):
        if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
            values[str(field.column)] = now
        else:
            values[str(field.column)] = field.get_default()
    provenance = {
        "source": SCALE_SOURCE,
        "source_url": "",
        "confidence": "low",
        "is_illustrative": True,
    }
    values.update({k: v for k, v in provenance.items() if k in values})
    return values


def rows_load(
    *,
    model: type[models.Model],
    rows: Iterable[dict[str, Any]],
    total: int,
    progress: Callable[[int], None],
    extra: Sequence[tuple[str, str]] = (),
    after: Sequence[str] = (),
    now: dt.datetime,
) -> int:
    """COPY `rows` into a temporary table shaped like `model`'s table (plus `extra` columns),
    insert the rows whose natural key is new, run the `after` statements (which may read the
    temporary table `scale_rows`), and return the number of rows inserted."""
    table = model._meta.db_table
    columns = [str(f.column) for f in _columns(model)]
    defaults = _defaults(model, now)
    names = [*columns, *(name for name, _ in extra)]
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS scale_rows")
        cursor.execute(
            f'CREATE TEMP TABLE scale_rows ON COMMIT DROP AS SELECT {quoted} FROM "{table}" '  # noqa: S608 (names from the model's meta)
            "WITH NO DATA"
        )
        for name, kind in extra:
            cursor.execute(f"ALTER TABLE scale_rows ADD COLUMN {name} {kind}")
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        column_list = ", ".join(f'"{c}"' for c in names)
        with raw.copy(f"COPY scale_rows ({column_list}) FROM STDIN") as copy:
            for batch in _batches(rows, 5000):
                for row in batch:
                    copy.write_row([row.get(name, defaults.get(name)) for name in names])
                progress(len(batch))
        cursor.execute(
            f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM scale_rows '  # noqa: S608 (names from the model's meta)
            "ON CONFLICT DO NOTHING"
        )
        inserted = cursor.rowcount
        for statement in after:
            cursor.execute(statement)
        cursor.execute("DROP TABLE scale_rows")
    return inserted


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
