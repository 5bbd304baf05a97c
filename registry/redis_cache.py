"""Redis as the cache backend: a circuit breaker, one shared client per process, and a cache
that reads an outage as a miss, never a 500."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
# What a Redis outage raises: the client's own errors, and OSError from the socket.
REDIS_ERRORS = (RedisError, OSError)


_T = TypeVar("_T")


class RedisBreaker:
    """A circuit breaker in front of Redis, one per process: after a Redis call fails (a refused
    connection, or a read that waited out the short socket timeout), nothing asks Redis again for
    REDIS_BREAKER_SECONDS; then one caller probes it (half-open) while the others still skip.

    So a Redis that accepts connections and never answers costs one timeout per process per
    period, not one per cache call: a request waits for Redis at most once.
    """

    def __init__(self) -> None:
        self._open_until = 0.0
        self._lock = threading.Lock()

    def allows(self) -> bool:
        if not self._open_until:
            return True
        now = time.monotonic()
        with self._lock:
            if now < self._open_until:
                return False
            self._open_until = now + self._seconds()  # this caller probes; the others skip
            return True

    def trip(self, error: BaseException) -> None:
        self._open_until = time.monotonic() + self._seconds()
        logger.warning(
            "Redis unreachable (%s: %s); not asked again for %ss",
            type(error).__name__,
            error,
            self._seconds(),
        )

    def reset(self) -> None:
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        return bool(self._open_until) and time.monotonic() < self._open_until

    @staticmethod
    def _seconds() -> float:
        return float(getattr(settings, "REDIS_BREAKER_SECONDS", 5.0))

    def call(self, function: Callable[[], _T], default: _T) -> _T:
        """`function()` unless the breaker is open; `default` when it is, or when Redis fails."""
        if not self.allows():
            return default
        try:
            result = function()
        except REDIS_ERRORS as error:
            self.trip(error)
            return default
        if self._open_until:
            self.reset()
        return result


redis_breaker = RedisBreaker()


# One Redis client (and its connection pool) per server per process. Django builds a cache handle
# per thread, each with its own pools, and a new `redis.Redis` on every call (`get_client`); the
# rate limit and the answer cache run on every API request, so that was a client construction per
# request and a pool per thread. redis-py's clients and pools are thread-safe and reset their
# connections after a fork (gunicorn, Celery prefork), so one per process serves every thread.
_REDIS_CLIENTS: dict[tuple[str, str], Any] = {}
_REDIS_CLIENTS_LOCK = threading.Lock()


class SharedRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, its clients and pools shared by the whole process."""

    # Set by RedisCacheClient.__init__ (undeclared in the stubs).
    _pool_options: dict[str, Any]
    _client: Any
    _servers: list[str]
    _pool_class: Any
    _get_connection_pool_index: Callable[[bool], int]

    def get_client(self, key=None, *, write=False):
        server = self._servers[self._get_connection_pool_index(write)]
        ident = (server, repr(sorted(self._pool_options.items(), key=lambda item: item[0])))
        client = _REDIS_CLIENTS.get(ident)
        if client is None:
            with _REDIS_CLIENTS_LOCK:
                client = _REDIS_CLIENTS.get(ident)
                if client is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    client = _REDIS_CLIENTS[ident] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, except that a Redis outage reads as a cache miss instead of a 500,
    behind the process's circuit breaker (a hung Redis is waited for once, not per call).

    Redis is a cache and a broker here, never the source of truth: while it is down the web pages
    and the API keep answering from PostgreSQL (slower, unthrottled), and the outbox keeps the
    events until the broker is back.
    """

    @staticmethod
    def _guarded(name: str, default: Any = None):  # a class-body helper
        def method(self, *args, **kwargs):
            return redis_breaker.call(
                lambda: getattr(RedisCache, name)(self, *args, **kwargs),
                default() if callable(default) else default,
            )

        method.__name__ = name
        return method

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    get = _guarded("get")
    get_many = _guarded("get_many", dict)
    has_key = _guarded("has_key", False)
    set = _guarded("set")
    set_many = _guarded("set_many", list)
    add = _guarded("add", False)
    touch = _guarded("touch", False)
    delete = _guarded("delete", False)
    delete_many = _guarded("delete_many")
    clear = _guarded("clear", False)
    del _guarded
