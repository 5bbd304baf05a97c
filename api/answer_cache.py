"""The answer cache of the eligibility API, in Redis: a repeated question costs one Redis round
trip and no database round trip (issue 23).

- **Keys.** An answer holds over a window of dates (accessions.windows), so it is kept by the
  question without its date (the other parameters as sent, the language, the site's address),
  the data version and the answer's shape (a release that adds a field is never served answers
  kept before it): a sorted set of the question's windows (scored by their first day) and,
  per window, the rendered answer with the date asked left as a placeholder. Any date inside a
  known window is a repeated question.
- **One round trip.** One Lua script (`_LOOKUP_LUA`) counts the request against the rate limit
  (the same counter as api.auth.ApiRateThrottle), reads the data version, finds the window
  holding the date and returns its answer.
- **The data version** lives in Redis too (`VERSION_KEY`, the registry's data version of
  api.caching.data_version with its time). Every write through Django to a table an answer or a
  list reads sets it anew once its transaction commits (`install_write_watch`: an execute wrapper
  on every connection, public API); a reader that finds none computes it from the database and
  stores it for VERSION_SECONDS. A write made outside Django (psql) is seen within
  API_DATA_VERSION_SECONDS.

Where Redis is not configured (the embedded mode), is down, or the request runs inside a
transaction (tests), the view takes the database path of api.caching (ETag from the data
version, answers in the Django cache), with the same answers.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction

from registry.history import history_supported
from registry.redis_cache import redis_breaker

VERSION_KEY = "registry:data-version"
PREFIX = "api:answers:"
# The date asked, where the rendered answer names it: replaced on the way out.
PLACEHOLDER = "\u2063as-of\u2063"
OPEN_START = -(10**9)  # the score of a window with no first day
# The reasons whose words name the date asked (accessions.eligibility.check).
DATED_REASONS = ("state_date_uncertain", "start_date_unknown", "registry_coverage")
QUESTION_PARAMETERS = frozenset({"product", "country", "port", "date", "establishment"})
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

# KEYS: the throttle counter ('' when no limit), the data version. ARGV: the counter's TTL, the
# answers' prefix, the question's hash, the day asked (ordinal). Returns {hits, version, body,
# known}: `known` is 1 when the question has answers for other windows (a recorded pair on a new
# date), 0 when it has none.
_LOOKUP_LUA = """
local hits = 0
if KEYS[1] ~= '' then
  hits = redis.call('INCR', KEYS[1])
  if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
end
local version = redis.call('GET', KEYS[2])
if not version then return {hits, false, false} end
local base = ARGV[2] .. version .. ':' .. ARGV[3]
local day = tonumber(ARGV[4])
local found = redis.call('ZREVRANGEBYSCORE', base, day, '-inf', 'LIMIT', 0, 1)
if #found == 0 then return {hits, version, false, redis.call('EXISTS', base)} end
local sep = string.find(found[1], '|', 1, true)
local last = string.sub(found[1], 1, sep - 1)
if last ~= '' and tonumber(last) < day then return {hits, version, false, 1} end
local body = redis.call('GET', base .. ':' .. string.sub(found[1], sep + 1))
return {hits, version, body, 1}
"""
_CLIENT: list[Any] = []  # (client, script), made on first use in each process


def _prefix() -> str:
    """The answers' key prefix, with the shape of the answer (its fields, nested): answers kept
    before a release that changes the shape are not served after it, whatever the data version."""
    from api.eligibility_answer import answer_shape

    return f"{PREFIX}{answer_shape()}:"


def _client() -> tuple[Any, Any]:
    if not _CLIENT:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
            socket_timeout=settings.REDIS_TIMEOUT,
        )
        _CLIENT.append((client, client.register_script(_LOOKUP_LUA)))
    return _CLIENT[0]


def _evalsha(keys: list[str], args: list[Any]) -> Any:
    """The lookup script's EVALSHA on a connection of the client's pool, sent and read through
    the connection's own methods: redis-py's command layer (its retry wrapper, the command
    lookup, the response callbacks) cost more than the round trip itself (~0.07 ms of ~0.17 ms
    on two cores; bench/RESULTS.md, issue 23). A script the server no longer holds (a restart, a
    SCRIPT FLUSH) is loaded again; a connection that failed is dropped, and the error goes to
    the caller (the Redis breaker)."""
    from redis.exceptions import NoScriptError

    client, script = _client()
    pool = client.connection_pool
    conn = pool.get_connection()
    try:
        command = ("EVALSHA", script.sha, len(keys), *keys, *args)
        try:
            conn.send_packed_command(conn.pack_command(*command))
            return conn.read_response()
        except NoScriptError:
            script.sha = client.script_load(script.script)
            conn.send_packed_command(conn.pack_command("EVALSHA", script.sha, *command[2:]))
            return conn.read_response()
    except BaseException:
        conn.disconnect()
        raise
    finally:
        pool.release(conn)


def usable() -> bool:
    """Redis configured and reachable, PostgreSQL, and no transaction open on this connection
    (inside one, the data version must come from the database: it may have written)."""
    return (
        bool(settings.REDIS_URL)
        and settings.API_ANSWER_CACHE_SECONDS > 0  # 0 turns the answer cache off
        and history_supported()
        and not connection.in_atomic_block
    )


# --- The question --------------------------------------------------------------------------------


def question_of(params: Any, language: str, site: str) -> tuple[str, dt.date] | None:
    """The question's key without its date, and the date asked (today when none); None when the
    query is not a plain question (other parameters, a malformed date: the view's validation
    answers those). `params` is the query (a QueryDict), `language` the answer's, `site` the
    site's address (the answer's links name it)."""
    if not set(params) <= QUESTION_PARAMETERS:
        return None
    day_text = params.get("date")
    if day_text is None:
        from django.utils import timezone

        day = timezone.localdate()
    elif _DAY.match(day_text):
        try:
            day = dt.date.fromisoformat(day_text)
        except ValueError:
            return None
    else:
        return None
    basis = [sorted((k, v) for k, v in params.items() if k != "date"), language, site]
    return hashlib.sha256(json.dumps(basis).encode()).hexdigest()[:40], day


def lookup(counter: str | None, ttl: int, question: str, day: dt.date) -> tuple | None:
    """One round trip: (hits, version or None, the answer's template or None, whether the
    question has answers for other windows); None when Redis failed."""

    def call():
        full = cache.make_and_validate_key(counter) if counter else ""
        return _evalsha([full, VERSION_KEY], [ttl, _prefix(), question, day.toordinal()])

    found = redis_breaker.call(call, None)
    if found is None:
        return None
    hits, version, body, *known = found
    return int(hits), version.decode() if version else None, body, bool(known and known[0])


def template(data: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """The rendered answer with the date asked replaced by the placeholder, in the places that
    name it (tests/api/test_answer_cache.py checks a template against the answers in its
    window)."""
    day = on.isoformat()
    data = {**data, "as_of": PLACEHOLDER, "query": {**data["query"], "date": PLACEHOLDER}}
    data["permalink"] = data["permalink"].replace(f"date={day}", f"date={PLACEHOLDER}")
    data["reasons"] = [
        {**r, "message": r["message"].replace(day, PLACEHOLDER)}
        if r["code"] in DATED_REASONS
        else r
        for r in data["reasons"]
    ]
    if data.get("coverage"):
        data["coverage"] = {**data["coverage"], "on": PLACEHOLDER}
    return data


def fill(body: bytes, on: dt.date) -> bytes:
    return body.replace(PLACEHOLDER.encode(), on.isoformat().encode())


Holds = tuple[dt.date | None, dt.date | None]


def store(version: str, question: str, answers: list[tuple[Holds, bytes]]):
    """Keep rendered templates, each for its window (one pipelined round trip)."""
    base = f"{_prefix()}{version}:{question}"
    ttl = settings.API_ANSWER_CACHE_SECONDS

    def call():
        client, _script = _client()
        pipe = client.pipeline(transaction=False)
        windows = {}
        for (first, last), body in answers:
            start = first.toordinal() if first else OPEN_START
            windows[f"{last.toordinal() if last else ''}|{start}"] = start
            pipe.set(f"{base}:{start}", body, ex=ttl)
        pipe.zadd(base, windows)
        pipe.expire(base, ttl)
        pipe.execute()

    redis_breaker.call(call, None)


# --- The data version ----------------------------------------------------------------------------


def _encode(version: str, modified: dt.datetime | None) -> str:
    """The version (hashed: it is long), then when it last changed."""
    digest = hashlib.sha256(version.encode()).hexdigest()[:24]
    return f"{digest}|{modified.timestamp() if modified else ''}"


def decode(stored: str) -> tuple[str, dt.datetime | None]:
    version, _sep, stamp = stored.partition("|")
    return version, dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC) if stamp else None


def version_from_database(*, replace: bool = False) -> str:
    """The data version as the database has it, stored in Redis: only where none is stored
    (a reader), or in place of the stored one (after a write has committed)."""
    from api.caching import data_version

    value = _encode(*data_version())

    def call():
        client, _script = _client()
        seconds = settings.API_DATA_VERSION_SECONDS
        client.set(VERSION_KEY, value, ex=seconds, nx=not replace)

    redis_breaker.call(call, None)
    return value


# --- Writes set the version anew -----------------------------------------------------------------

_WRITE = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+\"?(\w+)\"?", re.IGNORECASE
)


def _watched_tables() -> frozenset[str]:
    from api.caching import watched_tables

    return frozenset(watched_tables())


_WATCHED: list[frozenset[str]] = []


def _after_write() -> None:
    """Set the shared version anew; where the database cannot say it (during migrations, before
    the history tables exist), drop it, so the next reader computes it."""
    try:
        version_from_database(replace=True)
    except DatabaseError:
        redis_breaker.call(lambda: _client()[0].delete(VERSION_KEY), None)


@functools.lru_cache(maxsize=256)
def _writes_watched(sql: str) -> bool:
    """The statement writes a table an answer or a list reads. Kept per statement text: the
    engine's statement alone is ~10 KB, and scanning it on every question cost ~0.3 ms."""
    if not _WATCHED:
        _WATCHED.append(_watched_tables())
    return any(table in _WATCHED[0] for table in _WRITE.findall(sql))


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if not isinstance(sql, str):
        return result
    if _writes_watched(sql):
        db = context["connection"]
        if not db.in_atomic_block:
            _after_write()
        elif not any(callback is _after_write for _ids, callback, *_rest in db.run_on_commit):
            transaction.on_commit(_after_write, using=db.alias, robust=True)
    return result


# The wrapper runs each statement as given (registry.sql.server_bound may still prepare it).
_watch.keeps_statements = True  # type: ignore[attr-defined]


def install_write_watch(sender, connection, **kwargs) -> None:
    """On every new PostgreSQL connection where Redis is configured (a `connection_created`
    receiver: wiring, not a business rule)."""
    if connection.vendor == "postgresql" and settings.REDIS_URL:
        # First in the list, not last: a connection is often made inside a context that has
        # pushed its own wrapper (django-pghistory's history context) and pops the last one on
        # exit; appended, the watch would be popped in its place and the context's left behind.
        connection.execute_wrappers.insert(0, _watch)
