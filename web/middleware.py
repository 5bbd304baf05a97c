"""Response headers the web pages rely on (Django 5.2 has no built-in Content-Security-Policy),
and where each request's reads go when read replicas are configured."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse

from accounts import roles
from api.eligibility import repeated_answer
from api.services import hash_api_key
from registry import replicas
from web.early import LOOKUP_KEY

# Scripts and styles only from our own origin: no 'unsafe-inline', so an injected <script> or
# style attribute cannot run even if some echo escaped the template autoescaping. Everything the
# pages need (CSS, the few lines of JS, charts) is vendored or drawn server-side as inline SVG.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that does not set its own (a view may loosen it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.add_policy(request, self.get_response(request))

    @staticmethod
    def add_policy(request, response):
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response


# --- A repeated eligibility question, early (issue 23) -------------------------------------------


class RepeatedAnswerMiddleware:
    """Right after the security middleware: a repeated eligibility question without an API key is
    answered here (api.eligibility.repeated_answer: one Redis call, no query), before the URL
    resolver, DRF and the middleware an API read does not need. Its response gets from the
    middleware it skipped what they add to an API answer (the language, Content-Length, the
    frame and content policies), through their own methods; tests/api/test_answer_early.py
    compares it with the full stack's, header by header. Anything else goes down the stack.

    Under gunicorn, web.early.EarlyAnswers runs it in front of Django's handler, and passes the
    lookup it made to this middleware in the environ (LOOKUP_KEY) when it could not answer."""

    def __init__(self, get_response):
        self.get_response = get_response
        # What the skipped middleware add to a response, in the order they add it (the reverse
        # of MIDDLEWARE's); the locale's request step sets the answer's language.
        self.locale = LocaleMiddleware(get_response)
        self.after = (
            ContentSecurityPolicyMiddleware.add_policy,
            XFrameOptionsMiddleware(get_response).process_response,
            CommonMiddleware(get_response).process_response,
            self.locale.process_response,
        )
        self.path = ""

    def __call__(self, request):
        if request.method == "GET" and request.path_info == (self.path or self._path()):
            looked_up = request.META.pop(LOOKUP_KEY, None)
            if looked_up is not None:  # by web.early.EarlyAnswers, in front: not asked twice
                request.answer_lookup = looked_up
                return self.get_response(request)
            self.locale.process_request(request)
            answer = repeated_answer(request)
            if answer is not None:
                response: Any = answer
                for add in self.after:
                    response = add(request, response)
                return response
        return self.get_response(request)

    def _path(self) -> str:
        self.path = reverse("api:eligibility")
        return self.path


# --- Where a request's reads go (registry.replicas), active only with DATABASE_REPLICA_URLS ---

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Set for DATABASE_READ_YOUR_WRITES_SECONDS after a request that changed something; it only
# routes the client's reads (a forged or dropped cookie moves nobody's data).
PIN_COOKIE = "registry_read_primary"


def _api_key(request: Any) -> str:
    raw = request.META.get("HTTP_X_API_KEY", "").strip()
    if not raw:
        scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        raw = value.strip() if scheme.lower() == "api-key" else ""
    return raw


def _pin_key(raw_key: str) -> str:
    return f"replicas:pin:{hash_api_key(raw_key)}"


def _pinned(request: Any) -> bool:
    """The client changed something less than DATABASE_READ_YOUR_WRITES_SECONDS ago."""
    if PIN_COOKIE in request.COOKIES:
        return True
    raw = _api_key(request)
    return bool(raw) and cache.get(_pin_key(raw)) is not None


def _inspector(request: Any) -> bool:
    """Signed-in inspectors work on the primary: their pages show what they just changed and
    internal state (proposals, alerts) that must never be read behind."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False  # no session: anonymous, without reading the session at all
    user = getattr(request, "user", None)  # the API's reads read no session (api.middleware)
    return user is not None and user.is_authenticated and roles.is_inspector(user)


def _reads_only(view_func: Any) -> bool:
    """A view declared `reads_only` (a POST that changes nothing: the bulk eligibility check)."""
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    return bool(getattr(view_func, "reads_only", False) or getattr(view_class, "reads_only", False))


class ReadRoutingMiddleware:
    """Opens each request's read scope: a safe request (or a view declared `reads_only`) of an
    anonymous visitor, a trader or an API-key client may read from a replica, unless the client
    is pinned to the primary by its own recent change; anything else reads the primary. A request
    that changes something pins its client to the primary for DATABASE_READ_YOUR_WRITES_SECONDS.
    The scope ends with Django's request_finished (after a streamed export is sent)."""

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(replicas.scope_end, dispatch_uid="registry.replicas.scope_end")

    def __call__(self, request):
        request.replica_eligible = not _pinned(request) and not _inspector(request)
        replicas.scope_begin(replica=request.method in SAFE_METHODS and request.replica_eligible)
        response = self.get_response(request)
        failed = response.status_code >= 500 and request.method in SAFE_METHODS
        if failed and replicas.scope_replica_failed():
            # The replica broke during this read (stopped, restarted, connection cut): the same
            # read once more, on the primary, instead of an error.
            replicas.scope_begin(replica=False)
            response = self.get_response(request)
        changed = request.method not in SAFE_METHODS and not getattr(request, "reads_only", False)
        if changed and response.status_code < 400:
            self._pin(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.reads_only = _reads_only(view_func)
        scope = replicas.scope_current()
        if scope is not None and request.replica_eligible and request.reads_only:
            scope.replica = bool(replicas.replica_aliases())

    @staticmethod
    def _pin(request: Any, response: Any) -> None:
        seconds = settings.DATABASE_READ_YOUR_WRITES_SECONDS
        response.set_cookie(
            PIN_COOKIE,
            "1",
            max_age=seconds,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        raw = _api_key(request)
        if raw:
            cache.set(_pin_key(raw), 1, seconds)
