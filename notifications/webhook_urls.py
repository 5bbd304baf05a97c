"""The webhook URL's rules in words (issue 25, item 2): stated on the form before anyone breaks
one, and every broken rule named at once when a URL is refused. The rules themselves live in
notifications.outbound (webhook_rules, webhook_url_faults), made by the REGISTRY_WEBHOOK_*
settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications import outbound
from registry.errors import DomainError


def _ports_text(ports: tuple[int, ...]) -> str:
    return ", ".join(str(p) for p in ports)


def webhook_url_rules() -> list[str]:
    """The webhook URL's rules in the reader's language, from the settings that make them
    (notifications.outbound.webhook_rules): shown on the form before anyone breaks one."""
    rules = outbound.webhook_rules()
    said = [
        _("It starts with http:// or https://.")
        if "http" in rules.schemes
        else _("It starts with https:// (plain http:// is refused).")
    ]
    if rules.ports is None:
        said.append(_("Any port."))
    else:
        said.append(
            ngettext(
                "Port %(ports)s only (the https default when none is written).",
                "Ports %(ports)s only (443, the https default, when none is written).",
                len(rules.ports),
            )
            % {"ports": _ports_text(rules.ports)}
        )
    if not rules.private_allowed:
        said.append(
            _(
                "Its host is a public internet address: not a private, loopback or link-local "
                "one; it is checked again before each delivery."
            )
        )
    return said


def _fault_message(code: str) -> str:
    """One refusal, naming the rule it breaks."""
    rules = outbound.webhook_rules()
    if code == "scheme":
        if "http" in rules.schemes:
            return _("The address must start with http:// or https://.")
        return _("The address must start with https://; plain http:// is refused.")
    if code == "port" and rules.ports is not None:
        return ngettext(
            "The port must be %(ports)s.",
            "The port must be one of %(ports)s.",
            len(rules.ports),
        ) % {"ports": _ports_text(rules.ports)}
    if code == "address":
        return _(
            "The host must be a public internet address; this one is private, loopback or "
            "otherwise not reachable from the internet."
        )
    if code == "unresolved":
        return _("The host of this webhook address could not be found.")
    return _("This is not a web address (like https://example.org/hook).")


def webhook_url_check(url: str) -> None:
    """The URL rules live in notifications.outbound; here every rule the URL breaks becomes one
    sentence of the subscriber's message, all at once."""
    try:
        URLValidator(schemes=["http", "https", "ftp", "ftps"])(url)
    except ValidationError:
        codes = ["invalid"]
    else:
        codes = outbound.webhook_url_faults(url)
    if not codes:
        return
    code = "invalid_webhook_url" if codes[0] in ("invalid", "scheme") else f"webhook_{codes[0]}"
    said = [_fault_message(c) for c in codes]
    raise DomainError(
        code, " ".join(said), {"parameter": "webhook_url", "faults": codes, "messages": said}
    )
