"""Outbound HTTP to subscriber-chosen URLs, safe by construction (no server-side request forgery).

A webhook URL is chosen by a subscriber, so the registry must never be made to talk to itself or
its neighbours: the host is resolved and every address checked (loopback, link-local, private,
shared, multicast, reserved, unspecified; IPv4 and IPv6, IPv4-mapped, NAT64 and 6to4 forms
included) when the subscription is made *and* before each delivery (DNS can change); the request
goes to the address that was checked (no second lookup), redirects are never followed, ports are
limited, and the subscriber only ever sees a failure class ("refused", "timeout", "HTTP 5xx"),
never the error text of a connection (OWASP SSRF prevention cheat sheet).

Settings: REGISTRY_WEBHOOK_ALLOW_HTTP (http:// besides https://, for development),
REGISTRY_WEBHOOK_ALLOW_PRIVATE (private and loopback targets, for development and tests),
REGISTRY_WEBHOOK_PORTS (ports allowed besides 443, and 80 where http is allowed; "*" for any).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Failure classes, the only error text a subscriber sees.
BLOCKED = "blocked"
UNRESOLVED = "unresolved"
REFUSED = "refused"
TIMEOUT = "timeout"
TLS = "tls"
NETWORK = "network"

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
# IPv4 blocks IANA marks not globally reachable that `is_global` of Python before 3.11.10 / 3.12.4
# still counts as global (192.0.0.0/24 but for .9 and .10); the module's notion decides the rest.
_OLD_PYTHON_V4 = ipaddress.ip_network("192.0.0.0/24")
_OLD_PYTHON_V4_GLOBAL = {ipaddress.ip_address("192.0.0.9"), ipaddress.ip_address("192.0.0.10")}
# The IPv6 documentation block of RFC 9637 (2024), newer than Python 3.11's registry.
_NEW_DOCUMENTATION_V6 = ipaddress.ip_network("3fff::/20")


class UnsafeTarget(Exception):
    """The URL may not be used; `code` is a stable reason, `failure` the class shown to users."""

    def __init__(self, code: str, failure: str = BLOCKED) -> None:
        super().__init__(code)
        self.code = code
        self.failure = failure


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (the Host header and the TLS server name)
    port: int
    address: Address  # the checked address the request goes to
    path: str  # path and query


def address_is_public(address: Address) -> bool:
    """True only for a globally routable unicast address, in the `ipaddress` module's own sense
    (`is_global`, which reads IANA's special-purpose registries: no list kept here), looking
    through embedded IPv4 forms. Site-local IPv6 (fec0::/10, deprecated but still routed inside
    sites) counts as global to `is_global` on Python 3.11, so it is refused by its own flag."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is None and (address in _NAT64 or address in _NAT64_LOCAL):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not address_is_public(embedded):
            return False
        if address.is_site_local or address in _NEW_DOCUMENTATION_V6:
            return False
    elif address in _OLD_PYTHON_V4 and address not in _OLD_PYTHON_V4_GLOBAL:
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_unspecified
    )


def resolve_host(host: str, port: int) -> list[Address]:
    """Every address the host name resolves to (the one outbound DNS lookup; tests replace it)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


@dataclass(frozen=True)
class WebhookRules:
    """The rules a webhook URL must meet, as the settings make them (shown on the form)."""

    schemes: tuple[str, ...]  # ("https",) or ("https", "http")
    ports: tuple[int, ...] | None  # None: any port
    private_allowed: bool  # private and loopback targets (development and tests only)


def webhook_rules() -> WebhookRules:
    allow_http = getattr(settings, "REGISTRY_WEBHOOK_ALLOW_HTTP", False)
    schemes = ("https", "http") if allow_http else ("https",)
    extra = getattr(settings, "REGISTRY_WEBHOOK_PORTS", [])
    ports: tuple[int, ...] | None = None
    if not (extra == "*" or "*" in extra):
        ports = tuple(sorted({443} | ({80} if allow_http else set()) | {int(p) for p in extra}))
    return WebhookRules(
        schemes=schemes,
        ports=ports,
        private_allowed=getattr(settings, "REGISTRY_WEBHOOK_ALLOW_PRIVATE", False),
    )


def _inspect(url: str) -> tuple[list[UnsafeTarget], Target | None]:
    """Every rule the URL breaks, in the order a reader meets them, or the checked target."""
    rules = webhook_rules()
    try:
        parts = urlsplit(url)
        written_port = parts.port
    except ValueError:
        return [UnsafeTarget("invalid")], None
    faults: list[UnsafeTarget] = []
    scheme = parts.scheme.lower()
    if scheme not in rules.schemes:
        faults.append(UnsafeTarget("scheme"))
    host = parts.hostname or ""
    if not host or parts.username is not None or parts.password is not None:
        return [*faults, UnsafeTarget("invalid")], None
    # A refused scheme's own default port is not a second fault; a written port is judged.
    port = written_port or (443 if scheme == "https" else 80)
    judged = written_port is not None or scheme in rules.schemes
    if judged and rules.ports is not None and port not in rules.ports:
        faults.append(UnsafeTarget("port"))
    try:
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError, ValueError):
        addresses = []
    if not addresses:
        return [*faults, UnsafeTarget("unresolved", UNRESOLVED)], None
    if not rules.private_allowed and not all(address_is_public(a) for a in addresses):
        faults.append(UnsafeTarget("address"))
    if faults:
        return faults, None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return [], Target(scheme, host, port, addresses[0], path)


def webhook_url_faults(url: str) -> list[str]:
    """The codes of every rule the URL breaks (scheme, port, address, unresolved, invalid)."""
    return [fault.code for fault in _inspect(url)[0]]


def webhook_target(url: str) -> Target:
    """Check a webhook URL and resolve it to one checked address; raises UnsafeTarget."""
    faults, target = _inspect(url)
    if faults or target is None:
        raise faults[0]
    return target


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    failure: str  # "" when a response came back; else one of the classes above

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def error(self) -> str:
        """What a subscriber may see: a failure class, or the status class of a non-2xx answer."""
        if self.failure:
            return self.failure
        if self.status_code is not None and not self.ok:
            return f"HTTP {self.status_code // 100}xx"
        return ""


def post_json(url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POST to a checked webhook URL, to the checked address, without following redirects.

    Never raises: the result carries the status or a failure class.
    """
    try:
        target = webhook_target(url)
    except UnsafeTarget as exc:
        return PostResult(None, exc.failure)
    ip = target.address
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default_port:
        host_header += f":{target.port}"
    request_url = f"{target.scheme}://{literal}:{target.port}{target.path}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            follow_redirects=False,
            trust_env=False,  # never an environment proxy: the checked address is the peer
        ) as client:
            response = client.post(
                request_url,
                content=body,
                headers={**headers, "Host": host_header},
                extensions=extensions,
            )
    except httpx.TimeoutException:
        return PostResult(None, TIMEOUT)
    except httpx.ConnectError as exc:
        cause = exc.__context__ or exc.__cause__
        if isinstance(cause, ssl.SSLError) or "SSL" in type(cause).__name__:
            return PostResult(None, TLS)
        if isinstance(cause, ConnectionRefusedError) or "refused" in str(exc).lower():
            return PostResult(None, REFUSED)
        return PostResult(None, NETWORK)
    except (httpx.HTTPError, OSError, ValueError):
        return PostResult(None, NETWORK)
    return PostResult(response.status_code, "")
