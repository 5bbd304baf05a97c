"""Who may do what: every permission question of the registry is answered here, and only here.

The roles (DESIGN.md, "Users and what they may do") are groups: `trader`, `inspector`,
`senior_inspector`; administrators are superusers. Views, API permissions, services and admin
actions ask the predicates below instead of testing groups or flags themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

TRADER = "trader"
INSPECTOR = "inspector"
SENIOR_INSPECTOR = "senior_inspector"

# Model permissions each role's group carries, per app (the admin's editing screens).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    INSPECTOR: {
        "registry": ("view", "add", "change"),
        "regulations": ("view", "add", "change"),
        "accessions": ("view", "add", "change"),
        "notifications": ("view", "add", "change"),
    },
    SENIOR_INSPECTOR: {
        "registry": ("view", "add", "change", "delete"),
        "regulations": ("view", "add", "change", "delete"),
        "accessions": ("view", "add", "change", "delete"),
        "notifications": ("view", "add", "change", "delete"),
    },
    TRADER: {},
}
INSPECTOR_ROLES = (INSPECTOR, SENIOR_INSPECTOR)
SUBSCRIBER_ROLES = (TRADER, INSPECTOR, SENIOR_INSPECTOR)


def _active(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _role_names(user: Any) -> frozenset[str]:
    """The user's roles, read once per user object (so once per request)."""
    cached = getattr(user, "_registry_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._registry_roles = cached
    return cached


def _has_role(user: Any, roles: tuple[str, ...]) -> bool:
    return bool(_role_names(user) & set(roles))


def is_administrator(user: Any) -> bool:
    return _active(user) and user.is_superuser


def is_inspector(user: Any) -> bool:
    """Inspectors and senior inspectors (and active staff, who work the admin's screens)."""
    return _active(user) and (user.is_staff or _has_role(user, INSPECTOR_ROLES))


def may_see_dashboard(user: Any) -> bool:
    return is_inspector(user)


def may_acknowledge_alerts(user: Any) -> bool:
    return is_inspector(user)


def may_subscribe(user: Any) -> bool:
    """Traders and inspectors keep subscriptions; administrators may too."""
    return _active(user) and (user.is_superuser or _has_role(user, SUBSCRIBER_ROLES))


def may_manage_subscription(user: Any, subscription: Any) -> bool:
    """A subscription (and its deliveries) is its owner's; administrators may act on any."""
    return _active(user) and (subscription.user_id == user.pk or user.is_superuser)


def may_manage_api_keys(user: Any) -> bool:
    """Keys are issued and revoked by administrators only (DESIGN.md)."""
    return is_administrator(user)


@transaction.atomic
def roles_ensure() -> dict[str, Group]:
    """Create or refresh the role groups and their model permissions (idempotent)."""
    groups = {}
    for role, apps in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.none()
        for app_label, actions in apps.items():
            app_perms = Permission.objects.filter(content_type__app_label=app_label)
            for action in actions:
                perms = perms | app_perms.filter(codename__startswith=f"{action}_")
        group.permissions.set(perms.exclude(codename__endswith="event"))
        groups[role] = group
    return groups
