"""pg_trgm: whether the database has it (PostgreSQL; the embedded SQLite mode has not), and the
per-transaction settings its word-similarity queries run under.

Callers ask `trigram.trigram_available()` through this module, never a name imported from it,
so one patch of it forces the embedded mode's plain path everywhere (tests/web/test_search.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.db import connection, transaction

from registry.replicas import read_connection

# word_similarity at or above this counts as a match; 0.6 (the pg_trgm default) misses
# two-letter typos in short names ("grpes" ~ "grapes" is 0.44).
WORD_SIMILARITY_THRESHOLD = 0.4


def trigram_available() -> bool:
    return connection.vendor == "postgresql"


# Set while a block of this thread's transaction holds the threshold (the connection is per thread).
_THRESHOLD_SET: ContextVar[bool] = ContextVar("trigram_threshold_set", default=False)


@contextlib.contextmanager
def similarity_threshold() -> Iterator[None]:
    """Set pg_trgm's word-similarity threshold for this transaction only (SET LOCAL); queries
    using `trigram_word_similar` must run inside."""
    if not trigram_available() or _THRESHOLD_SET.get():
        yield  # nothing to set, or already set by an enclosing block of this transaction
        return
    db = read_connection()  # the node the request reads (registry.replicas)
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        cursor.execute(
            "SET LOCAL pg_trgm.word_similarity_threshold = %s", [WORD_SIMILARITY_THRESHOLD]
        )
        token = _THRESHOLD_SET.set(True)
        try:
            yield
        finally:
            _THRESHOLD_SET.reset(token)


@contextlib.contextmanager
def ranking_settings() -> Iterator[None]:
    """The similarity threshold, and index scans only, for the statements of the block.

    With `LIMIT` on an arm the planner reads a table in order and stops at the limit when it
    expects the matches to be many, and pg_trgm's estimates for `%>` often are (21,000 of
    100,000 for 3,000): a sequential scan computing the similarity of 17,000 rows, 55 ms, where
    the GIN index finds the 3,000 in a millisecond. One statement sets both in a transaction of
    its own; inside an enclosing `similarity_threshold` block the scan setting is put back after.
    """
    if _THRESHOLD_SET.get():
        with read_connection().cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), "
                "set_config('enable_seqscan', 'off', true)"
            )
            before = cursor.fetchone()[0]
            try:
                yield
            finally:
                cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])
        return
    db = read_connection()  # the node the request reads (registry.replicas)
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), "
            "set_config('enable_seqscan', 'off', true)",
            [str(WORD_SIMILARITY_THRESHOLD)],
        )
        token = _THRESHOLD_SET.set(True)
        try:
            yield
        finally:
            _THRESHOLD_SET.reset(token)
