"""Reads on PostgreSQL streaming replicas (DATABASE_REPLICA_URLS), writes on the primary.

Which node serves a read is decided once per request, at its first read, from its read scope
(set by web.middleware.ReadRoutingMiddleware): anonymous and API-key reads may go to a healthy
replica; writes, migrations, Celery jobs, management commands, signed-in inspectors' pages,
requests that change something and a client's requests for a while after its own change
(read-your-writes) read the primary. Code outside a request has no read scope and so reads the
primary. Reads inside a transaction on the primary stay on it (they must see its writes).

A replica is used while its replay lag is under DATABASE_REPLICA_MAX_LAG: the lag is measured
by the replica itself (pg_last_xact_replay_timestamp()) at most every
DATABASE_REPLICA_CHECK_SECONDS per process, and counts only while the replica has received WAL it
has not replayed. On an idle primary the last replayed commit grows old although nothing is
missing, so a replica that has replayed all it received counts as caught up. A replica that
lags, is not in recovery, or does not answer is skipped for DATABASE_REPLICA_SKIP_SECONDS; with
none healthy the read goes to the primary, without an error.

`read_alias()` / `read_connection()` are the one way code that holds a raw cursor (the
eligibility engine, the data version, the change feed, exports, the product resolver) picks the
connection for a read; the ORM's reads reach the same choice through `ReplicaRouter`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

# Tables whose reads always go to the primary: sign-in state (sessions, users, roles, lockouts,
# e-mail addresses) decides who the request is and is written by the request before it.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "accounts", "axes", "account", "admin"})

# Measured on the replica. Caught up (0) when it has replayed all the WAL it has received (an
# idle primary sends none, however old the last replayed commit is); otherwise the age of the
# last commit it replayed; NULL (unknown, treated as lagging) before it has replayed any.
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() IS NULL
                 OR pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() THEN 0.0
            ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float
       END
"""


@dataclass
class ReadScope:
    """What one request allows: `replica` when its reads may go to a replica; `alias`, the node
    chosen at its first read (every read of the request goes to the same node)."""

    replica: bool = False
    alias: str | None = None


@dataclass
class _Health:
    checked_at: float = float("-inf")
    skip_until: float = float("-inf")
    lag: float | None = None
    reason: str = ""


_scope: ContextVar[ReadScope | None] = ContextVar("read_scope", default=None)
_health: dict[str, _Health] = {}
_turn = [0]  # round-robin start among replicas (per process)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICA_ALIASES", ()))


def scope_begin(*, replica: bool) -> ReadScope:
    """A new read scope for this request (replacing any earlier one of this thread)."""
    scope = ReadScope(replica=replica and bool(replica_aliases()))
    _scope.set(scope)
    return scope


def scope_end(**_kwargs: Any) -> None:
    """The request is over (Django's request_finished, after a streamed body is sent)."""
    _scope.set(None)


def scope_current() -> ReadScope | None:
    return _scope.get()


def read_alias() -> str:
    """The database alias this read goes to (see the module's docstring)."""
    scope = _scope.get()
    if scope is None or not scope.replica or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if scope.alias is None:
        scope.alias = _choose()
    return scope.alias


def read_connection() -> Any:
    """The connection for a read through a raw cursor: `connections[read_alias()]`."""
    return connections[read_alias()]


def wal_replayed(replica: Any, position: str | None) -> bool:
    """Whether the replica on connection `replica` has replayed the primary's WAL up to
    `position` (pg_current_wal_insert_lsn() read on the primary)."""
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
        return bool(cursor.fetchone()[0])


def scope_replica_failed() -> bool:
    """After a request that ended in an error: whether the replica it read from broke under it
    (a database error, and its connection no longer answers). That replica is then skipped like
    one that does not answer, so the caller may ask the same read of the primary."""
    scope = _scope.get()
    if scope is None or scope.alias in (None, DEFAULT_DB_ALIAS):
        return False
    conn = connections[scope.alias]
    if not conn.errors_occurred or conn.is_usable():
        return False
    with contextlib.suppress(DatabaseError):
        conn.close()
    _skip(
        scope.alias,
        _health.setdefault(scope.alias, _Health()),
        "failed mid-request",
        time.monotonic(),
    )
    return True


def lag_acceptable(in_recovery: bool, lag: float | None, limit: float) -> tuple[bool, str]:
    """The rule: a node serves reads as a replica only while in recovery with a known lag under
    the limit."""
    if not in_recovery:
        return False, "not in recovery (not a replica, or promoted)"
    if lag is None:
        return False, "lag unknown (nothing replayed yet)"
    if lag > limit:
        return False, f"replay lag {lag:.1f} s over {limit:g} s"
    return True, ""


def health_report() -> dict[str, dict[str, Any]]:
    """Per replica alias, what this process last measured (for logs and diagnostics)."""
    now = time.monotonic()
    return {
        alias: {
            "lag": state.lag,
            "skipped_for": max(0.0, state.skip_until - now),
            "reason": state.reason,
        }
        for alias, state in _health.items()
    }


def health_reset() -> None:
    _health.clear()


def _choose() -> str:
    aliases = replica_aliases()
    start = _turn[0] % len(aliases)
    _turn[0] += 1
    for alias in aliases[start:] + aliases[:start]:
        if _usable(alias):
            return alias
    return DEFAULT_DB_ALIAS


def _skip(alias: str, state: _Health, reason: str, now: float) -> bool:
    if now >= state.skip_until:  # log once per skip, not per request
        logger.warning("replica %s skipped: %s", alias, reason)
    state.reason = reason
    state.skip_until = now + float(settings.DATABASE_REPLICA_SKIP_SECONDS)
    return False


def _usable(alias: str) -> bool:
    state = _health.setdefault(alias, _Health())
    now = time.monotonic()
    if now < state.skip_until:
        return False
    conn = connections[alias]
    try:
        # Django's own health check of a kept connection (once per request), then a connection:
        # a replica stopped since the last request costs this attempt, not the user an error.
        conn.close_if_health_check_failed()
        conn.ensure_connection()
        if now - state.checked_at >= float(settings.DATABASE_REPLICA_CHECK_SECONDS):
            with conn.cursor() as cursor:
                cursor.execute(LAG_SQL)
                in_recovery, lag = cursor.fetchone()
            state.checked_at, state.lag = now, lag
            ok, reason = lag_acceptable(in_recovery, lag, float(settings.DATABASE_REPLICA_MAX_LAG))
            if not ok:
                return _skip(alias, state, reason, now)
    except DatabaseError as error:
        conn.close_if_unusable_or_obsolete()
        state.checked_at = float("-inf")
        return _skip(alias, state, f"does not answer ({error.__class__.__name__})", now)
    state.reason = ""
    return True


@dataclass
class ReplicaRouter:
    """Django's database router (DATABASE_ROUTERS, set only when replicas are configured)."""

    primary_only_apps: frozenset[str] = field(default=PRIMARY_ONLY_APPS)

    def db_for_read(self, model: Any, **hints: Any) -> str:
        if model._meta.app_label in self.primary_only_apps:
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # every node holds the same data

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # replicas follow the primary's schema by replication
