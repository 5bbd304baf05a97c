"""Raw SQL helpers of the set-based jobs, for PostgreSQL and the embedded SQLite alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.utils import timezone


def sql_in_ids(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """`column` in `ids`: one array parameter on PostgreSQL (cheap to bind), a plain list on
    SQLite."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def sql_execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def sql_date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def sql_now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())
