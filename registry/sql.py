"""Raw SQL helpers: a statement the process runs often, planned once per connection; the
parameters and execution of the set-based jobs (the sweep, the fan-out), PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.utils import timezone


class ServerBound:
    """The database connection as one statement's compiler sees it, whose cursor binds the
    parameters on the server (psycopg's plain `Cursor`, not Django's default `ClientCursor`), so
    psycopg prepares a statement the process runs often (its `prepare_threshold`, 5) and
    PostgreSQL stops planning it anew: planning the statements cost more than running them
    (~2 ms against ~0.5 ms for a new question; issue 13). The cursor is Django's wrapper, so the
    statements are counted and logged like any other. Everything else is the connection's."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def cursor(self) -> Any:
        import psycopg  # PostgreSQL only (`server_bound`)
        from django.db.backends.postgresql.psycopg_any import register_tzloader

        wrapped = self._connection
        wrapped.close_if_health_check_failed()
        wrapped.ensure_connection()
        with wrapped.wrap_database_errors:
            cursor = psycopg.Cursor(wrapped.connection)
            # As Django's create_cursor: the connection's time zone for timestamptz values.
            timestamptz = psycopg.postgres.types["timestamptz"].oid
            loader = wrapped.connection.adapters.get_loader(timestamptz, psycopg.pq.Format.TEXT)
            if wrapped.timezone != loader.timezone:
                register_tzloader(wrapped.timezone, cursor)
            # Django's own wrapper (public methods), so the statement is counted and logged.
            if wrapped.queries_logged:
                return wrapped.make_debug_cursor(cursor)
            return wrapped.make_cursor(cursor)


def server_bound(connection: Any) -> Any:
    """`ServerBound` on PostgreSQL (psycopg 3), unless an execute wrapper is installed that may
    rewrite the statement into several commands, which a prepared statement cannot hold
    (pghistory's context, on POST requests such as bulk, prepends a `SELECT set_config(...);`);
    a wrapper marked `keeps_statements` runs them as given."""
    if (
        connection.vendor == "postgresql"
        and all(getattr(w, "keeps_statements", False) for w in connection.execute_wrappers)
        and not connection.settings_dict["OPTIONS"].get("server_side_binding")
    ):
        from django.db.backends.postgresql.psycopg_any import is_psycopg3

        if is_psycopg3:
            return ServerBound(connection)
    return connection


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
