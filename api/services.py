"""Writes of the API app: issuing and revoking API keys."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from api.models import ApiKey
from registry.errors import DomainError


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_issue(*, name: str, owner: Any = None, by: Any = None) -> tuple[ApiKey, str]:
    """Issue an API key: returns (ApiKey, raw_key). The raw key is shown once and never stored;
    only its SHA-256 hash is.

    `by` is who asks (None: trusted code such as a management command). Administrators issue
    keys for anyone; a signed-in trader or inspector for themselves, up to
    REGISTRY_API_KEYS_PER_USER active keys. The raw key is `<prefix>.<secret>`: the prefix
    identifies the key in lists and logs.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("An API key needs a name (who or what uses it).")})
    with transaction.atomic():
        if by is not None:
            if not roles.may_issue_api_key(by, owner):
                raise DomainError("not_allowed", _("You may issue keys for your own use only."))
            if not roles.may_manage_api_keys(by):
                limit = settings.REGISTRY_API_KEYS_PER_USER
                # Serialise one owner's issues, so two at once cannot pass the limit together.
                get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
                active = ApiKey.objects.filter(owner=owner, revoked_at__isnull=True).count()
                if active >= limit:
                    raise DomainError(
                        "too_many_keys",
                        _("You hold %(limit)d active keys; revoke one before making another.")
                        % {"limit": limit},
                    )
        prefix = secrets.token_hex(4)
        raw = f"{prefix}.{secrets.token_urlsafe(32)}"
        key = ApiKey.objects.create(
            name=name[:100], owner=owner, prefix=prefix, hashed_key=hash_api_key(raw)
        )
    return key, raw


def api_key_revoke(*, key: ApiKey, by: Any = None, when: Any = None) -> ApiKey:
    """Revoke a key at once (idempotent: a revoked key keeps its first revocation time).
    `by` as for api_key_issue: its owner or an administrator."""
    if by is not None and not roles.may_revoke_api_key(by, key):
        raise DomainError("not_allowed", _("This is not your key."))
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=when or timezone.now()
    )
    key.refresh_from_db(fields=["revoked_at"])
    return key
