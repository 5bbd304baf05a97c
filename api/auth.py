"""API keys and rate limits of the public API.

Kept apart from the views because DRF imports its default authentication and throttle classes
while rest_framework.views itself is being imported.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from types import SimpleNamespace
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from accounts import roles
from api.models import ApiKey
from api.services import hash_api_key
from registry.redis_cache import redis_breaker

logger = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"


class InvalidKeyThrottle(SimpleRateThrottle):
    """Invalid API keys per client address in a fixed window (setting API_RATE_BAD_KEY).

    Authentication runs before DRF's throttles, so without this an invalid key is never throttled
    and every guess costs a database lookup. Past the limit, any key from that address is a 429
    before the database is asked.
    """

    scope = "bad_key"

    def __init__(self, request) -> None:
        super().__init__()
        self.num_requests, self.duration = cast(tuple[int, int], self.parse_rate(self.rate))
        window = int(self.timer() // self.duration)
        self.window_ends = (window + 1) * self.duration
        self.counter = f"api-throttle:bad-key:{self.get_ident(request)}:{window}"

    def get_rate(self):
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        return rates.get(self.scope) or "30/min"

    def exceeded(self) -> bool:
        return int(self.cache.get(self.counter) or 0) >= self.num_requests  # fails open (a miss)

    def count_failure(self) -> None:
        redis_breaker.call(lambda: _count_hit(self.cache, self.counter, self.duration + 1), 0)

    def wait(self) -> float:
        return max(1.0, self.window_ends - self.timer())


class ApiKeyAuthentication(BaseAuthentication):
    """`X-API-Key: <key>` (or `Authorization: Api-Key <key>`). Only the SHA-256 hash is stored.

    No key: anonymous (public reads). A wrong or revoked key: 401, never silently anonymous; too
    many wrong keys from one address: 429 (InvalidKeyThrottle).
    """

    def authenticate(self, request):
        raw = request.META.get("HTTP_X_API_KEY", "").strip()
        if not raw:
            scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() == "api-key":
                raw = value.strip()
        if not raw:
            return None
        guard = InvalidKeyThrottle(request)
        if guard.exceeded():
            raise exceptions.Throttled(wait=guard.wait())
        key = ApiKey.objects.filter(hashed_key=hash_api_key(raw)).select_related("owner").first()
        if key is None or not key.is_active or (key.owner is not None and not key.owner.is_active):
            # A deactivated account's keys stop working with it.
            guard.count_failure()
            raise exceptions.AuthenticationFailed(_("The API key is invalid or revoked."))
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=5):
            # Stamped at most every five minutes, so a busy key costs no write per request.
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return (key.owner or AnonymousUser(), key)

    def authenticate_header(self, request):
        return 'Api-Key realm="api", header="X-API-Key"'


class HasApiKey(BasePermission):
    message = gettext_lazy("This endpoint needs an API key (header X-API-Key).")

    def has_permission(self, request, view):
        if roles.may_use_key_endpoints(request.user, api_key=isinstance(request.auth, ApiKey)):
            return True
        raise exceptions.NotAuthenticated(self.message)


# Add one to a window's counter and start its expiry if it has none (as `EXPIRE ... NX`), in one
# command: a pipeline of INCR and EXPIRE cost the request more client-side CPU than the database
# query of the data version (redis-py builds a pipeline object per call; issue 13).
_COUNT_HIT_LUA = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_COUNT_HIT_SCRIPT: list[Any] = []  # the script object, made with the first client


def _count_hit(cache, key: str, ttl: int) -> int:
    """Add one to the window's counter and return it: one Redis round trip (one EVALSHA of
    _COUNT_HIT_LUA; redis-py loads the script again if the server lost it) on the Redis cache,
    add + incr on any other cache backend."""
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client") and hasattr(cache, "make_key"):
        full_key = cache.make_and_validate_key(key)
        client = backend.get_client(full_key, write=True)
        if not _COUNT_HIT_SCRIPT:
            _COUNT_HIT_SCRIPT.append(client.register_script(_COUNT_HIT_LUA))
        return int(_COUNT_HIT_SCRIPT[0](keys=[full_key], args=[ttl], client=client))
    cache.add(key, 0, ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: the window starts again
        cache.add(key, 1, ttl)
        return 1


class ApiRateThrottle(SimpleRateThrottle):
    """Anonymous clients are limited per address, keys per key (a higher limit).

    A fixed-window counter in the Django cache (Redis in the full stack): one atomic INCR per
    request, whatever the limit, and the count holds across gunicorn workers and nodes. (DRF's
    stock throttle keeps a list of every request time in the window and rewrites it on each
    request, which grows with the limit.) The rates are read on every request, so settings
    overrides apply at once.
    """

    def get_rate(self):
        return None  # decided per request in allow_request

    def counter(self, request, view) -> str | None:
        """The key of this request's counter in the current window (None: no limit), setting
        the limit and the window; `allow_request` counts on it, and the eligibility view counts
        on it in the same Redis call that reads the answer (api.answer_cache)."""
        with_key = isinstance(request.auth, ApiKey)
        higher = roles.may(request.user, roles.Ability.HIGHER_RATE, api_key=with_key)
        self.scope = "key" if higher else "anon"
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        self.rate = rates.get(self.scope)
        if not self.rate:
            return None
        # A rate is set, so both parts are numbers.
        self.num_requests, self.duration = cast(tuple[int, int], self.parse_rate(self.rate))
        now = self.timer()
        window = int(now // self.duration)
        self.window_ends = (window + 1) * self.duration
        return f"{self.get_cache_key(request, view)}:{window}"

    def allow_request(self, request, view):
        key = self.counter(request, view)
        if key is None:
            return True
        # No counter while Redis is down (or its breaker open): answer unthrottled rather than not
        # at all.
        hits = redis_breaker.call(lambda: _count_hit(self.cache, key, self.duration + 1), 0)
        return hits <= self.num_requests

    def wait(self):
        return max(1.0, self.window_ends - self.timer())

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"k{request.auth.pk}"
        else:
            ident = self.get_ident(request)
        return f"api-throttle:{self.scope}:{ident}"


def anonymous_client(request) -> Any:
    """A request without an API key, as ApiRateThrottle sees it (its address and user), for the
    callers that count before or outside DRF: the pages and the API's repeated answers."""
    return SimpleNamespace(
        auth=None,
        user=getattr(request, "user", None) or AnonymousUser(),
        META=request.META,
        headers=request.headers,
    )


def has_api_key(request) -> bool:
    """The request names an API key (ApiKeyAuthentication reads it)."""
    meta = request.META
    return bool(meta.get("HTTP_X_API_KEY") or meta.get("HTTP_AUTHORIZATION"))


def page_rate_limit(request) -> int | None:
    """Count one request of an HTML page that answers what the API answers (the eligibility
    checker) against the API's per-address limit; the seconds to wait when over it, else None.

    Same counter as ApiRateThrottle, so the pages do not sidestep the API's rate limit.
    """
    throttle = ApiRateThrottle()
    if throttle.allow_request(anonymous_client(request), None):
        return None
    return int(math.ceil(throttle.wait()))


class PageWriteThrottle(SimpleRateThrottle):
    """A write anyone may make from a page (saving a citable answer): so many per client address
    in a fixed window (the rate of `scope` in DEFAULT_THROTTLE_RATES; none set: unlimited),
    counted like ApiRateThrottle (one atomic INCR, shared by every worker and node; no counter
    while Redis is down)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def get_rate(self):
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)

    def allow_request(self, request, view):
        if not self.rate:
            return True
        self.num_requests, self.duration = cast(tuple[int, int], self.parse_rate(self.rate))
        window = int(self.timer() // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"api-throttle:{self.scope}:{self.get_ident(request)}:{window}"
        hits = redis_breaker.call(lambda: _count_hit(self.cache, key, self.duration + 1), 0)
        return hits <= self.num_requests

    def wait(self):
        return max(1.0, self.window_ends - self.timer())


def page_write_rate_limit(request, scope: str) -> int | None:
    """Count one page write of `scope` from the request's client address; the seconds to wait
    when over the limit, else None."""
    throttle = PageWriteThrottle(scope)
    if throttle.allow_request(request, None):
        return None
    return int(math.ceil(throttle.wait()))
