"""Who may do what: every permission question of the registry is answered here, and only here.

The roles are those of docs/design.md ("Users and what they may do"). They are data: `ABILITIES`
says what each role may do, and a user's roles come from the role groups (`trader`, `inspector`,
`senior_inspector`) plus the superuser flag (administrator). An API client is whoever presents an
API key on a request. Views, API permissions, services, admin screens and menu items ask
`may(user, ability)` (or one of the named predicates below) instead of testing groups or flags.

Staff status means only "may open the admin". `role_assign` gives it to administrators and to
inspectors and senior inspectors, because the admin's editing screens are where they maintain
records today; traders never get it. Staff status alone makes nobody an inspector.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.errors import DomainError

ANONYMOUS = "anonymous"
TRADER = "trader"
API_CLIENT = "api_client"
INSPECTOR = "inspector"
SENIOR_INSPECTOR = "senior_inspector"
ADMINISTRATOR = "administrator"

ROLE_LABELS = {
    ANONYMOUS: gettext_lazy("visitor"),
    TRADER: gettext_lazy("trader"),
    API_CLIENT: gettext_lazy("API client"),
    INSPECTOR: gettext_lazy("inspector"),
    SENIOR_INSPECTOR: gettext_lazy("senior inspector"),
    ADMINISTRATOR: gettext_lazy("administrator"),
}

# The roles kept as groups, which an administrator assigns (administrators are superusers).
GROUP_ROLES = (TRADER, INSPECTOR, SENIOR_INSPECTOR)
# Every role an account can be given (administrators are superusers).
ASSIGNABLE_ROLES = (*GROUP_ROLES, ADMINISTRATOR)
# Roles whose holders get staff status: they open the admin's editing screens.
ADMIN_SITE_ROLES = (INSPECTOR, SENIOR_INSPECTOR)


class Ability(StrEnum):
    READ = "read"  # search and read published records, run eligibility checks
    WATCH = "watch"  # keep a watchlist of products and country-product pairs
    SUBSCRIBE = "subscribe"  # e-mail and webhook subscriptions
    OWN_API_KEYS = "own_api_keys"  # issue and revoke API keys for one's own use
    KEY_ENDPOINTS = "key_endpoints"  # bulk checks and the delta feed of the API
    HIGHER_RATE = "higher_rate"  # the API's per-key rate limit instead of the per-address one
    DASHBOARD = "dashboard"  # the inspectors' dashboard: renewals, charts, alerts
    ACKNOWLEDGE_ALERTS = "acknowledge_alerts"
    INTERNAL_NOTES = "internal_notes"  # read records' internal notes (sources, reasoning)
    RUN_SWEEP = "run_sweep"  # run the expiry sweep now, from the dashboard
    ADMIN_SITE = "admin_site"  # open the admin (given by staff status, see module docstring)
    MANAGE_USERS = "manage_users"  # accounts and their roles
    MANAGE_ALL_API_KEYS = "manage_all_api_keys"  # issue and revoke keys for any owner
    MANAGE_ANY_SUBSCRIPTION = "manage_any_subscription"
    # Records with legal effect: propose a change (web, admin, import), review it, or (the
    # administrators' admin screens) write directly, recorded in the history with their name.
    PROPOSE = "propose"
    REVIEW = "review"
    WRITE_DIRECTLY = "write_directly"


_SIGNED_IN = {Ability.READ, Ability.WATCH, Ability.SUBSCRIBE, Ability.OWN_API_KEYS}
_INSPECTING = _SIGNED_IN | {
    Ability.DASHBOARD,
    Ability.ACKNOWLEDGE_ALERTS,
    Ability.INTERNAL_NOTES,
    Ability.RUN_SWEEP,
}

ABILITIES: dict[str, frozenset[Ability]] = {
    ANONYMOUS: frozenset({Ability.READ}),
    TRADER: frozenset(_SIGNED_IN),
    API_CLIENT: frozenset({Ability.READ, Ability.KEY_ENDPOINTS, Ability.HIGHER_RATE}),
    INSPECTOR: frozenset(_INSPECTING | {Ability.PROPOSE}),
    SENIOR_INSPECTOR: frozenset(_INSPECTING | {Ability.PROPOSE, Ability.REVIEW}),
    ADMINISTRATOR: frozenset(
        _INSPECTING
        | {Ability.PROPOSE, Ability.REVIEW, Ability.WRITE_DIRECTLY}
        | {Ability.MANAGE_USERS, Ability.MANAGE_ALL_API_KEYS, Ability.MANAGE_ANY_SUBSCRIPTION}
    ),
}

# Model permissions each role's group carries, per app (the admin's editing screens).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    INSPECTOR: {
        "registry": ("view", "add", "change"),
        "regulations": ("view", "add", "change"),
        "accessions": ("view", "add", "change"),
        "notifications": ("view",),
    },
    SENIOR_INSPECTOR: {
        "registry": ("view", "add", "change", "delete"),
        "regulations": ("view", "add", "change", "delete"),
        "accessions": ("view", "add", "change", "delete"),
        "notifications": ("view",),
    },
    TRADER: {},
}
INSPECTOR_ROLES = (INSPECTOR, SENIOR_INSPECTOR)


def _active(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def roles_of(user: Any, *, api_key: bool = False) -> frozenset[str]:
    """The roles a user holds on this request (the groups are read once per user object).

    `api_key`: the request came with a valid API key, which adds the API-client role.
    """
    roles: set[str] = {API_CLIENT} if api_key else set()
    if not _active(user):
        return frozenset(roles or {ANONYMOUS})
    cached = getattr(user, "_registry_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=GROUP_ROLES).values_list("name", flat=True))
        if user.is_superuser:
            cached |= {ADMINISTRATOR}
        user._registry_roles = cached
    # A signed-in account without a role (say, staff status alone) may do what anyone may.
    return frozenset(roles | cached) or frozenset({ANONYMOUS})


def may(user: Any, ability: Ability, *, api_key: bool = False) -> bool:
    """Whether any role the user holds on this request carries the ability."""
    if ability is Ability.ADMIN_SITE:
        return _active(user) and user.is_staff
    return any(ability in ABILITIES[role] for role in roles_of(user, api_key=api_key))


def holders_q(role: str) -> Q:
    """The accounts that hold a role, as a filter on users."""
    if role == ADMINISTRATOR:
        return Q(is_superuser=True)
    return Q(groups__name=role)


def main_role(user: Any) -> str:
    """The role to show beside a user's name: the highest they hold."""
    held = roles_of(user)
    for role in (ADMINISTRATOR, SENIOR_INSPECTOR, INSPECTOR, TRADER):
        if role in held:
            return role
    return ANONYMOUS


# Named questions, for readability at the call sites.


def is_administrator(user: Any) -> bool:
    return ADMINISTRATOR in roles_of(user)


def is_inspector(user: Any) -> bool:
    """Inspectors and senior inspectors (and administrators, who may do what they do)."""
    return bool(roles_of(user) & {INSPECTOR, SENIOR_INSPECTOR, ADMINISTRATOR})


def may_see_dashboard(user: Any) -> bool:
    return may(user, Ability.DASHBOARD)


def may_acknowledge_alerts(user: Any) -> bool:
    return may(user, Ability.ACKNOWLEDGE_ALERTS)


def may_open_admin(user: Any) -> bool:
    return may(user, Ability.ADMIN_SITE)


def may_subscribe(user: Any) -> bool:
    return may(user, Ability.SUBSCRIBE)


def may_watch(user: Any) -> bool:
    return may(user, Ability.WATCH)


def may_manage_subscription(user: Any, subscription: Any) -> bool:
    """A subscription (and its deliveries) is its owner's; administrators may act on any."""
    if not _active(user):
        return False
    return subscription.user_id == user.pk or may(user, Ability.MANAGE_ANY_SUBSCRIPTION)


def may_see_subscriber_addresses(user: Any) -> bool:
    """Subscribers' webhook addresses are theirs: only administrators see them in the admin."""
    return may(user, Ability.MANAGE_ANY_SUBSCRIPTION)


def may_issue_api_key(user: Any, owner: Any) -> bool:
    """Signed-in traders and inspectors issue keys for themselves; administrators for anyone."""
    if may(user, Ability.MANAGE_ALL_API_KEYS):
        return True
    return owner is not None and owner.pk == user.pk and may(user, Ability.OWN_API_KEYS)


def may_revoke_api_key(user: Any, key: Any) -> bool:
    if may(user, Ability.MANAGE_ALL_API_KEYS):
        return True
    return _active(user) and key.owner_id == user.pk and may(user, Ability.OWN_API_KEYS)


def may_manage_api_keys(user: Any) -> bool:
    """The admin's screen of every key: administrators only."""
    return may(user, Ability.MANAGE_ALL_API_KEYS)


def may_manage_users(user: Any) -> bool:
    return may(user, Ability.MANAGE_USERS)


def may_propose(user: Any) -> bool:
    return may(user, Ability.PROPOSE)


def may_review(user: Any) -> bool:
    """Review proposals: publish or reject them (never one's own: see may_publish)."""
    return may(user, Ability.REVIEW)


def may_publish(user: Any, author_id: int | None) -> bool:
    """Publish a proposal: a reviewer who is not its author (maker-checker)."""
    return may_review(user) and _active(user) and user.pk != author_id


def may_reject(user: Any, author_id: int | None) -> bool:
    """Reject a proposal: a reviewer who is not its author (the author withdraws instead)."""
    return may_review(user) and _active(user) and user.pk != author_id


def may_withdraw(user: Any, author_id: int | None) -> bool:
    """Withdraw a proposal: only its author, while they may still propose."""
    return may_propose(user) and _active(user) and user.pk == author_id


def may_write_directly(user: Any) -> bool:
    return may(user, Ability.WRITE_DIRECTLY)


def may_use_key_endpoints(user: Any, *, api_key: bool) -> bool:
    return may(user, Ability.KEY_ENDPOINTS, api_key=api_key)


# Writes: the role groups and who holds which role.


@transaction.atomic
def roles_ensure() -> dict[str, Group]:
    """Create or refresh the role groups and their model permissions (idempotent)."""
    groups = {}
    for role, apps in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        perms = Permission.objects.none()
        for app_label, actions in apps.items():
            app_perms = Permission.objects.filter(content_type__app_label=app_label)
            for action in actions:
                perms = perms | app_perms.filter(codename__startswith=f"{action}_")
        group.permissions.set(perms.exclude(codename__endswith="event"))
        groups[role] = group
    return groups


@transaction.atomic
def role_assign(*, user: Any, role: str, by: Any = None) -> Any:
    """Give a user exactly one role (a group role, or administrator: a superuser), and staff
    status exactly when that role works in the admin (ADMIN_SITE_ROLES and administrators).
    `by` is the administrator who decides; None is trusted code (a management command,
    `load_demo`)."""
    if role not in ASSIGNABLE_ROLES:
        raise DomainError("invalid_role", _("Unknown role: %(role)s.") % {"role": role})
    if by is not None and not may_manage_users(by):
        raise DomainError("not_allowed", _("Only an administrator assigns roles."))
    groups = roles_ensure()
    user.groups.remove(*[groups[name] for name in GROUP_ROLES if name != role])
    if role in groups:
        user.groups.add(groups[role])
    user.is_superuser = role == ADMINISTRATOR
    user.is_staff = role in (*ADMIN_SITE_ROLES, ADMINISTRATOR)
    user.save(update_fields=["is_staff", "is_superuser"])
    user._registry_roles = None
    return user


def role_self_registered(user: Any) -> Any:
    """The one role a person gives themselves by registering on the site: trader."""
    return role_assign(user=user, role=TRADER)
