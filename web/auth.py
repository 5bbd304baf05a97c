"""How signing in fits the registry: django-allauth's adapter (self-registration makes a trader,
a signed-in user gets their own language, an administrator's account needs no verification
e-mail) and the two answers django-axes asks for (which account and which address a sign-in
attempt is from), and the API's rate limit applied to the pages that answer what it answers."""

from __future__ import annotations

import functools
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.services import account_email_vouch, profile_of
from api.auth import page_rate_limit


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, with a label that says what to type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("E-mail or user name")
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs.pop("placeholder", None)


class _Discard(Exception):
    """Rolls back the account made only to spend the time a real sign-up spends."""


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, answering in the same time whether or not the address has an
    account (issue 27: an existing address answered in 10 ms, a new one in 222 ms, the password
    hash being most of the difference). For a taken address it does a new account's work, the
    password hash and the rows included, in a savepoint it rolls back, then lets allauth tell the
    owner by e-mail as before."""

    account_already_exists: bool  # set by allauth's clean()

    def try_save(self, request):
        if self.account_already_exists:
            self.account_already_exists = False
            try:
                with transaction.atomic():
                    self.save(request)
                    raise _Discard
            except _Discard:
                pass
            except Exception:  # noqa: BLE001, S110 - only the time matters; nothing is kept
                pass
            finally:
                self.account_already_exists = True
        return super().try_save(request)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "REGISTRY_SIGNUP_OPEN", True)

    def save_user(self, request, user, form, commit=True):
        """A new account from the sign-up form: a trader, reading in the language they signed up
        in. Nobody gives themselves any other role."""
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            roles.role_self_registered(user)
            profile = profile_of(user)
            profile.language = translation.get_language() or settings.LANGUAGE_CODE
            profile.save(update_fields=["language"])
        return user

    def pre_login(self, request, user, **kwargs):
        account_email_vouch(user)  # accounts made by an administrator; see accounts.services
        return super().pre_login(request, user, **kwargs)

    def post_login(self, request, user, **kwargs):
        """After sign-in, pages are in the language the user chose on their account page."""
        response = super().post_login(request, user, **kwargs)
        language = profile_of(user).language
        if language and response is not None:
            language_cookie_set(response, language)
        return response


def language_cookie_set(response, language: str) -> None:
    """Pages in this language from now on (this response, and Django's language cookie)."""
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def sign_in_name(request, credentials: dict[str, Any] | None) -> str:
    """The account a sign-in attempt names, for the lockout: an existing account by its user
    name whether it was typed as its e-mail or its user name (one counter per account); a name
    with no account, case-folded. Both are counted alike, so a lockout says nothing about whether
    the account exists."""
    credentials = credentials or {}
    name = credentials.get("email") or credentials.get("username")
    if not name and request is not None:
        data = getattr(request, "POST", {})
        name = data.get("login") or data.get("username")
    name = str(name or "").strip()
    if not name:
        return ""
    field = "email__iexact" if "@" in name else "username__iexact"
    users = get_user_model().objects.filter(**{field: name}).values_list("username", flat=True)
    found = list(users[:2])
    return found[0] if len(found) == 1 else name.casefold()


def client_address(request) -> str:
    """The client's address as the API throttle sees it: REMOTE_ADDR, or behind API_NUM_PROXIES
    trusted proxies the matching X-Forwarded-For entry."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


def shares_api_rate_limit(view):
    """An HTML page that answers questions the API answers is limited like the API (per client
    address, api.auth.page_rate_limit): a 429 page with Retry-After past the limit. Only asked
    questions count (a bare GET of the empty form does not)."""

    @functools.wraps(view)
    def limited(request, *args, **kwargs):
        if request.GET and (wait := page_rate_limit(request)) is not None:
            response = render(request, "429.html", {"wait": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return view(request, *args, **kwargs)

    return limited
