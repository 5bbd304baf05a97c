"""How the expiry sweep writes: set-based SQL in batches, each batch one transaction; the sweep's
own module (accessions.services.expiry) says which rows move on and to what.

A batch that changes rows is the next ids of a selection, locked FOR NO KEY UPDATE SKIP LOCKED and
taken in id order (keyset), so two sweeps at the same time never work on the same row and only one
batch of ids is ever in memory. Alerts and outbox events go in with INSERT ... SELECT ... ON
CONFLICT DO NOTHING, so the unique constraints refuse what a second or concurrent sweep already
wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from accessions.models import Alert, EstablishmentRegistration, MarketAccess, OutboxEvent
from registry.sql import sql_date, sql_execute, sql_in_ids, sql_now

# The expiry in force: extended_until, else valid_until (registration rows aliased `r`).
EFFECTIVE_SQL = "COALESCE(r.extended_until, r.valid_until)"


def insert_alerts(
    ids: list[int], *, subject: str, kind: str, threshold: int, today: dt.date
) -> int:
    """One alert per row of `ids`; a duplicate (same subject, kind, threshold, expiry) is refused
    by the unique constraint and skipped (ON CONFLICT DO NOTHING: PostgreSQL and SQLite)."""
    if subject == "registration":
        table, column, due = (
            EstablishmentRegistration._meta.db_table,
            "registration_id",
            EFFECTIVE_SQL,
        )
    else:
        table, column, due = MarketAccess._meta.db_table, "market_access_id", "r.valid_until"
    where, where_params = sql_in_ids("r.id", ids)
    sql = (
        f"INSERT INTO {Alert._meta.db_table} "  # noqa: S608 - table names from model meta
        f"(kind, threshold_days, due_on, raised_on, {column}, created_at) "
        f"SELECT %s, %s, {due}, %s, r.id, %s FROM {table} r "
        f"WHERE {where} ON CONFLICT DO NOTHING"
    )
    return sql_execute(sql, [kind, threshold, sql_date(today), sql_now(), *where_params])


def insert_events(
    ids: list[int],
    *,
    subject: str,
    alert_kind: str,
    event_kind: str,
    status_from: str,
    status_to: str,
    today: dt.date,
) -> int:
    """One outbox event per alert just raised for `ids`, in the same transaction as the change.

    Runs after the UPDATE (rows changed first, then referenced: inserting rows that reference a row
    before updating it makes PostgreSQL lock it twice and turns the UPDATE 3× slower). The batch
    holds one source status, so `status_from` is a parameter. An event links to the alert raised
    today (unique link), so a second or concurrent sweep never writes the same event twice. Driven
    from the alerts' subject index, with no anti-join, so the plan stays linear even when the
    planner's statistics say the tables are empty (a first sweep over a fresh table).
    """
    if subject == "registration":
        table, column, due, product = (
            EstablishmentRegistration._meta.db_table,
            "registration_id",
            EFFECTIVE_SQL,
            "NULL",
        )
    else:
        table, column, due, product = (
            MarketAccess._meta.db_table,
            "market_access_id",
            "r.valid_until",
            "r.product_id",
        )
    events, alerts = OutboxEvent._meta.db_table, Alert._meta.db_table
    where, where_params = sql_in_ids(f"a.{column}", ids)
    sql = (
        f"INSERT INTO {events} (kind, occurred_on, created_at, {column}, country_id, "  # noqa: S608
        "product_id, status_from, status_to, alert_id, data) "
        f"SELECT %s, %s, %s, r.id, r.country_id, {product}, %s, %s, a.id, '{{}}' "
        f"FROM {alerts} a JOIN {table} r ON r.id = a.{column} AND a.due_on = {due} "
        f"WHERE {where} AND a.kind = %s "
        "AND a.threshold_days = 0 AND a.raised_on = %s "
        "ON CONFLICT DO NOTHING"
    )
    params = [event_kind, sql_date(today), sql_now(), status_from, status_to, *where_params]
    params += [alert_kind, sql_date(today)]
    return sql_execute(sql, params)


def extended_until_sql(years: int) -> tuple[str, list[Any]]:
    """effective expiry + N years, in the database's own date arithmetic."""
    if connection.vendor == "postgresql":
        sql = "(COALESCE(extended_until, valid_until) + make_interval(years => %s))::date"
        return sql, [years]
    return "date(COALESCE(extended_until, valid_until), %s)", [f"+{years} years"]


def relax_commit_durability() -> None:
    """A batch's commit need not wait for the WAL flush: a crash loses at most the last batches,
    whole (change, alert and event commit together), and the state-based sweep redoes them on its
    next run. PostgreSQL only; SQLite has no such setting."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def in_batches(
    queryset: QuerySet,
    apply: Callable[[QuerySet], list[int]],
    *,
    dry_run: bool,
    batch_size: int,
    progress: Callable[[int], object] | None,
) -> int:
    """Run `apply` batch by batch, each batch one transaction; `apply` gets the batch as a
    subquery (the next `batch_size` ids, locked FOR NO KEY UPDATE SKIP LOCKED) and returns the ids
    it changed.

    Two sweeps at the same time never work on the same row (SKIP LOCKED); a changed row leaves the
    selection (state-based), and keyset pagination on id means no batch rescans what earlier ones
    changed. Only one batch of ids is ever in memory.
    """
    if dry_run:
        count = queryset.count()
        if progress:
            progress(count)
        return count
    done, last_id = 0, 0
    while True:
        with transaction.atomic():
            relax_commit_durability()
            batch = (
                queryset.filter(id__gt=last_id)
                .order_by("id")
                .select_for_update(skip_locked=True, no_key=True)
                .values("id")[:batch_size]
            )
            ids = apply(batch)
            if not ids:
                return done
        done, last_id = done + len(ids), max(ids)
        if progress:
            progress(len(ids))


def insert_in_batches(
    queryset: QuerySet,
    apply: Callable[[list[int]], int],
    *,
    batch_size: int,
    progress: Callable[[int], object] | None,
) -> int:
    """Like in_batches for inserts that change no row: keyset on id moves on, the NOT EXISTS in
    `queryset` skips what is done, the unique constraint refuses what a concurrent sweep inserted
    first."""
    created, last_id = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                queryset.filter(id__gt=last_id)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return created
            created += apply(ids)
        last_id = ids[-1]
        if progress:
            progress(len(ids))
