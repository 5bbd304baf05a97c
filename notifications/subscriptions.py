"""Subscriptions and watchlists: who is told of which changes, and how.

A subscription names one target (a country, a product, an HS prefix or an establishment) and a
channel (e-mail digests, or a signed webhook: notifications.deliveries); a watch is a product, or
a country-product pair, a signed-in user follows on their account page.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accessions.models import EstablishmentRegistration
from accounts import roles
from notifications.models import HS_PREFIX_REGEX, Channel, Subscription, Watch
from notifications.webhook_urls import webhook_url_check
from registry.errors import DomainError
from registry.models import Product
from registry.selectors.countries import country_resolve
from registry.selectors.hs_codes import hs_prefix_q
from registry.selectors.resolution import ambiguous_product
from registry.selectors.resolver import product_resolve

# --- Subscriptions -------------------------------------------------------------------------------


def subscription_create(
    *,
    user: Any,
    channel: str,
    country: str = "",
    product: str = "",
    hs_prefix: str = "",
    registration: str = "",
    webhook_url: str = "",
) -> Subscription:
    """Subscribe a trader or inspector to one country (ISO alpha-2), product (any identifier the
    product resolver knows: slug, name in any language, alias, HS code), HS prefix (2–6 digits
    matching a catalogue product) or establishment (registration number).

    The target must exist; a webhook URL must be https (http only where a development setting
    allows it) and resolve to public addresses only (notifications.outbound, checked again at each
    delivery). Webhooks get a signing secret.
    """
    if not roles.may_subscribe(user):
        raise DomainError("not_allowed", _("Only traders and inspectors can subscribe."))
    given = {k: v.strip() for k, v in {
        "country": country, "product": product, "hs_prefix": hs_prefix,
        "registration": registration,
    }.items() if v and v.strip()}  # fmt: skip
    if len(given) != 1:
        raise DomainError(
            "one_target",
            _("Subscribe to exactly one country, product, HS prefix or establishment."),
        )
    if channel not in Channel.values:
        raise DomainError("invalid_channel", _("The channel must be e-mail or webhook."))
    fields: dict[str, Any] = {"user": user, "channel": channel}
    [(target, value)] = given.items()
    found: Any = None
    if target == "country":
        found = country_resolve(value)  # ISO code or name, as the checker takes it
    elif target == "product":
        resolution = product_resolve(value)
        if resolution.ambiguous:
            raise ambiguous_product(value, resolution)
        found = resolution.product
    elif target == "registration":
        found = EstablishmentRegistration.objects.filter(registration_number=value.upper()).first()
    elif re.match(HS_PREFIX_REGEX, value):
        found = value if Product.objects.filter(hs_prefix_q(value)).exists() else None
    else:
        raise DomainError("invalid_hs_prefix", _("An HS prefix is 2 to 6 digits."))
    if found is None:
        raise DomainError(
            "not_found",
            _("Nothing to subscribe to: no %(target)s %(value)s in the registry.")
            % {"target": target.replace("_", " "), "value": value},
            extra={"target": target, "value": value},
        )
    fields[target] = found
    if channel == Channel.WEBHOOK:
        webhook_url_check(webhook_url)
        fields.update(webhook_url=webhook_url, secret=secrets.token_hex(32))
    elif not user.email:
        raise DomainError("no_email", _("Add an e-mail address to your account first."))
    subscription = Subscription(**fields)
    subscription.full_clean()
    subscription.save()
    return subscription


def subscription_set_active(*, subscription: Subscription, by: Any, active: bool) -> Subscription:
    """Pause (no deliveries are made for it) or resume a subscription."""
    if not roles.may_manage_subscription(by, subscription):
        raise DomainError("not_allowed", _("This is not your subscription."))
    Subscription.objects.filter(pk=subscription.pk).update(is_active=active)
    subscription.is_active = active
    return subscription


def subscription_delete(*, subscription: Subscription, by: Any) -> None:
    """Delete a subscription with its deliveries (its owner or an administrator)."""
    if not roles.may_manage_subscription(by, subscription):
        raise DomainError("not_allowed", _("This is not your subscription."))
    subscription.delete()


# --- Watchlists ----------------------------------------------------------------------------------


def watch_add(*, user: Any, product: str, country: str = "") -> Watch:
    """Follow a product (any identifier the product resolver knows, names included), or a
    country-product pair when a country (ISO alpha-2) is given."""
    if not roles.may_watch(user):
        raise DomainError("not_allowed", _("Sign in to keep a watchlist."))
    product = (product or "").strip()
    if not product:
        raise DomainError("no_product", _("Name a product to follow."))
    resolution = product_resolve(product)
    if resolution.ambiguous:
        raise ambiguous_product(product, resolution)
    if resolution.product is None:
        raise DomainError(
            "not_found",
            _("No product called '%(value)s' in the registry.") % {"value": product},
        )
    found_country = None
    if country and country.strip():
        found_country = country_resolve(country)
        if found_country is None:
            raise DomainError(
                "not_found",
                _("No country %(value)s in the registry.") % {"value": country.strip()},
            )
    watch = Watch(user=user, product=resolution.product, country=found_country)
    try:
        watch.full_clean()
    except ValidationError as exc:
        raise DomainError("already_watched", " ".join(exc.messages)) from exc
    watch.save()
    return watch


def watch_remove(*, watch: Watch, by: Any) -> None:
    if not (roles.may_watch(by) and watch.user_id == by.pk):
        raise DomainError("not_allowed", _("This is not your watchlist."))
    watch.delete()
