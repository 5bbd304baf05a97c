"""The port rules: the designated supervision site a product needs, the ports the records show
may receive it on the date, and where the registry cannot tell (docs/design.md: "a port nobody
recorded is not allowed")."""

from __future__ import annotations

from accessions.eligibility.answer import Reason, Verdict
from accessions.models import MarketAccess
from registry.localize import choice_label
from registry.localize import gettext as _
from registry.models import CATEGORY_SITE_KINDS, Port, SiteKind


def required_site_kind(access: MarketAccess) -> str:
    """The kind of designated supervision site the product must enter through: the access
    entry's own, else its category's (registry.models.ports.CATEGORY_SITE_KINDS); '' when none."""
    return access.required_site_kind or CATEGORY_SITE_KINDS.get(access.product.category, "")


def sites_not_recorded(access: MarketAccess, ports: list[Port]) -> bool:
    """The product needs a designated site, yet the registry records no port holding one of the
    kind and the access entry lists no ports: which ports may receive it is unknown."""
    return bool(required_site_kind(access)) and not any(
        p.is_listed or p.has_site  # type: ignore[attr-defined]
        for p in ports
    )


def port_site_unknown(access: MarketAccess, port: Port, ports: list[Port]) -> bool:
    """Whether the registry cannot tell if `port` holds the designated site the product needs:
    no site of the kind is recorded anywhere (`sites_not_recorded`), or the port has none on
    record while a source reports more such ports than the registry records
    (registry.selectors.ports.site_list_incomplete_q), and the access entry does not list its ports
    (its own list, where it has one, decides)."""
    if not required_site_kind(access):
        return False
    if sites_not_recorded(access, ports):
        return True
    if any(p.is_listed for p in ports) and not port.is_listed:  # type: ignore[attr-defined]
        return False
    return not port.has_site and bool(port.sites_incomplete)  # type: ignore[attr-defined]


def allowed_ports(access: MarketAccess, ports: list[Port]) -> list[Port]:
    """The ports the records show may receive the product on the date: those the entry lists
    (narrowed to the ones with a recorded designated site when the product needs one and any is
    recorded), else those holding a recorded designated site of the required kind. A port no
    record names is never "allowed" (docs/design.md: "a port nobody recorded is not allowed")."""
    listed = [p for p in ports if p.is_listed]  # type: ignore[attr-defined]
    kind = required_site_kind(access)
    with_site = [p for p in ports if p.has_site]  # type: ignore[attr-defined]
    if listed:
        if kind and with_site:
            return [p for p in listed if p.has_site]  # type: ignore[attr-defined]
        return listed
    return with_site if kind else []


def site_kind_label(access: MarketAccess) -> str:
    kind = required_site_kind(access)
    return choice_label(SiteKind, kind, kind)


def port_reason(
    access: MarketAccess, chosen: Port, ports: list[Port], allowed: list[Port]
) -> tuple[str | None, Reason]:
    """What the records say of the port asked about (one the registry has), and the verdict
    that says: `unknown` where the registry cannot tell whether it holds the designated site the
    product needs, `not_eligible` where a list recorded as complete leaves it out, None where the
    reason only informs (allowed, or no port recorded for the pair)."""
    if sites_not_recorded(access, ports) or port_site_unknown(access, chosen, ports):
        return Verdict.UNKNOWN, Reason(
            "designated_sites_not_recorded",
            _(
                "%(product)s enters only through a port with a designated supervision "
                "site for %(kind)s, and the registry does not record whether %(port)s "
                "holds one."
            )
            % {
                "product": access.product.name,
                "kind": site_kind_label(access),
                "port": chosen.name,
            },
        )
    if chosen in allowed:
        return None, Reason(
            "port_allowed", _("%(port)s is allowed for it.") % {"port": chosen.name}
        )
    if access.has_listed_ports or required_site_kind(access):  # type: ignore[attr-defined]
        # A list the registry records as complete (the entry's own ports, or the designated
        # sites of the kind with no source reporting more) leaves this port out.
        return Verdict.NOT_ELIGIBLE, Reason(
            "port_not_designated",
            _("%(port)s is not designated for this product.") % {"port": chosen.name},
        )
    # Nothing recorded restricts the ports, and nothing records this one: not "allowed".
    facing = chosen.facing_country
    text = _(
        "The registry records no port for %(product)s from %(country)s: whether "
        "%(port)s may receive it is not recorded."
    )
    if facing is not None and facing.pk != access.country_id:
        text += " " + _("%(port)s faces %(facing)s.")
    return None, Reason(
        "port_not_recorded",
        text
        % {
            "product": access.product.name,
            "country": access.country.name,
            "port": chosen.name,
            "facing": facing.name if facing is not None else "",
        },
    )
