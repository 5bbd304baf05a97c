"""Writes to the catalogue that are not record edits: roles and API keys."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

# Who may do what (DESIGN.md, "Users and what they may do"): one place for the role rule.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "inspector": {
        "registry": ("view", "add", "change"),
        "regulations": ("view", "add", "change"),
        "accessions": ("view", "add", "change"),
    },
    "senior_inspector": {
        "registry": ("view", "add", "change", "delete"),
        "regulations": ("view", "add", "change", "delete"),
        "accessions": ("view", "add", "change", "delete"),
    },
    "trader": {},
}


@transaction.atomic
def roles_ensure() -> dict[str, Group]:
    """Create or refresh the role groups and their model permissions (idempotent)."""
    groups = {}
    for role, apps in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.none()
        for app_label, actions in apps.items():
            codename_prefixes = [f"{action}_" for action in actions]
            app_perms = Permission.objects.filter(content_type__app_label=app_label)
            for prefix in codename_prefixes:
                perms = perms | app_perms.filter(codename__startswith=prefix)
        group.permissions.set(perms.exclude(codename__endswith="event"))
        groups[role] = group
    return groups
