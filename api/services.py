"""Writes of the API app: issuing and revoking API keys."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from api.models import ApiKey


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_issue(*, name: str, owner: Any = None) -> tuple[ApiKey, str]:
    """Issue an API key: returns (ApiKey, raw_key). The raw key is shown once and never stored;
    only its SHA-256 hash is (DESIGN.md: keys are issued by admins, stored hashed, revocable).

    The raw key is `<prefix>.<secret>`: the prefix identifies the key in lists and logs.
    """
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


def api_key_revoke(*, key: ApiKey, when: Any = None) -> ApiKey:
    """Revoke a key at once (idempotent: a revoked key keeps its first revocation time)."""
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=when or timezone.now()
    )
    key.refresh_from_db(fields=["revoked_at"])
    return key
