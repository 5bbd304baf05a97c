"""A repeated eligibility question, answered in front of Django's request handling (issue 23).

`EarlyAnswers` is WSGI middleware (PEP 3333) around the project's WSGI application
(config.wsgi applies the wrappers settings.REGISTRY_WSGI_WRAPPERS names). For a GET of the
eligibility question it runs the middleware that settings.MIDDLEWARE puts before and at
web.middleware.RepeatedAnswerMiddleware (the site's address, the security headers, the early
answer: one Redis call, no query), on a request of its own, with nothing behind them. When they
answer, the answer goes out as Django's handler would send it, without the rest of the handling
(the request signals, which only close database connections this request never opened, and the
middleware wrappers): 0.525 -> 0.477 ms a repeated question in process, 0.59x -> 0.74x the bare
floor over HTTP on two cores (bench/RESULTS.md, issue 23, fourth round). When they do not, the
request goes to Django's handler unchanged, with the Redis lookup already made (so the request is
counted once against the rate limit and Redis is not asked twice). Everything else goes straight
to Django.

Under any other handler (runserver, the test client), RepeatedAnswerMiddleware answers in the
middleware chain, with the same answers and headers (tests/api/test_answer_early.py compares the
two, and both with the full stack).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.urls import reverse
from django.utils.module_loading import import_string

# The middleware that answers early; the WSGI wrapper runs the chain up to and including it.
EARLY_MIDDLEWARE = "web.middleware.RepeatedAnswerMiddleware"
# Where the WSGI wrapper leaves its Redis lookup for the handler behind it (a WSGI environ key
# names its owner, PEP 3333).
LOOKUP_KEY = "registry.answer_lookup"


class _NotAnsweredHere(HttpResponse):
    """What the chain's end gives back: the early middleware did not answer."""


def _not_answered(request: Any) -> HttpResponse:
    return _NotAnsweredHere()


class EarlyAnswers:
    """WSGI middleware: a repeated eligibility question answered before Django's handler."""

    def __init__(self, application: Any) -> None:
        self.application = application
        chain = settings.MIDDLEWARE[: settings.MIDDLEWARE.index(EARLY_MIDDLEWARE) + 1]
        handler: Any = _not_answered
        for dotted in reversed(chain):
            handler = import_string(dotted)(handler)
        self.handler = handler
        self.path = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") == (
            self.path or self._path()
        ):
            response = self._answer(environ)
            if response is not None:
                status = f"{response.status_code} {response.reason_phrase}"
                start_response(status, list(response.items()))  # an answer sets no cookie
                return [response.content]
        return self.application(environ, start_response)

    def _answer(self, environ: dict[str, Any]) -> HttpResponse | None:
        """The early answer, or None (the lookup made, if any, left in `environ`). The request
        gets a copy of the environ: the site's-address step rewrites the Host it names, and the
        handler behind must see the request as it came."""
        request = WSGIRequest(dict(environ))
        try:
            response = self.handler(request)
        except Exception:  # noqa: BLE001 - Django's handler answers it, and says why
            return None
        if isinstance(response, _NotAnsweredHere):
            lookup = getattr(request, "answer_lookup", None)
            if lookup is not None:
                environ[LOOKUP_KEY] = lookup
            return None
        return response

    def _path(self) -> str:
        self.path = reverse("api:eligibility")
        return self.path
