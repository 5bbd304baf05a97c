"""The one way a caller that must not wait hands a task to the worker: by name, with the short
Redis budget and behind the process's Redis circuit breaker (registry.redis_cache.RedisBreaker).

A web request never waits for Redis: the message goes over its own connection with REDIS_TIMEOUT
(not the worker's timeouts), no retries, and not at all while the breaker is open. The caller gets
False and keeps a record of what was asked (the outbox's events, a test event, an import run), so
a periodic job or a visible failed state picks it up; nothing is lost in the broker's absence.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app, signature
from django.conf import settings

from registry.redis_cache import redis_breaker

logger = logging.getLogger(__name__)


def task_enqueue(name: str, *, args: tuple = (), kwargs: dict[str, Any] | None = None) -> bool:
    """Enqueue the Celery task `name`; True when the broker took it (or, in the embedded mode
    without a broker, when it ran in-process). Never raises for a broker outage."""
    task = signature(name, args=args, kwargs=kwargs or {})
    if current_app.conf.task_always_eager:  # embedded mode: runs in-process, no broker
        try:
            task.apply_async(retry=False)
        except Exception as exc:  # the caller's own work is done; the task's failure is logged
            logger.warning("%s failed in-process (%s: %s)", name, type(exc).__name__, exc)
            return False
        return True
    if not redis_breaker.allows():
        logger.warning("%s not enqueued: Redis is not answering (breaker open)", name)
        return False
    budget = float(getattr(settings, "REDIS_TIMEOUT", 0.25))
    try:
        with current_app.connection_for_write(
            transport_options={
                "socket_timeout": budget,
                "socket_connect_timeout": budget,
                "max_retries": 0,
            }
        ) as connection:
            task.apply_async(retry=False, connection=connection)
    except Exception as exc:  # kombu/redis raise several unrelated types when it is unreachable
        redis_breaker.trip(exc)
        logger.warning("could not enqueue %s (%s: %s)", name, type(exc).__name__, exc)
        return False
    if redis_breaker.is_open:
        redis_breaker.reset()
    return True
