"""Response headers the web pages rely on. Django 5.2 has no built-in Content-Security-Policy."""

from __future__ import annotations

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
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
