"""Writes about accounts beyond roles (accounts.roles assigns those): the language a user reads
in, the e-mail address an administrator vouches for, and the creation of accounts by trusted code
(the demo accounts of `load_demo`)."""

from __future__ import annotations

import secrets
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import AccountProfile
from registry.errors import DomainError


def profile_of(user: Any) -> AccountProfile:
    profile, _created = AccountProfile.objects.get_or_create(user=user)
    return profile


def account_language_set(*, user: Any, language: str) -> AccountProfile:
    """The language the user reads pages (after sign-in) and e-mails in."""
    if language not in dict(settings.LANGUAGES):
        raise DomainError("invalid_language", _("Choose one of the offered languages."))
    profile = profile_of(user)
    profile.language = language
    profile.save(update_fields=["language"])
    return profile


def account_email_vouch(user: Any) -> None:
    """Mark the address of an account made by an administrator (in the admin or with
    `createsuperuser`) as verified: the administrator vouches for it. Accounts from
    self-registration always have an address record of their own and are never vouched for."""
    if not user.email or EmailAddress.objects.filter(user=user).exists():
        return
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


@transaction.atomic
def account_create(
    *,
    username: str,
    email: str,
    password: str,
    role: str,
    by: Any = None,
    illustrative: bool = False,
) -> Any:
    """Create (or reset) an account with one role, its address verified. Trusted code only
    (`by=None`: `load_demo`) or an administrator."""
    if by is not None and not roles.may_manage_users(by):
        raise DomainError("not_allowed", _("Only an administrator creates accounts."))
    users = get_user_model()
    user = users.objects.filter(username=username).first() or users(username=username)
    user.email = email
    user.is_active = True
    user.set_password(password)
    user.save()
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).delete()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    roles.role_assign(user=user, role=role, by=by)
    profile = profile_of(user)
    profile.is_illustrative = illustrative
    profile.save(update_fields=["is_illustrative"])
    return user


# One demo account per role, for the embedded mode (`load_demo`): a newcomer signs in as each role
# at once. Flagged illustrative; `REGISTRY_DEMO_USERS` is off in production.
DEMO_ACCOUNTS = (
    ("demo-trader", roles.TRADER),
    ("demo-inspector", roles.INSPECTOR),
    ("demo-senior", roles.SENIOR_INSPECTOR),
    ("demo-admin", roles.ADMINISTRATOR),
)
DEMO_EMAIL_DOMAIN = "example.invalid"  # RFC 2606: can never be a real address


def demo_accounts_create() -> list[tuple[str, str, str]]:
    """(Re)create the demo accounts with new random passwords: [(username, role, password)]."""
    if not settings.REGISTRY_DEMO_USERS:
        raise DomainError(
            "not_allowed",
            _("Demo accounts are made in the embedded mode only (REGISTRY_DEMO_USERS)."),
        )
    made = []
    for username, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        account_create(
            username=username,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            password=password,
            role=role,
            illustrative=True,
        )
        made.append((username, role, password))
    return made
