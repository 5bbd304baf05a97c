"""The site's own address: absolute links (the API's `next` links, password-reset and e-mail
confirmation links, reviewers' e-mails) name the configured REGISTRY_SITE_URL, never whatever
Host header a client sent (issue 27: with ALLOWED_HOSTS "*" a forged Host went into the links
other people receive)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def site_url(path: str = "") -> str:
    """REGISTRY_SITE_URL joined with a path; the path alone when no site URL is configured
    (the embedded mode, which serves one machine)."""
    base = (getattr(settings, "REGISTRY_SITE_URL", "") or "").rstrip("/")
    return f"{base}{path}"


class SiteUrlMiddleware:
    """First in the chain: the Host the client sent is still checked against ALLOWED_HOSTS (a
    400 as before), then every part of the request that builds a link sees the configured host.
    The scheme stays the request's own, so HTTPS redirects and secure cookies keep working."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        configured = getattr(settings, "REGISTRY_SITE_URL", "")
        if configured:
            request.get_host()  # DisallowedHost for a host ALLOWED_HOSTS refuses
            request.META["HTTP_HOST"] = urlsplit(configured).netloc
            request.META.pop("HTTP_X_FORWARDED_HOST", None)
        return self.get_response(request)
