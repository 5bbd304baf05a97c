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


INSPECTOR_ROLES = ("inspector", "senior_inspector")


def user_is_inspector(user) -> bool:
    """The one rule for who sees the dashboard and handles alerts: active staff, inspectors and
    senior inspectors."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.groups.filter(name__in=INSPECTOR_ROLES).exists()


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


# --- API keys (issue 4) -------------------------------------------------------------------------


def api_key_issue(*, name: str, owner=None):
    """Issue an API key: returns (ApiKey, raw_key). The raw key is shown once and never stored;
    only its SHA-256 hash is (DESIGN.md: keys are issued by admins, stored hashed, revocable).

    The raw key is `<prefix>.<secret>`: the prefix identifies the key in lists and logs.
    """
    import secrets

    from django.core.exceptions import ValidationError

    from registry.api_auth import hash_api_key
    from registry.models import ApiKey

    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "An API key needs a name (who or what uses it)."})
    prefix = secrets.token_hex(4)
    raw = f"{prefix}.{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name[:100], owner=owner, prefix=prefix, hashed_key=hash_api_key(raw)
        )
    return key, raw


def api_key_revoke(*, key, when=None):
    """Revoke a key at once (idempotent: a revoked key keeps its first revocation time)."""
    from django.utils import timezone

    from registry.models import ApiKey

    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=when or timezone.now()
    )
    key.refresh_from_db(fields=["revoked_at"])
    return key
