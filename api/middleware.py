"""The middleware an API read does not need, skipped for it (issue 23).

A GET or HEAD under /api/ reads public data: the API authenticates by key only (DRF's
ApiKeyAuthentication, never the session), writes nothing, and renders no page. Sessions, CSRF,
the signed-in user and messages cost it time and give it nothing, so each of those middleware is
replaced in settings by its subclass below, which passes API reads
straight through and behaves exactly as its parent for every other request (pages, sign-in,
every POST, the API's docs page, which is a page). Subclasses, so Django's and the apps' checks
that look for the middleware still find them.
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware

API_PREFIX = "/api/"
PAGES_UNDER_API = ("/api/v1/docs",)


def is_api_read(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.path.startswith(API_PREFIX)
        and not request.path.startswith(PAGES_UNDER_API)
    )


class ApiReadsSkipSessionMiddleware(SessionMiddleware):
    def __call__(self, request):
        if is_api_read(request):
            return self.get_response(request)
        return super().__call__(request)


class ApiReadsSkipCsrfViewMiddleware(CsrfViewMiddleware):
    def __call__(self, request):
        if is_api_read(request):
            return self.get_response(request)
        return super().__call__(request)

    def process_view(self, request, callback, callback_args, callback_kwargs):
        if is_api_read(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class ApiReadsSkipAuthenticationMiddleware(AuthenticationMiddleware):
    def __call__(self, request):
        if is_api_read(request):
            return self.get_response(request)
        return super().__call__(request)


class ApiReadsSkipMessageMiddleware(MessageMiddleware):
    def __call__(self, request):
        if is_api_read(request):
            return self.get_response(request)
        return super().__call__(request)
