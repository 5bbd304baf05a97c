"""What the signed-in user may do, for the templates (the menu asks accounts.roles, too)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import roles


class _Permissions:
    def __init__(self, user: Any) -> None:
        self.see_dashboard = roles.may_see_dashboard(user)
        self.subscribe = roles.may_subscribe(user)
        self.watch = roles.may_watch(user)
        self.own_api_keys = roles.may(user, roles.Ability.OWN_API_KEYS)
        self.open_admin = roles.may_open_admin(user)
        self.read_internal_notes = roles.may(user, roles.Ability.INTERNAL_NOTES)
        self.run_sweep = roles.may(user, roles.Ability.RUN_SWEEP)


def permissions(request: HttpRequest) -> dict[str, Any]:
    """`may.see_dashboard`, `may.subscribe`, `may.watch`, `may.own_api_keys`, `may.open_admin`,
    `may.run_sweep`:
    computed only when a template reads them."""
    return {"may": SimpleLazyObject(lambda: _Permissions(request.user))}
